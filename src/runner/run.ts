// `nnlab run`: resolves an experiment, plans its trials, reuses the ones already stored, claims and
// runs the rest through an Executor with a progress display, and waits for earlier search stages
// before planning the stages that derive from them. Runners sharing a store train each trial once
// (claims, src/store/claim.ts); a store that cannot be written stops the run. Reports are src/report's.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Listr, type ListrTaskWrapper } from 'listr2';
import { planTrials, type Plan, type Trial, type PlanContext } from '../config/expand.ts';
import { resolveExperiment, type ResolvedExperiment } from '../config/resolve.ts';
import { canonicalJson, sha256 } from '../config/canonical.ts';
import { LocalProcessExecutor, type Executor } from './executor.ts';
import { RunStore, runsDir, type Provenance, type StoredPlan } from '../store/store.ts';
import { bestOfStage } from '../store/rank.ts';
import { holder } from '../store/claim.ts';
import { trialTask, trialTitle, type RunEvent, type TrialOutcome } from './trial-task.ts';
import { codeVersion, machine } from './provenance.ts';
import { dataIdentity } from './data-identity.ts';
import { printPlan, printStageTables } from './tables.ts';
import { storedLrBounds } from './lr-range.ts';
import { memoryLimit, refuseOversized } from './memory.ts';
import { StoreError, UsageError } from '../errors.ts';
import { didYouMean } from '../config/messages.ts';
import { SlurmExecutor } from './slurm/executor.ts';
import { detachRun } from './slurm/detach.ts';
import { dryRunScript } from './slurm/submit.ts';
import type { SlurmOptions } from './slurm/options.ts';

export type { RunEvent, TrialOutcome };

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
  /** Run the trials as Slurm jobs (src/runner/slurm/); with `detach`, submit and return. */
  slurm?: { options: SlurmOptions; detach?: boolean };
  signal?: AbortSignal;
  /** Print with listr2's plain renderer even on a terminal (tests). */
  plain?: boolean;
  log?: (line: string) => void;
  /** Told of the plan, each trial's state and its progress (the live status of a run, src/watch/live.ts). */
  onEvent?: (e: RunEvent) => void;
}

export interface RunSummary {
  experiment: ResolvedExperiment;
  plan: Plan;
  outcomes: TrialOutcome[];
  store: RunStore;
  /** --detach: the Slurm jobs submitted (arrays and follow-up). */
  detached?: string[];
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
  const names = [
    ...exp.variants.map((v) => v.name),
    ...exp.searches.map((s) => s.name),
    ...(exp.final ? ['final'] : []),
    ...(exp.gradientCheck ? ['gradient-check'] : []),
  ];
  for (const n of only ?? [])
    if (!names.includes(n))
      throw new UsageError(
        `run: --only ${n}: ${exp.file} has no variant or stage of that name${didYouMean(n, names)} (its names: ${names.join(', ')})`,
      );
}

function section(trial: Trial): string {
  if (trial.kind === 'gradient_check') return 'Gradient checks';
  if (trial.role === 'search') return `Search "${trial.stage}" (${trial.param})`;
  if (trial.role === 'final') return 'Final';
  return `Variants: ${trial.group}`;
}

export async function runExperiment(file: string, opts: RunOptions = {}): Promise<RunSummary> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const exp = resolveExperiment(file, { set: opts.set });
  checkOnly(exp, opts.only);
  const store = new RunStore(runsDir(file), exp.name, { warn: log });
  const { engineVersion } = await import('../engine/index.ts').then((m) => ({ engineVersion: m.ENGINE_VERSION }));
  const identity = await dataIdentity(exp, {
    fetch: (opts.fetch ?? true) && !opts.dryRun,
    log,
    allowMissing: opts.dryRun,
  });
  const ctx: PlanContext = {
    engineVersion,
    dataFingerprint: identity.fingerprint,
    bestOf: bestOfStage(store),
    lrBounds: storedLrBounds(store),
  };

  // Trials too large for the memory are refused before anything is trained or written (and again
  // for each later wave, whose trials are known only then).
  const slurm =
    opts.slurm && !opts.executor
      ? new SlurmExecutor(store.root, exp.name, opts.slurm.options, log, opts.force)
      : undefined;
  const limit = memoryLimit((opts.executor ?? slurm)?.memoryLimit, (opts.executor ?? slurm)?.memoryLimitName);
  const checkMemory = (trials: Trial[], from = store) =>
    refuseOversized(
      exp,
      trials.filter((t) => selected(t, opts.only) && (!from.has(t) || opts.force)),
      limit,
    );

  if (opts.dryRun) {
    // A dry run leaves the store as it is: damaged trials are listed as such, not moved.
    const still = new RunStore(runsDir(file), exp.name, { moveDamaged: false, warn: () => undefined });
    const plan = planTrials(exp, { ...ctx, bestOf: bestOfStage(still), lrBounds: storedLrBounds(still) });
    printPlan(
      exp,
      { ...plan, trials: plan.trials.filter((t) => selected(t, opts.only)) },
      still,
      log,
      identity.fingerprint === 'unavailable',
      limit,
    );
    checkMemory(plan.trials, still);
    if (opts.slurm) {
      const trials = plan.trials.filter((t) => selected(t, opts.only) && (opts.force || !still.has(t)));
      log(`\n${dryRunScript({ storeRoot: store.root, experiment: exp.name, trials, options: opts.slurm.options })}`);
    }
    return { experiment: exp, plan, outcomes: [], store };
  }

  // A store that cannot be written stops the run: `stop` aborts the trials in flight, `fatal` is thrown.
  let fatal: StoreError | null = null;
  const stop = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal;
  const fail = (err: unknown): never => {
    if (err instanceof StoreError && !fatal) {
      fatal = err;
      stop.abort();
    }
    throw err;
  };

  let plan = planTrials(exp, ctx);
  checkMemory(plan.trials);
  // Loaded here too, though only workers train: its warning about generic BLAS kernels then
  // reaches the terminal once, while the workers' stderr goes to their logs; a forced kernel level
  // the CPU lacks is refused here, before any trial starts.
  (await import('../engine/index.ts')).loadEngine();
  const swept = store.sweep((hash) => {
    const h = holder(store, hash);
    return !!h && !h.stale;
  });
  if (swept.length)
    log(`removed ${swept.length} unfinished trial folder${swept.length === 1 ? '' : 's'} left by an interrupted run`);
  const cores = availableParallelism();
  const threads = opts.threads ?? cores;
  const executor: Executor =
    opts.executor ??
    slurm ??
    new LocalProcessExecutor(
      Math.max(1, opts.jobs ?? cores),
      Math.max(1, Math.floor(threads / Math.max(1, opts.jobs ?? cores))),
    );
  const provenance: Provenance = {
    engineVersion,
    codeVersion: codeVersion(),
    dataFingerprint: identity.fingerprint,
    data: identity.description,
    machine: machine(),
    threads: executor.threadsPerTrial,
  };
  if (opts.slurm?.detach) {
    const runArgs = [
      ...(opts.set ?? []).flatMap((s) => ['--set', s]),
      ...(opts.only ?? []).flatMap((o) => ['--only', o]),
    ];
    const d = await detachRun({
      file: resolve(file),
      experiment: exp.name,
      store,
      provenance,
      plan: () => planTrials(exp, ctx),
      selected: (t) => selected(t, opts.only),
      options: opts.slurm.options,
      runArgs,
      log,
    });
    return { experiment: exp, plan: d.plan, outcomes: [], store, detached: d.jobs };
  }
  const outcomes = new Map<string, TrialOutcome>();
  const interactive = !opts.plain && process.stdout.isTTY;
  const tell = opts.onEvent ?? (() => {});
  const runTrial = trialTask({
    store,
    executor,
    provenance,
    signal,
    force: !!opts.force,
    interactive,
    tell,
    outcomes,
    fail,
  });

  // Waves: run everything that can be planned now; then plan again, since a finished stage lets the
  // stages derived from it (and the final) be planned.
  // plan.json is written however the run ends (finished, interrupted, failed), so a report made
  // after an interruption shows what was planned and what is missing.
  try {
    const started = new Set<string>();
    for (;;) {
      const todo = plan.trials.filter((t) => !started.has(t.hash) && selected(t, opts.only));
      if (!todo.length) break;
      tell({
        type: 'plan',
        trials: plan.trials.filter((t) => selected(t, opts.only)).map((t) => ({ id: t.id, hash: t.hash })),
      });
      todo.forEach((t) => started.add(t.hash));
      checkMemory(todo);
      const sections = new Map<string, Trial[]>();
      for (const t of todo) sections.set(section(t), [...(sections.get(section(t)) ?? []), t]);
      const list = new Listr(
        [...sections].map(([title, trials]) => ({
          title,
          task: (_: unknown, task: ListrTaskWrapper<unknown, never, never>) =>
            task.newListr(
              trials.map((trial) => ({
                title: trialTitle(trial),
                task: (_c: unknown, t: ListrTaskWrapper<unknown, never, never>) => runTrial(trial, t),
              })),
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
      if (fatal) throw fatal;
      if (signal.aborted) throw Object.assign(new Error('interrupted'), { name: 'AbortError' });
      plan = planTrials(exp, ctx);
    }
  } finally {
    if (!opts.executor) await executor.close?.();
    const stored: StoredPlan = {
      experiment: exp.name,
      configHash: sha256(canonicalJson(exp.value)).slice(0, 16),
      engineVersion,
      dataFingerprint: identity.fingerprint,
      data: identity.description,
      stages: plan.stages,
      trials: plan.trials.map((t) => ({ id: t.id, hash: t.hash })),
      pending: plan.pending,
    };
    try {
      store.writePlan(stored);
    } catch (err) {
      // The first failure to write is the one reported (over an interrupt, not over a store failure).
      // eslint-disable-next-line no-unsafe-finally -- deliberate: a plan that could not be written must not pass silently
      if (!fatal) throw err;
    }
  }

  const list = [...outcomes.values()];
  printStageTables(plan, store, log);
  const count = (s: TrialOutcome['status']) => list.filter((o) => o.status === s).length;
  log(
    `${list.length} trial${list.length === 1 ? '' : 's'}: ${count('trained')} trained, ${count('cached')} cached, ${count('failed')} failed, ${count('diverged')} diverged`,
  );
  const overhead = overheadLine(list);
  if (overhead) log(overhead);
  for (const o of list.filter((o) => o.status === 'failed'))
    log(`  FAILED ${o.trial.id}: ${o.message}\n    log: ${o.logFile}`);
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
