// What the Slurm executor keeps beside the trials, in runs/<experiment>/slurm/ (on the shared
// filesystem, so the runner, the array tasks and a later `nnlab status` all read the same files):
// waves/<wave>.json + .sbatch (the jobs of one array and its script), logs/<job>_<task>.out,
// trials/<hash>.json (where a trial's task is: submitted, running with its progress, committed, failed).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Job, TrialProgress } from '../executor.ts';
import { writing } from '../../store/store.ts';

export interface SlurmLayout {
  root: string;
  waves: string;
  logs: string;
  trials: string;
}

export function layout(storeRoot: string): SlurmLayout {
  const root = join(storeRoot, 'slurm');
  return { root, waves: join(root, 'waves'), logs: join(root, 'logs'), trials: join(root, 'trials') };
}

/** One array job's content: task i runs jobs[i]. */
export interface WaveFile {
  storeRoot: string;
  /** --force: train even when the store has the trial. */
  force?: boolean;
  jobs: Omit<Job, 'tmpDir'>[];
}

/** Where a trial's task is. Written by the runner at submission, then by the task itself. */
export interface TaskState {
  hash: string;
  id: string;
  /** The array job's id and this trial's index in it: the Slurm job `${arrayJobId}_${taskId}`. */
  arrayJobId: string;
  taskId: number;
  /** 1 for the first submission, 2 for the first retry, … */
  attempt: number;
  state: 'submitted' | 'running' | 'committed' | 'failed' | 'stopped' | 'claimed';
  host?: string;
  message?: string;
  /** Committed, but trained by another process sharing the store (a local runner, another task): who. */
  elsewhere?: string;
  progress?: TrialProgress;
  log: string;
  at: string;
}

export const slurmJobId = (s: Pick<TaskState, 'arrayJobId' | 'taskId'>) => `${s.arrayJobId}_${s.taskId}`;

export function logFile(l: SlurmLayout, arrayJobId: string, taskId: number): string {
  return join(l.logs, `${arrayJobId}_${taskId}.out`);
}

/** Written under a temporary name and renamed, so a reader never sees half a file. */
export function writeJson(file: string, value: unknown): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writing(file, () => {
    writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
    renameSync(tmp, file);
  });
}

export function readState(l: SlurmLayout, hash: string): TaskState | null {
  try {
    return JSON.parse(readFileSync(join(l.trials, `${hash}.json`), 'utf8')) as TaskState;
  } catch {
    return null;
  }
}

export function writeState(l: SlurmLayout, s: TaskState): void {
  writing(l.trials, () => mkdirSync(l.trials, { recursive: true }));
  writeJson(join(l.trials, `${s.hash}.json`), { ...s, at: new Date().toISOString() });
}

export function makeDirs(l: SlurmLayout): void {
  for (const d of [l.waves, l.logs, l.trials]) writing(d, () => mkdirSync(d, { recursive: true }));
}
