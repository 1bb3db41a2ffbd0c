// How a trial gets run: the Executor interface, and the local implementation that runs each trial
// in a child process (execa), so a crash or an out-of-memory in one trial fails only that trial.
// A cluster executor (Slurm) implements the same interface; nothing else needs to change.
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import type { Trial } from '../config/expand.ts';
import type { Provenance } from '../store/types.ts';

/** Everything a worker needs; it writes the trial's files into tmpDir. */
export interface Job {
  trial: Trial;
  tmpDir: string;
  provenance: Provenance;
}

export type WorkerMessage =
  | { type: 'progress'; step: number; totalSteps: number; validationAccuracy?: number }
  | { type: 'done' }
  | { type: 'error'; message: string; stack?: string };

export interface TrialProgress {
  step: number;
  totalSteps: number;
  validationAccuracy?: number;
}

/** A trial that did not finish: the message and the worker's output. */
export class TrialFailure extends Error {
  constructor(
    message: string,
    readonly log: string,
  ) {
    super(message);
    this.name = 'TrialFailure';
  }
}

export interface Executor {
  /** How many trials may run at once. */
  readonly slots: number;
  /** BLAS threads each trial gets. */
  readonly threadsPerTrial: number;
  /** Resolves when job.tmpDir holds a complete trial; rejects with TrialFailure or an AbortError. */
  run(job: Job, onProgress: (p: TrialProgress) => void, signal: AbortSignal): Promise<void>;
}

const WORKER = fileURLToPath(new URL('./trial-worker.ts', import.meta.url));
// tsx's loader by its absolute URL: a bare `--import tsx` is resolved from the working directory,
// so a run started outside the project (an installed nnlab) failed every trial (ERR_MODULE_NOT_FOUND).
const TSX = import.meta.resolve('tsx');

export class LocalProcessExecutor implements Executor {
  constructor(
    readonly slots: number,
    readonly threadsPerTrial: number,
  ) {}

  async run(job: Job, onProgress: (p: TrialProgress) => void, signal: AbortSignal): Promise<void> {
    const child = execa(process.execPath, ['--import', TSX, WORKER], {
      ipc: true,
      all: true,
      reject: false,
      cancelSignal: signal,
      forceKillAfterDelay: 2000,
      env: { OPENBLAS_NUM_THREADS: String(this.threadsPerTrial) },
    });
    let error: { message: string; stack?: string } | null = null;
    let done = false;
    const messages = (async () => {
      await child.sendMessage(job as never);
      for await (const m of child.getEachMessage()) {
        const msg = m as WorkerMessage;
        if (msg.type === 'progress') onProgress(msg);
        else if (msg.type === 'done') done = true;
        else if (msg.type === 'error') error = msg;
      }
    })().catch(() => undefined);
    const result = await child;
    await messages;
    if (signal.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
    const log = String(result.all ?? '');
    if (error) throw new TrialFailure((error as { message: string }).message, [log, (error as { stack?: string }).stack ?? ''].filter(Boolean).join('\n'));
    if (!done || result.exitCode !== 0) {
      const how = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`;
      throw new TrialFailure(`the trial's process ${how}${result.signal === 'SIGKILL' ? ' (out of memory?)' : ''}`, log);
    }
  }
}
