// One trial of a run as a listr2 task: reuse it when stored; else wait for a free slot, claim it
// (src/store/claim.ts) or wait for the runner that holds it, train it through the executor with a
// progress line, and commit it. Planning, waves and the summary are run.ts's.
import type { ListrTaskWrapper } from 'listr2';
import type { Trial } from '../config/expand.ts';
import { TrialFailure, type Executor, type TrialProgress } from './executor.ts';
import type { JobRecord } from './run-job.ts';
import type { Provenance, RunStore, StoredTrial } from '../store/store.ts';
import { claim, holder, keepFresh, refresh, release, waitFor, type Claim } from '../store/claim.ts';
import { StoreError } from '../errors.ts';

export type RunEvent =
  | { type: 'plan'; trials: { id: string; hash: string }[] }
  | {
      type: 'trial';
      trial: Trial;
      status: 'cached' | 'waiting' | 'running' | 'trained' | 'diverged' | 'failed' | 'stopped';
      message?: string;
    }
  | { type: 'progress'; trial: Trial; progress: TrialProgress };

export type TrialOutcome = {
  trial: Trial;
  status: 'cached' | 'trained' | 'failed' | 'diverged';
  message?: string;
  logFile?: string;
  /** A trial trained in this run: its wall time as the runner saw it, and the engine's share of it. */
  seconds?: number;
  engineSeconds?: number;
  worker?: JobRecord['worker'];
};

type Task = ListrTaskWrapper<unknown, never, never>;

export interface TrialTaskContext {
  store: RunStore;
  executor: Executor;
  provenance: Provenance;
  signal: AbortSignal;
  /** --force: retrain what is stored. */
  force: boolean;
  /** A terminal shows each trial's progress in place; without one, lines name their trial. */
  interactive: boolean;
  tell: (e: RunEvent) => void;
  /** Filled with each trial's outcome, by hash. */
  outcomes: Map<string, TrialOutcome>;
  /** Stops the run on a store that cannot be written; throws. */
  fail: (err: unknown) => never;
}

function humanTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

export function trialTitle(trial: Trial): string {
  if (trial.kind === 'train' && trial.role === 'search') return `${trial.id}  ${trial.param} = ${trial.value}`;
  return trial.id;
}

/** A counting semaphore: at most `n` trials run at once across all sections. */
function semaphore(n: number) {
  let free = n;
  const waiting: (() => void)[] = [];
  return {
    async acquire() {
      if (free > 0) {
        free--;
        return;
      }
      await new Promise<void>((r) => waiting.push(r));
    },
    release() {
      const next = waiting.shift();
      if (next) next();
      else free++;
    },
  };
}

/** Shows a trial's progress as its task's output line: steps, time left, validation accuracy. */
function progressLine(
  trial: Trial,
  task: Task,
  interactive: boolean,
  tell: (e: RunEvent) => void,
): (p: TrialProgress) => void {
  let lastShown = -1;
  // Time left from the training rate since the first progress event: the child's start-up and
  // data loading come before it and would make an early estimate far too long.
  let first: { step: number; at: number } | null = null;
  return (p) => {
    if (p.note) {
      task.output = `${interactive ? '' : `${trial.id}: `}${p.note}`;
      return;
    }
    tell({ type: 'progress', trial, progress: p });
    const now = performance.now();
    first ??= { step: p.step, at: now };
    const frac = p.step / p.totalSteps;
    const bucket = Math.floor(frac * 4);
    if (!interactive && bucket === lastShown) return;
    lastShown = bucket;
    const rate = p.step > first.step ? (p.step - first.step) / ((now - first.at) / 1000) : NaN;
    const left = p.step >= p.totalSteps ? 0 : Number.isFinite(rate) ? (p.totalSteps - p.step) / rate : NaN;
    const acc = p.validationAccuracy !== undefined ? ` · val acc ${(p.validationAccuracy * 100).toFixed(1)}%` : '';
    // Without a terminal, lines of concurrent trials interleave: name the trial on each.
    task.output = `${interactive ? '' : `${trial.id}: `}step ${p.step}/${p.totalSteps} · ${Number.isFinite(left) ? `${humanTime(left)} left` : 'estimating time left'}${acc}`;
  };
}

const accuracyText = (s: StoredTrial) =>
  s.result.kind === 'train' && s.result.final.validation
    ? `, val acc ${(s.result.final.validation.accuracy * 100).toFixed(2)}%`
    : '';

/** The task that runs one trial; at most executor.slots of them train at once. */
export function trialTask({
  store,
  executor,
  provenance,
  signal,
  force,
  interactive,
  tell,
  outcomes,
  fail,
}: TrialTaskContext): (trial: Trial, task: Task) => Promise<void> {
  const slots = semaphore(executor.slots);

  /**
   * Trains a claimed trial and commits it, unless its claim was lost to a runner that committed it
   * first. Without a claim (`c` null), the executor claims and commits the trial itself (Slurm's tasks).
   */
  const train = async (trial: Trial, task: Task, c: Claim | null) => {
    const tmp = c ? store.begin(trial.hash) : '';
    const t0 = performance.now();
    const stopRefreshing = c ? keepFresh(c) : () => {};
    try {
      task.title = `${trialTitle(trial)}: running`;
      tell({ type: 'trial', trial, status: 'running' });
      const ran = await executor.run(
        { trial, tmpDir: tmp, provenance },
        progressLine(trial, task, interactive, tell),
        signal,
      );
      stopRefreshing();
      if (c && !refresh(c) && store.has(trial)) {
        // Taken over while this runner was stopped, and committed by the other: keep theirs.
        store.abandon(tmp);
        outcomes.set(trial.hash, { trial, status: 'cached' });
        task.title = `${trialTitle(trial)}: trained by another runner that took over its claim (${trial.hash}${accuracyText(store.read(trial)!)})`;
        return;
      }
      if (c) store.commit(tmp, trial.hash);
      else if (ran?.elsewhere) {
        // The executor's task found it trained by another process sharing the store (a local runner).
        outcomes.set(trial.hash, { trial, status: 'cached' });
        tell({ type: 'trial', trial, status: 'cached' });
        task.title = `${trialTitle(trial)}: ${ran.elsewhere} (${trial.hash}${accuracyText(store.read(trial)!)})`;
        return;
      }
    } catch (err) {
      stopRefreshing();
      if (c) store.abandon(tmp);
      if ((err as Error).name === 'AbortError') {
        // Stopped by Ctrl-C/SIGTERM or a store that cannot be written: not a failure of the trial.
        task.title = trialTitle(trial);
        task.skip('stopped (interrupted)');
        tell({ type: 'trial', trial, status: 'stopped' });
        return;
      }
      const failure = err as TrialFailure;
      const storeError = err instanceof StoreError ? err : StoreError.fromMessage(failure.message);
      if (storeError) fail(storeError);
      const logFile = store.recordFailure(trial, failure.message, failure.log ?? '');
      outcomes.set(trial.hash, { trial, status: 'failed', message: failure.message, logFile });
      tell({ type: 'trial', trial, status: 'failed', message: failure.message });
      // Thrown so the progress display marks the trial ✖; the list goes on (exitOnError: false).
      task.title = trialTitle(trial);
      throw new Error(`${failure.message} (log: ${logFile})`, { cause: err });
    }
    const r = store.read(trial)!.result as StoredTrial['result'] & Partial<JobRecord>;
    const wall = (performance.now() - t0) / 1000;
    const seconds = wall.toFixed(1);
    const timing = { seconds: wall, engineSeconds: r.engineSeconds, worker: r.worker };
    if (r.kind === 'train' && r.status === 'diverged') {
      outcomes.set(trial.hash, { trial, status: 'diverged', message: r.message, ...timing });
      tell({ type: 'trial', trial, status: 'diverged', message: r.message });
      task.title = `${trialTitle(trial)}: ${r.message}`;
    } else {
      outcomes.set(trial.hash, { trial, status: 'trained', ...timing });
      tell({ type: 'trial', trial, status: 'trained' });
      task.title = `${trialTitle(trial)}: done in ${seconds}s${accuracyText(store.read(trial)!)}`;
    }
  };

  return async (trial: Trial, task: Task): Promise<void> => {
    // --force retrains what is stored, but takes what another runner trains meanwhile.
    let reuse = !force;
    let trainedBy = '';
    for (;;) {
      const stored = reuse ? store.read(trial) : null;
      if (stored) {
        task.title = `${trialTitle(trial)}: ${trainedBy ? `trained by ${trainedBy}` : 'cached'} (${trial.hash}${accuracyText(stored)})`;
        outcomes.set(trial.hash, { trial, status: 'cached' });
        tell({ type: 'trial', trial, status: 'cached' });
        return;
      }
      task.title = `${trialTitle(trial)}: waiting`;
      tell({ type: 'trial', trial, status: 'waiting' });
      await slots.acquire();
      if (signal.aborted) {
        // Interrupted while waiting: nothing started, nothing failed.
        slots.release();
        task.title = trialTitle(trial);
        task.skip('not started (interrupted)');
        tell({ type: 'trial', trial, status: 'stopped' });
        return;
      }
      let c: Claim | null = null;
      try {
        if (executor.commitsItself) return await train(trial, task, null);
        c = claim(store, trial.hash);
        if (c) {
          if (c.tookOver)
            task.output = `${trial.id}: took over the claim of ${c.tookOver.info ? `${c.tookOver.info.host} pid ${c.tookOver.info.pid}` : 'an unknown process'}: ${c.tookOver.why}`;
          // Committed by another runner between the look above and the claim.
          const late = reuse ? store.read(trial) : null;
          if (late) continue;
          return await train(trial, task, c);
        }
      } catch (err) {
        if (err instanceof StoreError) fail(err);
        throw err;
      } finally {
        if (c) release(c);
        slots.release();
      }
      // Claimed by another runner: wait for it without holding a slot, then take its result.
      const h = holder(store, trial.hash);
      trainedBy = h?.info ? `another runner (${h.info.host} pid ${h.info.pid})` : 'another runner';
      task.title = `${trialTitle(trial)}: claimed by ${trainedBy}; waiting for it`;
      const since = Date.now();
      if ((await waitFor(store, trial.hash, { signal })) === 'aborted') {
        task.title = trialTitle(trial);
        task.skip('not started (interrupted)');
        return;
      }
      reuse = true;
      if (!store.has(trial) && store.failedSince(trial.hash, since)) {
        // The other runner's attempt failed: one failure, not two of the same trial.
        const logFile = store.failureLog(trial.hash);
        outcomes.set(trial.hash, { trial, status: 'failed', message: `failed in ${trainedBy}`, logFile });
        task.title = trialTitle(trial);
        throw new Error(`failed in ${trainedBy} (log: ${logFile})`);
      }
    }
  };
}
