// How a trial gets run: the Executor interface, and the local implementation, a pool of `slots`
// worker processes (trial-worker.ts) that live for the whole run and take trial after trial, so a
// crash or an out-of-memory in one trial fails only that trial (and its worker is replaced).
// A cluster executor (Slurm) implements the same interface; nothing else needs to change.
import { fork, type ChildProcess } from 'node:child_process';
import { nodeEntry } from './node-entry.ts';
import { dataKey } from './prepare.ts';
import type { Job, TrialProgress } from './run-job.ts';

export type { Job, TrialProgress } from './run-job.ts';

/** Runner → worker. */
export type ParentMessage = { type: 'job'; job: Job } | { type: 'abort' };

/** Worker → runner: progress of the job in flight, then exactly one of done, error or aborted. */
export type WorkerMessage =
  | ({ type: 'progress' } & TrialProgress)
  | { type: 'done' }
  | { type: 'error'; message: string; stack?: string }
  | { type: 'aborted'; reason?: string };

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

/** A trial the executor found trained by another process sharing the store: who. */
export interface Ran {
  elsewhere: string;
}

export interface Executor {
  /** How many trials may run at once. */
  readonly slots: number;
  /** BLAS threads each trial gets. */
  readonly threadsPerTrial: number;
  /** Bytes a trial may use, where the executor sets a limit (e.g. a cluster job's --mem); else the machine's. */
  readonly memoryLimit?: number;
  /** What that limit is, for the message refusing a trial (e.g. "the Slurm task's --mem 4G"). */
  readonly memoryLimitName?: string;
  /** True when the executor claims and commits each trial in the store itself (Slurm's tasks): the runner then neither claims nor commits, and job.tmpDir is unused. */
  readonly commitsItself?: boolean;
  /**
   * Resolves when job.tmpDir holds a complete trial (or, `commitsItself`, the store does; then with
   * `elsewhere` saying who trained it when not this executor's job); rejects with TrialFailure or an AbortError.
   */
  run(job: Job, onProgress: (p: TrialProgress) => void, signal: AbortSignal): Promise<void | Ran>;
  /** Ends whatever the executor keeps between trials (the local pool's workers: they keep the caller's process alive until then). */
  close?(): Promise<void>;
}

const WORKER = nodeEntry('./trial-worker.ts', import.meta.url);
/** A worker that does not stop within this long of being asked to is killed. */
const KILL_AFTER_MS = 2000;

const abortError = () => Object.assign(new Error('aborted'), { name: 'AbortError' });

/** One long-lived worker process and the job it runs. */
class Worker {
  readonly child: ChildProcess;
  /** Resolves when the process has exited and its output is read. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The data its last job prepared (it keeps them): a job on the same data is best sent here. */
  dataKey: string | null = null;
  /** Output (stdout and stderr, interleaved) since its current job began: a failed trial's log. */
  private output = '';
  private onMessage: ((m: WorkerMessage) => void) | null = null;

  constructor(threads: number) {
    this.child = fork(WORKER.file, [], {
      execArgv: WORKER.execArgv,
      env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    for (const stream of [this.child.stdout!, this.child.stderr!])
      stream.setEncoding('utf8').on('data', (d: string) => (this.output += d));
    this.child.on('message', (m: WorkerMessage) => this.onMessage?.(m));
    // The exit, then the end of its output.
    const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      this.child.on('exit', (code, signal) => resolve({ code, signal }));
      // 'error' without 'exit': the process could not be started.
      this.child.on('error', (err) => {
        this.output += `${err.message}\n`;
        if (this.child.pid === undefined) resolve({ code: 1, signal: null });
      });
    });
    const ended = [this.child.stdout!, this.child.stderr!].map((s) => new Promise((resolve) => s.on('close', resolve)));
    this.exited = exit.then(async (e) => (await Promise.all(ended), e));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.child.connected;
  }

  async run(job: Job, onProgress: (p: TrialProgress) => void, signal: AbortSignal): Promise<void> {
    this.output = '';
    let killer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      if (this.child.connected) this.child.send({ type: 'abort' } satisfies ParentMessage);
      killer = setTimeout(() => this.child.kill('SIGKILL'), KILL_AFTER_MS);
    };
    try {
      const reply = await new Promise<
        | Exclude<WorkerMessage, { type: 'progress' }>
        | { type: 'exit'; code: number | null; signal: NodeJS.Signals | null }
      >((resolve) => {
        this.onMessage = (m) => (m.type === 'progress' ? onProgress(m) : resolve(m));
        void this.exited.then((e) => resolve({ type: 'exit', ...e }));
        signal.addEventListener('abort', onAbort, { once: true });
        this.child.send({ type: 'job', job } satisfies ParentMessage);
      });
      // Stopped by the runner (Ctrl-C/SIGTERM): whatever the worker answered, the trial is not kept.
      if (signal.aborted) throw abortError();
      if (reply.type === 'done') return;
      if (reply.type === 'error')
        throw new TrialFailure(reply.message, [this.output, reply.stack ?? ''].filter(Boolean).join('\n'));
      if (reply.type === 'aborted')
        throw new TrialFailure(
          `the trial's process was stopped${reply.reason ? ` by ${reply.reason}` : ''}`,
          this.output,
        );
      const how = reply.signal ? `was killed by ${reply.signal}` : `exited with code ${reply.code}`;
      throw new TrialFailure(
        `the trial's process ${how}${reply.signal === 'SIGKILL' ? ' (out of memory?)' : ''}`,
        this.output,
      );
    } finally {
      clearTimeout(killer);
      signal.removeEventListener('abort', onAbort);
      this.onMessage = null;
      this.dataKey = dataKey(job.trial.config, job.provenance.dataFingerprint);
    }
  }

  /** Asks the worker to leave (closing its channel) and waits; kills it if it does not go. */
  async stop(): Promise<void> {
    if (this.child.connected) this.child.disconnect();
    const killer = setTimeout(() => this.child.kill('SIGKILL'), KILL_AFTER_MS);
    await this.exited;
    clearTimeout(killer);
  }
}

export class LocalProcessExecutor implements Executor {
  private readonly workers = new Set<Worker>();
  private readonly idle: Worker[] = [];

  constructor(
    readonly slots: number,
    readonly threadsPerTrial: number,
  ) {}

  /**
   * A worker for a job on data `key`: an idle one that keeps these data, else a fresh idle one, else a
   * new one while fewer than `slots` live (so two data sets stay in memory rather than being rebuilt
   * in turn), else any idle one.
   */
  private take(key: string): Worker {
    for (const w of [...this.idle]) if (!w.alive) this.drop(w);
    let i = this.idle.findIndex((w) => w.dataKey === key);
    if (i < 0) i = this.idle.findIndex((w) => w.dataKey === null);
    if (i < 0 && this.workers.size >= this.slots) i = 0;
    if (i >= 0 && i < this.idle.length) return this.idle.splice(i, 1)[0];
    if (this.workers.size >= this.slots)
      throw new Error(`LocalProcessExecutor: more than ${this.slots} trials at once`);
    const w = new Worker(this.threadsPerTrial);
    this.workers.add(w);
    void w.exited.then(() => this.drop(w));
    return w;
  }

  private drop(w: Worker): void {
    this.workers.delete(w);
    const i = this.idle.indexOf(w);
    if (i >= 0) this.idle.splice(i, 1);
  }

  async run(job: Job, onProgress: (p: TrialProgress) => void, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw abortError();
    const w = this.take(dataKey(job.trial.config, job.provenance.dataFingerprint));
    try {
      await w.run(job, onProgress, signal);
    } finally {
      if (w.alive) this.idle.push(w);
      else this.drop(w);
    }
  }

  async close(): Promise<void> {
    const all = [...this.workers];
    this.idle.length = 0;
    await Promise.all(all.map((w) => w.stop()));
  }
}
