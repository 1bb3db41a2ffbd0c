// `nnlab run`: resolves an experiment, plans its trials, reuses the ones already stored, runs the
// rest through an Executor with a progress display, and waits for earlier search stages before
// planning the stages that derive from them. Rendering the report is src/report's job.
import { availableParallelism } from 'node:os';
import { rmSync } from 'node:fs';
import { Listr, type ListrTaskWrapper } from 'listr2';
import { planTrials, trainingLength, type Plan, type Trial, type PlanContext } from '../config/expand.ts';
import { resolveExperiment, type ResolvedExperiment } from '../config/resolve.ts';
import { canonicalJson, sha256 } from '../config/canonical.ts';
import { LocalProcessExecutor, TrialFailure, type Executor, type TrialProgress } from './executor.ts';
import { RunStore, runsDir, type Provenance, type StoredResult, type TrainResult } from './store.ts';
import type { JobRecord } from './run-job.ts';
import { codeVersion, machine } from './provenance.ts';
import { dataIdentity } from './data-identity.ts';
import { bestOfStage } from './best.ts';
import { storedLrBounds } from './lr-range.ts';
import { spread } from './repeat-stats.ts';
import { repeatsOf } from '../config/repeats.ts';
import { UsageError } from '../errors.ts';
import { didYouMean } from '../config/messages.ts';
import { describeMemory, memoryLimit, refuseOversized, trialMemory } from './memory.ts';
import { formatBytes } from '../engine/memory.ts';

export interface RunOptions {
  set?: string[];
  only?: string[];
  jobs?: number;
  threads?: number;
  force?: boolean;
  dryRun?: boolean;
  /** Fetch missing CIFAR-10 (default true). */
  fetch?: boolean;
  executor?: Executor;
  signal?: AbortSignal;
  /** Print with listr2's plain renderer even on a terminal (tests). */
  plain?: boolean;
  log?: (line: string) => void;
  /** Told of the plan, each trial's state and its progress (the live status of a run, src/watch/live.ts). */
  onEvent?: (e: RunEvent) => void;
}

export type RunEvent =
  | { type: 'plan'; trials: { id: string; hash: string }[] }
  | { type: 'trial'; trial: Trial; status: 'cached' | 'waiting' | 'running' | 'trained' | 'diverged' | 'failed' | 'stopped'; message?: string }
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

export interface RunSummary {
  experiment: ResolvedExperiment;
  plan: Plan;
  outcomes: TrialOutcome[];
  store: RunStore;
}

/** The plan written beside the trials: what the last run planned, for reports and diffs. */
export interface StoredPlan {
  experiment: string;
  configHash: string;
  engineVersion: string;
  dataFingerprint: string;
  data: string;
  stages: Plan['stages'];
  trials: { id: string; hash: string }[];
  pending: Plan['pending'];
}

function humanTime(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
}

function selected(trial: Trial, only: string[] | undefined): boolean {
  if (!only?.length) return true;
  if (trial.kind === 'gradient_check') return only.includes('gradient-check');
  if (trial.role === 'search') return only.includes(trial.stage!);
  if (trial.role === 'final') return only.includes('final');
  return only.includes(trial.variant);
}

/** --only names what the file defines: a variant, a search stage, 'final' or 'gradient-check'. */
function checkOnly(exp: ResolvedExperiment, only: string[] | undefined): void {
  const names = [...exp.variants.map((v) => v.name), ...exp.searches.map((s) => s.name), ...(exp.final ? ['final'] : []), ...(exp.gradientCheck ? ['gradient-check'] : [])];
  for (const n of only ?? [])
    if (!names.includes(n)) throw new UsageError(`run: --only ${n}: ${exp.file} has no variant or stage of that name${didYouMean(n, names)} (its names: ${names.join(', ')})`);
}

function section(trial: Trial): string {
  if (trial.kind === 'gradient_check') return 'Gradient checks';
  if (trial.role === 'search') return `Search "${trial.stage}" (${trial.param})`;
  if (trial.role === 'final') return 'Final';
  return `Variants: ${trial.group}`;
}

function trialTitle(trial: Trial): string {
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

export async function runExperiment(file: string, opts: RunOptions = {}): Promise<RunSummary> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const exp = resolveExperiment(file, { set: opts.set });
  checkOnly(exp, opts.only);
  const store = new RunStore(runsDir(file), exp.name);
  const { engineVersion } = await import('../engine/index.ts').then((m) => ({ engineVersion: m.ENGINE_VERSION }));
  const identity = await dataIdentity(exp, { fetch: (opts.fetch ?? true) && !opts.dryRun, log, allowMissing: opts.dryRun });
  const ctxBase = { engineVersion, dataFingerprint: identity.fingerprint };
  const failed = new Set<string>();
  const settled = (t: Trial) => store.has(t.hash) || failed.has(t.hash);
  const ctx: PlanContext = { ...ctxBase, bestOf: bestOfStage(store, settled), lrBounds: storedLrBounds(store) };
  let plan = planTrials(exp, ctx);

  // Trials too large for the memory are refused before anything is trained or written (and again
  // for each later wave, whose trials are known only then).
  const limit = memoryLimit(opts.executor?.memoryLimit);
  const checkMemory = (trials: Trial[]) => refuseOversized(exp, trials.filter((t) => selected(t, opts.only) && (!store.has(t.hash) || opts.force)), limit);
  if (opts.dryRun) printPlan(exp, { ...plan, trials: plan.trials.filter((t) => selected(t, opts.only)) }, store, log, identity.fingerprint === 'unavailable', limit);
  checkMemory(plan.trials);
  if (opts.dryRun) {
    return { experiment: exp, plan, outcomes: [], store };
  }

  // Loaded here too, though only workers train: its warning about generic BLAS kernels then
  // reaches the terminal once, while the workers' stderr goes to their logs.
  (await import('../engine/index.ts')).blas();
  const swept = store.sweep();
  if (swept.length) log(`removed ${swept.length} unfinished trial folder${swept.length === 1 ? '' : 's'} left by an interrupted run`);
  const cores = availableParallelism();
  const threads = opts.threads ?? cores;
  const executor = opts.executor ?? new LocalProcessExecutor(Math.max(1, opts.jobs ?? cores), Math.max(1, Math.floor(threads / Math.max(1, opts.jobs ?? cores))));
  const provenance: Provenance = {
    engineVersion,
    codeVersion: codeVersion(),
    dataFingerprint: identity.fingerprint,
    data: identity.description,
    machine: machine(),
    threads: executor.threadsPerTrial,
  };
  const signal = opts.signal ?? new AbortController().signal;
  const slots = semaphore(executor.slots);
  const outcomes = new Map<string, TrialOutcome>();
  const interactive = !opts.plain && process.stdout.isTTY;
  const tell = opts.onEvent ?? (() => {});

  const runTrial = async (trial: Trial, task: ListrTaskWrapper<unknown, never, never>) => {
    if (store.has(trial.hash) && !opts.force) {
      const r = store.get(trial.hash)!.result;
      const acc = r.kind === 'train' && r.final.validation ? `, val acc ${(r.final.validation.accuracy * 100).toFixed(2)}%` : '';
      task.title = `${trialTitle(trial)}: cached (${trial.hash}${acc})`;
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
    const tmp = store.begin(trial.hash);
    const t0 = performance.now();
    let lastShown = -1;
    // Time left from the training rate since the first progress event: the child's start-up and
    // data loading come before it and would make an early estimate far too long.
    let first: { step: number; at: number } | null = null;
    try {
      task.title = `${trialTitle(trial)}: running`;
      tell({ type: 'trial', trial, status: 'running' });
      await executor.run(
        { trial, tmpDir: tmp, provenance },
        (p) => {
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
        },
        signal,
      );
      store.commit(tmp, trial.hash);
      const r = store.get(trial.hash)!.result as StoredResult & Partial<JobRecord>;
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
        const acc = r.kind === 'train' && r.final.validation ? `, val acc ${(r.final.validation.accuracy * 100).toFixed(2)}%` : '';
        task.title = `${trialTitle(trial)}: done in ${seconds}s${acc}`;
      }
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      if ((err as Error).name === 'AbortError') {
        // Stopped by Ctrl-C/SIGTERM: not a failure; the rerun trains it again.
        task.title = trialTitle(trial);
        task.skip('stopped (interrupted)');
        tell({ type: 'trial', trial, status: 'stopped' });
        return;
      }
      const failure = err as TrialFailure;
      failed.add(trial.hash);
      const logFile = store.recordFailure(trial, failure.message, failure.log ?? '');
      outcomes.set(trial.hash, { trial, status: 'failed', message: failure.message, logFile });
      tell({ type: 'trial', trial, status: 'failed', message: failure.message });
      // Thrown so the progress display marks the trial ✖; the list goes on (exitOnError: false).
      task.title = trialTitle(trial);
      throw new Error(`${failure.message} (log: ${logFile})`);
    } finally {
      slots.release();
    }
  };

  // Waves: run everything that can be planned now; then plan again, since a finished stage lets the
  // stages derived from it (and the final) be planned.
  // plan.json is written however the run ends (finished, interrupted, failed), so a report made
  // after an interruption shows what was planned and what is missing.
  try {
    const started = new Set<string>();
    for (;;) {
      const todo = plan.trials.filter((t) => !started.has(t.hash) && selected(t, opts.only));
      if (!todo.length) break;
      tell({ type: 'plan', trials: plan.trials.filter((t) => selected(t, opts.only)).map((t) => ({ id: t.id, hash: t.hash })) });
      todo.forEach((t) => started.add(t.hash));
      checkMemory(todo);
      const sections = new Map<string, Trial[]>();
      for (const t of todo) sections.set(section(t), [...(sections.get(section(t)) ?? []), t]);
      const list = new Listr(
        [...sections].map(([title, trials]) => ({
          title,
          task: (_: unknown, task: ListrTaskWrapper<unknown, never, never>) =>
            task.newListr(
              trials.map((trial) => ({ title: trialTitle(trial), task: (_c: unknown, t: ListrTaskWrapper<unknown, never, never>) => runTrial(trial, t) })),
              { concurrent: true, exitOnError: false },
            ),
        })),
        {
          concurrent: true,
          exitOnError: false,
          renderer: interactive ? 'default' : 'simple',
          fallbackRenderer: 'simple',
          rendererOptions: { collapseSubtasks: false },
          // listr2's own SIGINT handler calls process.exit(127) at once: no clean stop of the trials
          // in flight, no plan.json. Interrupts are the CLI's (src/cli/commands/run.ts) to handle.
          registerSignalListeners: false,
        } as never,
      );
      await list.run();
      if (signal.aborted) throw Object.assign(new Error('interrupted'), { name: 'AbortError' });
      plan = planTrials(exp, ctx);
    }
  } finally {
    if (!opts.executor) await executor.close?.();
    store.writePlan({
      experiment: exp.name,
      configHash: sha256(canonicalJson(exp.value)).slice(0, 16),
      engineVersion,
      dataFingerprint: identity.fingerprint,
      data: identity.description,
      stages: plan.stages,
      trials: plan.trials.map((t) => ({ id: t.id, hash: t.hash })),
      pending: plan.pending,
    } satisfies StoredPlan);
  }

  const list = [...outcomes.values()];
  printStageTables(exp, plan, store, log);
  const count = (s: TrialOutcome['status']) => list.filter((o) => o.status === s).length;
  log(`${list.length} trial${list.length === 1 ? '' : 's'}: ${count('trained')} trained, ${count('cached')} cached, ${count('failed')} failed, ${count('diverged')} diverged`);
  const overhead = overheadLine(list);
  if (overhead) log(overhead);
  for (const o of list.filter((o) => o.status === 'failed')) log(`  FAILED ${o.trial.id}: ${o.message}\n    log: ${o.logFile}`);
  return { experiment: exp, plan, outcomes: list, store };
}

/**
 * What running the trials cost beyond training them: per trained trial, its wall time as the
 * runner saw it (worker start, data, IPC, files, commit) minus the engine's seconds; median and max.
 */
export function overheadLine(outcomes: TrialOutcome[]): string | null {
  const timed = outcomes
    .filter((o) => o.seconds !== undefined && o.engineSeconds !== undefined)
    .map((o) => ({ ...o, overhead: o.seconds! - o.engineSeconds! }))
    .sort((a, b) => a.overhead - b.overhead);
  if (!timed.length) return null;
  const mid = timed.length >> 1;
  const median = timed.length % 2 ? timed[mid].overhead : (timed[mid - 1].overhead + timed[mid].overhead) / 2;
  const max = timed[timed.length - 1];
  // Why the slowest one was slow, when the worker says: its start, or its data being built.
  const why = max.worker?.job === 1 ? ': a new worker' : max.worker?.data === 'built' ? ': data built' : '';
  return `overhead a trial (wall − engine time): median ${median.toFixed(2)}s, max ${max.overhead.toFixed(2)}s (${max.trial.id}${why})`;
}

function pct(x: number | undefined): string {
  return x === undefined ? '–' : `${(x * 100).toFixed(2)}%`;
}

/** Ranked table of each search stage, and the final trial's accuracies. */
export function printStageTables(exp: ResolvedExperiment, plan: Plan, store: RunStore, log: (l: string) => void): void {
  for (const stage of plan.stages) {
    // One row per value (its first repeat), with the mean accuracies of its repeats.
    const mean = (t: Trial, pick: (r: TrainResult) => number | undefined) =>
      spread(repeatsOf(plan.trials, t).map((x) => store.get(x.hash)?.result as TrainResult | undefined).map((r) => (r?.kind === 'train' && r.status === 'ok' ? pick(r) : undefined)))?.mean;
    const rows = plan.trials
      .filter((t) => t.kind === 'train' && t.role === 'search' && t.stage === stage.name && t.repeat === 1)
      .map((t) => ({ t, r: store.get(t.hash)?.result as TrainResult | undefined, val: mean(t, (r) => r.final.validation?.accuracy), test: mean(t, (r) => r.final.test?.accuracy) }))
      .filter((x) => x.r?.kind === 'train')
      .sort((a, b) => (b.val ?? -1) - (a.val ?? -1));
    if (!rows.length) continue;
    const range = stage.range ? ` over [${stage.range[0]}, ${stage.range[1]}]${stage.from ? ` (from the best ${stage.from.best} of "${stage.from.stage}", widened ×${stage.from.widen})` : ''}` : '';
    log(`\nSearch "${stage.name}": ${stage.param}${range}${stage.repeats > 1 ? ` (accuracies: means of ${stage.repeats} repeats)` : ''}`);
    log(`  rank  ${stage.param.padEnd(16)}  val acc   test acc  trial`);
    rows.forEach(({ t, r, val, test }, i) => {
      const value = t.kind === 'train' ? String(t.value) : '';
      log(`  ${String(i + 1).padStart(4)}  ${value.padEnd(16)}  ${pct(val).padStart(7)}  ${pct(test).padStart(8)}  ${t.hash}${r!.status === 'diverged' ? ' (diverged)' : ''}`);
    });
  }
  const final = plan.trials.find((t) => t.kind === 'train' && t.role === 'final');
  const r = final && (store.get(final.hash)?.result as TrainResult | undefined);
  if (final && final.kind === 'train' && r) {
    log(`\nFinal: ${final.param} = ${final.value}, trained ${trainingLength(final.config).totalSteps} steps: validation ${pct(r.final.validation?.accuracy)}, test ${pct(r.final.test?.accuracy)}`);
  }
  void exp;
}

function printPlan(exp: ResolvedExperiment, plan: Plan, store: RunStore, log: (l: string) => void, noData: boolean, limit: ReturnType<typeof memoryLimit>): void {
  log(`${exp.file}: ${plan.trials.length} trial${plan.trials.length === 1 ? '' : 's'} planned${plan.pending.length ? `, ${plan.pending.length} planned once earlier stages finish` : ''}`);
  if (noData) log('(data not installed: hashes computed without a data fingerprint, they will differ once it is)');
  log(`memory: each trial's estimated peak; the limit is ${limit.what}, ${formatBytes(limit.bytes)}`);
  const base = exp.base as unknown as Record<string, unknown>;
  for (const t of plan.trials) {
    const status = store.has(t.hash) ? 'cached' : 'to train';
    const diffs = t.kind === 'train' ? differences(base, t.config as unknown as Record<string, unknown>) : [`network ${JSON.stringify(t.config.network)}`];
    const len = t.kind === 'train' ? ` (${trainingLength(t.config).totalSteps} steps)` : '';
    log(`  ${t.hash}  ${t.id}${len}  [${status}]  memory ${describeMemory(trialMemory(t))}${diffs.length ? `\n      ${diffs.join('\n      ')}` : ''}`);
  }
  for (const p of plan.pending) log(`  (later)           ${p.id}: ${p.reason}`);
}

/** Dotted paths where `b` differs from `a`, as `path: old → new`. */
export function differences(a: Record<string, unknown>, b: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  const keys = [...new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])].sort();
  for (const k of keys) {
    const p = prefix ? `${prefix}.${k}` : k;
    const x = a?.[k];
    const y = b?.[k];
    const isObj = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
    if (isObj(x) && isObj(y)) out.push(...differences(x as Record<string, unknown>, y as Record<string, unknown>, p));
    else if (canonicalJson(x ?? null) !== canonicalJson(y ?? null)) out.push(`${p}: ${JSON.stringify(x)} → ${JSON.stringify(y)}`);
  }
  return out;
}
