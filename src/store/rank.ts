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
  /** 1, 2, … for a trial that finished with a validation accuracy; null for one that diverged. */
  rank: number | null;
}

/**
 * Stored trials of a stage in ranked order: those that finished (status ok) with a validation
 * accuracy, highest first, ties to the earlier trial; then diverged trials, unranked, in plan
 * order. Trials with no stored result (failed, not run) are not in the list.
 */
export function rankStage(trials: TrainTrial[], resultOf: (t: TrainTrial) => TrainResult | undefined): RankedTrial[] {
  const stored = trials.flatMap((trial) => {
    const result = resultOf(trial);
    return result?.kind === 'train' ? [{ trial, result }] : [];
  });
  const scored = (r: TrainResult) => r.status === 'ok' && r.final.validation !== undefined && Number.isFinite(r.final.validation.accuracy);
  const ranked = stored
    .filter((x) => scored(x.result))
    .sort((a, b) => b.result.final.validation!.accuracy - a.result.final.validation!.accuracy || (a.trial.index ?? 0) - (b.trial.index ?? 0))
    .map((x, i) => ({ ...x, rank: i + 1 as number | null }));
  return [...ranked, ...stored.filter((x) => !scored(x.result)).map((x) => ({ ...x, rank: null }))];
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
    return rankStage(trials, (t) => store.read(t)?.result as TrainResult | undefined)
      .filter((x) => x.rank !== null)
      .map(({ trial, result }) => ({ value: trial.value, config: trial.config, validationAccuracy: result.final.validation!.accuracy }));
  };
}

/** The plan a reader (report, diff, gc) rebuilds from a store: its engine version and data, its rankings. */
export function planFromStore(exp: ResolvedExperiment, store: RunStore, identity = store.identity()): Plan | null {
  return identity && planTrials(exp, { ...identity, bestOf: bestOfStage(store) });
}
