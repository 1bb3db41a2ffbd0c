// Which trials of a search stage are best: the rule a later stage's range and the final retraining
// are derived from. Shared by the runner and the report (which must not load the runner's process
// machinery), so both always agree on the ranking.
import type { PlanContext, Trial } from '../config/expand.ts';
import type { TrialConfig } from '../config/resolve.ts';
import type { RunStore } from './store.ts';
import { spread } from './repeat-stats.ts';

/**
 * Best finished values of a stage by the mean validation accuracy of their repeats (ties: the
 * earlier value first), or null while any trial of the stage is not settled (by default: not
 * stored yet). Failed and diverged trials are left out of the ranking.
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
    // Repeats (issue 12): a value trained several times is ranked by the mean validation accuracy
    // of its repeats; its row keeps the first repeat's config (the experiment's own seed).
    const byValue = new Map<number, typeof rows>();
    for (const row of rows) byValue.set(row.index, [...(byValue.get(row.index) ?? []), row]);
    rows.splice(0, rows.length, ...[...byValue.values()].map((rs) => ({ ...rs[0], validationAccuracy: spread(rs.map((r) => r.validationAccuracy))!.mean })));
    rows.sort((a, b) => b.validationAccuracy - a.validationAccuracy || a.index - b.index);
    return rows;
  };
}
