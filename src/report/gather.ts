// Reads what a report needs from the run store: the experiment as configured now, the trials its
// plan expects (re-planned with the engine version and data fingerprint of the stored runs), and
// their stored results, every file checked against its manifest. Trials without a whole result are
// "missing" and shown as not run yet; a damaged one is quarantined with a warning (src/store).
import type { Plan, Trial } from '../config/expand.ts';
import { resolveExperiment, type ResolvedExperiment } from '../config/resolve.ts';
import {
  RunStore,
  runsDir as defaultRunsDir,
  type StoredPlan,
  type StoredResult,
  type StoredTrial,
} from '../store/store.ts';
import { planFromStore } from '../store/rank.ts';
import { storedLrBounds } from '../runner/lr-range.ts';
import type { CurvePoint } from '../engine/index.ts';

/** No stored runs for an experiment (the CLI prints the message and exits 1). */
export class NoRunsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NoRunsError';
  }
}

export interface Gathered {
  exp: ResolvedExperiment;
  store: RunStore;
  plan: Plan;
  /** Stored trials of the plan, by hash. */
  stored: Map<string, StoredTrial>;
  /** Planned trials without a stored result, in plan order. */
  missing: Trial[];
  storedPlan: StoredPlan | null;
  curves(hash: string): CurvePoint[];
  result(hash: string): StoredResult | undefined;
}

/** `store`: the store a run just read (its trials are checked once per process, not again). */
export function gather(file: string, opts: { set?: string[]; runsDir?: string; store?: RunStore } = {}): Gathered {
  const exp = resolveExperiment(file, { set: opts.set });
  const store =
    opts.store?.experiment === exp.name ? opts.store : new RunStore(opts.runsDir ?? defaultRunsDir(file), exp.name);
  const storedPlan = store.readPlan();
  const plan = planFromStore(exp, store, { lrBounds: storedLrBounds(store) });
  if (!plan)
    throw new NoRunsError(
      `no stored runs for "${exp.name}" in ${store.root}; train them first with: nnlab run ${file}`,
    );
  const stored = new Map<string, StoredTrial>();
  const missing: Trial[] = [];
  for (const t of plan.trials) {
    const s = store.read(t);
    if (s) stored.set(t.hash, s);
    else missing.push(t);
  }
  if (!stored.size) {
    throw new NoRunsError(
      `no stored runs for "${exp.name}" match its current configuration (${plan.trials.length} trials expected, none in ${store.root}); train them with: nnlab run ${file}`,
    );
  }
  const curveCache = new Map<string, CurvePoint[]>();
  return {
    exp,
    store,
    plan,
    stored,
    missing,
    storedPlan,
    curves(hash) {
      if (!curveCache.has(hash)) curveCache.set(hash, stored.get(hash)?.curves() ?? []);
      return curveCache.get(hash)!;
    },
    result: (hash) => stored.get(hash)?.result,
  };
}
