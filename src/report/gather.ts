// Reads what a report needs from the run store: the experiment as configured now, the trials its
// plan expects (re-planned with the engine version and data fingerprint of the stored runs), and
// the stored results of those trials. Trials without a result are "missing" and shown as not run yet.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { planTrials, type Plan, type Trial } from '../config/expand.ts';
import { resolveExperiment, type ResolvedExperiment } from '../config/resolve.ts';
import { RunStore, runsDir as defaultRunsDir, type StoredResult, type StoredTrial } from '../runner/store.ts';
import type { StoredPlan } from '../runner/run.ts';
import { bestOfStage } from '../runner/best.ts';
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

/** Engine version and data fingerprint of the stored runs: plan.json, else the newest stored result. */
function storedIdentity(store: RunStore, plan: StoredPlan | null): { engineVersion: string; dataFingerprint: string } | null {
  if (plan) return { engineVersion: plan.engineVersion, dataFingerprint: plan.dataFingerprint };
  let best: { engineVersion: string; dataFingerprint: string; at: string } | null = null;
  let names: string[] = [];
  try {
    names = readdirSync(store.trialsDir).filter((n) => /^[0-9a-f]+$/.test(n)).sort();
  } catch {
    return null;
  }
  for (const n of names) {
    try {
      const r = JSON.parse(readFileSync(join(store.trialsDir, n, 'result.json'), 'utf8')) as StoredResult;
      if (!best || r.finishedAt > best.at) best = { engineVersion: r.engineVersion, dataFingerprint: r.dataFingerprint, at: r.finishedAt };
    } catch {
      /* an unreadable folder is not a finished trial */
    }
  }
  return best;
}

export function gather(file: string, opts: { set?: string[]; runsDir?: string } = {}): Gathered {
  const exp = resolveExperiment(file, { set: opts.set });
  const store = new RunStore(opts.runsDir ?? defaultRunsDir(file), exp.name);
  const storedPlan = store.readPlan<StoredPlan>();
  const identity = storedIdentity(store, storedPlan);
  if (!identity) throw new NoRunsError(`no stored runs for "${exp.name}" in ${store.root}; train them first with: nnlab run ${file}`);
  const plan = planTrials(exp, { ...identity, bestOf: bestOfStage(store), lrBounds: storedLrBounds(store) });
  const stored = new Map<string, StoredTrial>();
  const missing: Trial[] = [];
  for (const t of plan.trials) {
    const s = store.get(t.hash);
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
