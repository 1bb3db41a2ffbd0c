// Which trials of a search stage are best: the rule a later stage's range and the final retraining
// are derived from. Shared by the runner and the report (which must not load the runner's process
// machinery), so both always agree on the ranking.
import type { PlanContext, Trial } from '../config/expand.ts';
import type { TrialConfig } from '../config/resolve.ts';
import type { RunStore } from './store.ts';

/**
 * Best finished trials of a stage by validation accuracy (ties: the earlier trial first), or null
 * while any trial of the stage is not settled (by default: not stored yet). Failed and diverged
 * trials are left out of the ranking.
 */
export function bestOfStage(store: RunStore, settled: (t: Trial) => boolean = (t) => store.has(t.hash)): NonNullable<PlanContext['bestOf']> {
  return (trials) => {
    if (!trials.length || !trials.every(settled)) return null;
    const rows: { value: unknown; config: TrialConfig; validationAccuracy: number; index: number }[] = [];
    for (const t of trials) {
      const r = store.get(t.hash)?.result;
      if (!r || r.kind !== 'train' || r.status !== 'ok' || !r.final.validation) continue;
      rows.push({ value: t.value, config: t.config, validationAccuracy: r.final.validation.accuracy, index: t.index ?? 0 });
    }
    rows.sort((a, b) => b.validationAccuracy - a.validationAccuracy || a.index - b.index);
    return rows;
  };
}
