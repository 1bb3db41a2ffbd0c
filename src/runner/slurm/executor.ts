// The Slurm executor: the trials the runner hands over together (a wave) go out as one job array;
// one poll a second asks Slurm about each array and reads the tasks' state files for progress;
// each trial settles with Slurm's outcome. Failed tasks are resubmitted up to --retries times;
// an interrupt cancels (scancel) every job this process submitted and says so.
import { existsSync } from 'node:fs';
import { TrialFailure, type Executor, type Job, type Ran, type TrialProgress } from '../executor.ts';
import { layout, readState, slurmJobId, type SlurmLayout, type TaskState } from './layout.ts';
import { inFlight, retryable, standing, tail } from './outcome.ts';
import { arrayTasks, scancel, type TaskInfo } from './slurm.ts';
import { submitWave } from './submit.ts';
import { memBytes, type SlurmOptions } from './options.ts';

interface Waiting {
  job: Job;
  onProgress: (p: TrialProgress) => void;
  resolve: (r?: Ran) => void;
  reject: (err: Error) => void;
  /** Retries used so far. */
  retries: number;
  arrayJobId?: string;
  taskId?: number;
  lastStep?: number;
  lastNote?: string;
}

const abortError = () => Object.assign(new Error('aborted'), { name: 'AbortError' });

/** Trials handed over within this long of each other go out as one array. */
const GATHER_MS = 300;
const POLL_MS = 1000;

export class SlurmExecutor implements Executor {
  readonly slots = Number.MAX_SAFE_INTEGER;
  readonly threadsPerTrial: number;
  readonly commitsItself = true;
  /** A task's --mem: the memory check refuses a trial that needs more before anything is submitted. */
  readonly memoryLimit?: number;
  readonly memoryLimitName?: string;
  private readonly l: SlurmLayout;
  private queue: Waiting[] = [];
  private gather: NodeJS.Timeout | null = null;
  private following = new Set<Waiting>();
  private submitted: string[] = [];
  private poller: NodeJS.Timeout | null = null;
  private polling = false;
  private aborted = false;
  private signals = new WeakSet<AbortSignal>();
  private byHash = new Map<string, { promise: Promise<void | Ran>; listeners: Set<(p: TrialProgress) => void> }>();

  constructor(
    private readonly storeRoot: string,
    private readonly experiment: string,
    private readonly options: SlurmOptions,
    private readonly log: (line: string) => void,
    private readonly force = false,
  ) {
    this.threadsPerTrial = options.cpusPerTask;
    if (options.mem) {
      this.memoryLimit = memBytes(options.mem);
      this.memoryLimitName = `the Slurm task's --mem ${options.mem}`;
    }
    this.l = layout(storeRoot);
  }

  run(job: Job, onProgress: (p: TrialProgress) => void, signal: AbortSignal): Promise<void | Ran> {
    if (!this.signals.has(signal)) {
      this.signals.add(signal);
      signal.addEventListener('abort', () => void this.cancelAll(), { once: true });
    }
    // Two trials of a plan can be the same computation (a search value equal to the base's):
    // one task trains it, both wait for it.
    const same = this.byHash.get(job.trial.hash);
    if (same) {
      same.listeners.add(onProgress);
      return same.promise;
    }
    const listeners = new Set([onProgress]);
    const promise = new Promise<void | Ran>((resolve, reject) => {
      const w: Waiting = { job, onProgress: (p) => listeners.forEach((l) => l(p)), resolve, reject, retries: 0 };
      if (this.aborted || signal.aborted) return reject(abortError());
      void this.adoptOrQueue(w);
    }).finally(() => this.byHash.delete(job.trial.hash));
    this.byHash.set(job.trial.hash, { promise, listeners });
    return promise;
  }

  /** A trial an earlier (detached) run submitted and Slurm still has is followed, not resubmitted. */
  private async adoptOrQueue(w: Waiting): Promise<void> {
    const s = readState(this.l, w.job.trial.hash);
    if (s && (s.state === 'submitted' || s.state === 'running')) {
      const st = await standing(s, this.options).catch(() => null);
      if (st && inFlight(st.outcome)) {
        w.arrayJobId = s.arrayJobId;
        w.taskId = s.taskId;
        this.following.add(w);
        this.startPolling();
        return;
      }
    }
    this.enqueue(w);
  }

  private enqueue(w: Waiting): void {
    this.queue.push(w);
    this.gather ??= setTimeout(() => void this.flush(), GATHER_MS);
  }

  private async flush(): Promise<void> {
    this.gather = null;
    const batch = this.queue;
    this.queue = [];
    if (!batch.length || this.aborted) return;
    try {
      const id = await submitWave({
        storeRoot: this.storeRoot,
        experiment: this.experiment,
        jobs: batch.map((w) => ({ trial: w.job.trial, provenance: w.job.provenance })),
        options: this.options,
        force: this.force,
      });
      this.submitted.push(id);
      batch.forEach((w, i) => {
        w.arrayJobId = id;
        w.taskId = i;
        this.following.add(w);
      });
      if (this.aborted) await this.cancelAll(true);
      this.startPolling();
    } catch (err) {
      for (const w of batch) w.reject(new TrialFailure((err as Error).message, ''));
    }
  }

  private startPolling(): void {
    this.poller ??= setInterval(() => void this.poll(), POLL_MS);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const arrays = new Map<string, Map<number, TaskInfo>>();
      for (const w of [...this.following]) {
        if (this.aborted) return;
        const id = w.arrayJobId!;
        if (!arrays.has(id)) arrays.set(id, await arrayTasks(id));
        const s = readState(this.l, w.job.trial.hash);
        // Until the runner's own record is written, the task's number is all there is.
        const state: TaskState =
          s && s.arrayJobId === id
            ? s
            : {
                hash: w.job.trial.hash,
                id: w.job.trial.id,
                arrayJobId: id,
                taskId: w.taskId!,
                attempt: 1,
                state: 'submitted',
                log: '',
                at: '',
              };
        const st = await standing(state, this.options, arrays.get(id));
        if (inFlight(st.outcome)) {
          if (state.progress && state.progress.step !== w.lastStep) {
            w.lastStep = state.progress.step;
            w.onProgress(state.progress);
          } else if (!state.progress && st.message !== w.lastNote) {
            w.lastNote = st.message;
            w.onProgress({ step: 0, totalSteps: 0, note: st.message });
          }
          continue;
        }
        this.following.delete(w);
        this.settle(w, state, st.outcome, st.message);
      }
      if (!this.following.size && this.poller) {
        clearInterval(this.poller);
        this.poller = null;
      }
    } catch (err) {
      this.log(`nnlab: asking Slurm about the jobs failed (${(err as Error).message}); trying again`);
    } finally {
      this.polling = false;
    }
  }

  private settle(w: Waiting, s: TaskState, outcome: string, message: string): void {
    const stored = existsSync(`${this.storeRoot}/trials/${w.job.trial.hash}/result.json`);
    if (outcome === 'completed' && stored) return w.resolve(s.elsewhere ? { elsewhere: s.elsewhere } : undefined);
    if (retryable(outcome as never) && w.retries < this.options.retries) {
      w.retries++;
      w.lastStep = undefined;
      w.onProgress({ step: 0, totalSteps: 0, note: `${message}; retry ${w.retries} of ${this.options.retries}` });
      this.enqueue(w);
      return;
    }
    const log = s.log ? tail(s.log) : '';
    w.reject(new TrialFailure(message, `Slurm job ${slurmJobId(s)}, log ${s.log || '(none)'}\n${log}`));
  }

  /**
   * Ctrl-C: scancel every array this process submitted that has a task still in flight, then stop
   * the trials (so the runner's "interrupted" comes after the cancellation is done and said).
   * Jobs an earlier detached run submitted are that run's: they are left queued.
   */
  private async cancelAll(late = false): Promise<void> {
    if (this.aborted && !late) return;
    this.aborted = true;
    if (this.gather) clearTimeout(this.gather);
    if (this.poller) clearInterval(this.poller);
    const waiting = [...this.queue, ...this.following];
    this.queue = [];
    this.following.clear();
    const live = [
      ...new Set(waiting.map((w) => w.arrayJobId).filter((id): id is string => !!id && this.submitted.includes(id))),
    ];
    if (live.length) {
      try {
        await scancel(live);
        this.log(`nnlab: cancelled Slurm job${live.length === 1 ? '' : 's'} ${live.join(', ')} (scancel)`);
      } catch (err) {
        this.log(
          `nnlab: could not cancel Slurm job${live.length === 1 ? '' : 's'} ${live.join(', ')}: ${(err as Error).message}; cancel them with: scancel ${live.join(' ')}`,
        );
      }
    }
    for (const w of waiting) w.reject(abortError());
  }
}
