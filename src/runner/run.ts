// `nnlab run`: resolves an experiment, plans its trials, reuses the ones already stored, claims and
// runs the rest through an Executor with a progress display, and waits for earlier search stages
// before planning the stages that derive from them. Runners sharing a store train each trial once
// (claims, src/store/claim.ts); a store that cannot be written stops the run. Reports are src/report's.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Listr, type ListrTaskWrapper } from 'listr2';
import { planTrials, type Plan, type Trial, type PlanContext, type TrainTrial } from '../config/expand.ts';
import { blocked, broughtLine, selectOnly, selectorOf, type Selection } from '../config/select.ts';
import { resolveExperiment, type ResolvedExperiment } from '../config/resolve.ts';
import { canonicalJson, sha256 } from '../config/canonical.ts';
import { LocalProcessExecutor, type Executor } from './executor.ts';
import { RunStore, runsDir, type Provenance, type StoredPlan, type TrainResult } from '../store/store.ts';
import { bestOfStage } from '../store/rank.ts';
import { holder } from '../store/claim.ts';
import { trialTask, trialTitle, type RunEvent, type TrialOutcome } from './trial-task.ts';
import { codeVersion, machine } from './provenance.ts';
import { dataIdentity } from './data-identity.ts';
import { printPlan, printStageTables } from './tables.ts';
import { storedLrBounds } from './lr-range.ts';
import { memoryLimit, refuseOversized } from './memory.ts';
import { StoreError } from '../errors.ts';
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
  /** Selected entries that cannot be planned (what they need gave nothing to plan from), with why. */
  blocked: { id: string; reason: string }[];
}

/**
 * Why each blocked entry cannot be planned, from what the store holds of what it needs: an LR range
 * test with no stored result, one that diverged or found no bounds; a stage with no scored trial.
 */
function whyBlocked(
  exp: ResolvedExperiment,
  plan: Plan,
  store: RunStore,
  entry: { id: string; needs: string[] },
): string {
  const reasons = entry.needs.flatMap((name) => {
    const trials = plan.trials.filter((t): t is TrainTrial => t.kind === 'train' && selectorOf(t) === name);
    const unstored = trials.filter((t) => !store.has(t)).map((t) => t.id);
    const diverged = trials.filter((t) => (store.read(t)?.result as TrainResult | undefined)?.status === 'diverged');
    const failedText = unstored.length ? `${unstored.join(', ')} failed` : '';
    const divergedText = diverged.length ? `${diverged.map((t) => t.id).join(', ')} diverged` : '';
    const what = [failedText, divergedText].filter(Boolean).join(', ');
    if (exp.variants.some((v) => v.name === name && v.config.schedule.kind === 'lr_range')) {
      if (storedLrBounds(store)(trials)) return [];
      return [
        `its LR range test "${name}" chose no η bounds (${what || 'accuracy never rose above its starting value'})`,
      ];
    }
    if (plan.pending.some((p) => selectorOf(p) === name)) return [`it needs stage "${name}", which cannot run`];
    if (exp.searches.some((s) => s.name === name)) {
      if (bestOfStage(store)(trials)?.length) return [];
      return [`stage "${name}" has no ranked trial to draw from (${what || 'none recorded a validation accuracy'})`];
    }
    return [];
  });
  return reasons.join('; ') || 'what it depends on gave nothing to plan it from';
}

/** The selected entries of `plan` that cannot run once `done` trials are all there will be, with why. */
function cannotRun(
  exp: ResolvedExperiment,
  plan: Plan,
  selection: Selection,
  store: RunStore,
  done: (t: Trial) => boolean,
): { id: string; reason: string }[] {
  return blocked(exp, plan, selection, done).map((b) => ({ id: b.id, reason: whyBlocked(exp, plan, store, b) }));
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
  const selection = selectOnly(exp, opts.only);
  const selected = (t: Trial) => selection.has(t);
  const notes = selection.brought.map(broughtLine);
  const store = new RunStore(runsDir(file), exp.name, { warn: log });
  // A trial is settled once stored or its failure recorded: what the stages after it wait for.
  const settled = (t: Trial) => store.has(t) || store.failed(t.hash);
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
      trials.filter((t) => selected(t) && (!from.has(t) || opts.force)),
      limit,
    );

  if (opts.dryRun) {
    // A dry run leaves the store as it is: damaged trials are listed as such, not moved.
    const still = new RunStore(runsDir(file), exp.name, { moveDamaged: false, warn: () => undefined });
    const plan = planTrials(exp, { ...ctx, bestOf: bestOfStage(still), lrBounds: storedLrBounds(still) });
    // What cannot be planned even once everything to train is trained: it waits on nothing.
    const stuck = cannotRun(exp, plan, selection, still, (t) => still.has(t));
    printPlan(
      exp,
      {
        ...plan,
        trials: plan.trials.filter(selected),
        pending: plan.pending.filter((p) => selection.hasPending(p) && !stuck.some((b) => b.id === p.id)),
      },
      still,
      log,
      identity.fingerprint === 'unavailable',
      limit,
      notes,
      stuck,
    );
    checkMemory(plan.trials, still);
    if (opts.slurm) {
      const trials = plan.trials.filter((t) => selected(t) && (opts.force || !still.has(t)));
      log(`\n${dryRunScript({ storeRoot: store.root, experiment: exp.name, trials, options: opts.slurm.options })}`);
    }
    return { experiment: exp, plan, outcomes: [], store, blocked: stuck };
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

  for (const n of notes) log(n);
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
      selected,
      selectedPending: (p) => selection.hasPending(p),
      options: opts.slurm.options,
      runArgs,
      log,
    });
    const stuck = d.jobs.length ? [] : cannotRun(exp, d.plan, selection, store, settled);
    for (const b of stuck) log(`cannot run ${b.id}: ${b.reason}`);
    return { experiment: exp, plan: d.plan, outcomes: [], store, detached: d.jobs, blocked: stuck };
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
      const todo = plan.trials.filter((t) => !started.has(t.hash) && selected(t));
      if (!todo.length) break;
      tell({
        type: 'plan',
        trials: plan.trials.filter((t) => selected(t)).map((t) => ({ id: t.id, hash: t.hash })),
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
  printStageTables(
    { ...plan, trials: plan.trials.filter(selected), stages: plan.stages.filter((s) => selection.names.has(s.name)) },
    store,
    log,
  );
  const count = (s: TrialOutcome['status']) => list.filter((o) => o.status === s).length;
  log(
    `${list.length} trial${list.length === 1 ? '' : 's'}: ${count('trained')} trained, ${count('cached')} cached, ${count('failed')} failed, ${count('diverged')} diverged`,
  );
  const overhead = overheadLine(list);
  if (overhead) log(overhead);
  for (const o of list.filter((o) => o.status === 'failed'))
    log(`  FAILED ${o.trial.id}: ${o.message}\n    log: ${o.logFile}`);
  // The waves have ended: what is still pending waits on what has been settled, and cannot run.
  const stuck = cannotRun(exp, plan, selection, store, settled);
  for (const b of stuck) log(`cannot run ${b.id}: ${b.reason}`);
  return { experiment: exp, plan, outcomes: list, store, blocked: stuck };
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
