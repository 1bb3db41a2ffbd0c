// Submitting a wave: its trials written to a wave file, one `sbatch --array` for all of them, a
// state file per trial naming its Slurm job. Shared by the following executor, --detach and --dry-run.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Job } from '../executor.ts';
import { writing } from '../../store/store.ts';
import type { Trial } from '../../config/expand.ts';
import { layout, logFile, makeDirs, readState, writeJson, writeState, type WaveFile } from './layout.ts';
import { followUpScript, waveScript } from './script.ts';
import { sbatch } from './slurm.ts';
import type { SlurmOptions } from './options.ts';

export interface Wave {
  storeRoot: string;
  experiment: string;
  jobs: Omit<Job, 'tmpDir'>[];
  options: SlurmOptions;
  force?: boolean;
}

function waveName(): string {
  return `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
}

/** The script and the wave file's path, without writing or submitting anything (--dry-run). */
export function prepareWave(w: Wave, name = waveName()): { script: string; waveFile: string; content: WaveFile } {
  const l = layout(w.storeRoot);
  const waveFile = join(l.waves, `${name}.json`);
  const script = waveScript({
    name: `nnlab-${w.experiment}`,
    count: w.jobs.length,
    waveFile,
    logs: l.logs,
    options: w.options,
  });
  return { script, waveFile, content: { storeRoot: w.storeRoot, jobs: w.jobs, ...(w.force ? { force: true } : {}) } };
}

/** Submits the wave as one job array; returns its job id. */
export async function submitWave(w: Wave): Promise<string> {
  const l = layout(w.storeRoot);
  makeDirs(l);
  const name = waveName();
  const { script, waveFile, content } = prepareWave(w, name);
  writeJson(waveFile, content);
  writing(join(l.waves, `${name}.sbatch`), () => writeFileSync(join(l.waves, `${name}.sbatch`), script));
  const id = await sbatch(script);
  w.jobs.forEach((j, i) => {
    const before = readState(l, j.trial.hash);
    // A quick task may have written its own state already: keep it.
    if (before?.arrayJobId === id) return;
    writeState(l, {
      hash: j.trial.hash,
      id: j.trial.id,
      arrayJobId: id,
      taskId: i,
      attempt: (before?.attempt ?? 0) + 1,
      state: 'submitted',
      log: logFile(l, id, i),
      at: '',
    });
  });
  return id;
}

/** The follow-up job of --detach: runs `nnlab run ARGS` once every job in `after` has ended. */
export async function submitFollowUp(
  storeRoot: string,
  experiment: string,
  after: string[],
  runArgs: string[],
  options: SlurmOptions,
): Promise<string> {
  const l = layout(storeRoot);
  makeDirs(l);
  const script = followUpScript({
    name: `nnlab-${experiment}-next`,
    log: join(l.logs, 'follow-up-%j.out'),
    cwd: process.cwd(),
    runArgs,
    options,
  });
  const id = await sbatch(script, [`--dependency=afterany:${after.join(':')}`]);
  writeJson(join(l.root, 'follow-up.json'), { jobId: id, after, at: new Date().toISOString() });
  return id;
}

/** --dry-run: the script of the array that would go out now, and which trial each task runs. */
export function dryRunScript(w: Omit<Wave, 'jobs'> & { trials: Trial[] }): string {
  const trials = [...new Map(w.trials.map((t) => [t.hash, t])).values()];
  if (!trials.length) return '# sbatch: nothing to submit now (every trial that can be planned is stored)';
  const { script, waveFile } = prepareWave(
    { ...w, jobs: trials.map((trial) => ({ trial, provenance: null as never })) },
    '<wave>',
  );
  const tasks = trials.map((t, i) => `#   task ${i}: ${t.id} (${t.hash})`);
  return [
    `# sbatch script for ${trials.length} trial${trials.length === 1 ? '' : 's'} (wave file ${waveFile}):`,
    ...tasks,
    script,
  ].join('\n');
}
