// The one rule for ranking a search stage's trials, which a later stage's range, the final
// retraining, the run's tables, the report and the diff all follow; and the plan a reader rebuilds
// from a store with it. Kept here, below the runner and the report, so no copy of it can drift.
import { planTrials, type Plan, type PlanContext, type TrainTrial } from '../config/expand.ts';
import type { ResolvedExperiment } from '../config/resolve.ts';
import type { RunStore } from './store.ts';
import type { TrainResult } from './types.ts';

export interface RankedTrial {
  trial: TrainTrial;
  result: TrainResult;
  /** 1, 2, … by value (all repeats of a value share its rank); null for a trial that diverged. */
  rank: number | null;
  /** The value's score: the mean validation accuracy of its scored repeats; null when unranked. */
  score: number | null;
}

/**
 * Stored trials of a stage in ranked order: those that finished (status ok) with a validation
 * accuracy, by the mean validation accuracy of their value's repeats (issue 12; one repeat: the
 * trial's own), highest first, ties to the earlier value, repeats in order; then diverged trials,
 * unranked, in plan order. Trials with no stored result (failed, not run) are not in the list.
 */
export function rankStage(trials: TrainTrial[], resultOf: (t: TrainTrial) => TrainResult | undefined): RankedTrial[] {
  const stored = trials.flatMap((trial) => {
    const result = resultOf(trial);
    return result?.kind === 'train' ? [{ trial, result }] : [];
  });
  const scored = (r: TrainResult) =>
    r.status === 'ok' && r.final.validation !== undefined && Number.isFinite(r.final.validation.accuracy);
  const value = (t: TrainTrial) => t.index ?? 0;
  const byValue = new Map<number, number[]>();
  for (const x of stored)
    if (scored(x.result))
      byValue.set(value(x.trial), [...(byValue.get(value(x.trial)) ?? []), x.result.final.validation!.accuracy]);
  const mean = new Map([...byValue].map(([v, accs]) => [v, accs.reduce((a, b) => a + b, 0) / accs.length]));
  const order = [...mean.keys()].sort((a, b) => mean.get(b)! - mean.get(a)! || a - b);
  const ranked = stored
    .filter((x) => scored(x.result))
    .sort((a, b) => order.indexOf(value(a.trial)) - order.indexOf(value(b.trial)) || a.trial.repeat - b.trial.repeat)
    .map((x) => ({
      ...x,
      rank: (order.indexOf(value(x.trial)) + 1) as number | null,
      score: mean.get(value(x.trial))! as number | null,
    }));
  return [...ranked, ...stored.filter((x) => !scored(x.result)).map((x) => ({ ...x, rank: null, score: null }))];
}

/** True once every trial of a stage is settled: stored, or its failure recorded. */
export function stageSettled(store: RunStore, trials: TrainTrial[]): boolean {
  return trials.length > 0 && trials.every((t) => store.has(t) || store.failed(t.hash));
}

/**
 * PlanContext.bestOf over a store: the ranked trials of a stage once every trial of it is settled
 * (stored, or its failure recorded), else null (the stages derived from it wait).
 */
export function bestOfStage(store: RunStore): NonNullable<PlanContext['bestOf']> {
  return (trials) => {
    if (!stageSettled(store, trials)) return null;
    // One entry a value, its first stored repeat's config standing for it, scored by the mean.
    const seen = new Set<number>();
    return rankStage(trials, (t) => store.read(t)?.result as TrainResult | undefined)
      .filter((x) => x.rank !== null && !seen.has(x.rank) && seen.add(x.rank))
      .map(({ trial, score }) => ({ value: trial.value, config: trial.config, validationAccuracy: score! }));
  };
}

/** The plan a reader (report, diff, gc) rebuilds from a store: its engine version and data, its rankings (`more`: e.g. the LR range hand-over). */
export function planFromStore(
  exp: ResolvedExperiment,
  store: RunStore,
  more: Partial<PlanContext> = {},
  identity = store.identity(),
): Plan | null {
  return identity && planTrials(exp, { ...identity, bestOf: bestOfStage(store), ...more });
}
