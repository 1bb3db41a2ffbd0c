// Time per trial: steps, wall-clock time, steps/s and threads of every planned trial, and the sum.
// A trial whose configuration equals an earlier one's (a final that retrains exactly the best
// search trial) is that trial: shown, but neither counted nor timed twice.
import { int, md, num, seconds } from '../format.ts';
import type { Table } from '../views.ts';
import { NOT_RUN, type SectionContext } from './context.ts';
import { PATH_LABELS } from './wording.ts';

/** Planned trials counted once per configuration (hash). */
export function distinctTrials(ctx: SectionContext): number {
  return new Set(ctx.plan.trials.map((t) => t.hash)).size;
}

export function timingSection(ctx: SectionContext): { timing: Table; timingSummary: string } {
  const { g, plan } = ctx;
  const rows: string[][] = [];
  let total = 0;
  const firstId = new Map<string, string>();
  for (const t of plan.trials) {
    const r = g.result(t.hash);
    const same = firstId.get(t.hash);
    if (same) {
      rows.push([md(t.id), md(`the trial ${same}`), '–', '–', '', '']);
      continue;
    }
    firstId.set(t.hash, t.id);
    const what =
      t.kind === 'gradient_check'
        ? 'gradient check'
        : t.role === 'search'
          ? `${PATH_LABELS[t.param!] ?? t.param} = ${num(t.value)}`
          : t.role === 'final'
            ? 'final'
            : t.config.schedule.kind === 'lr_range'
              ? 'LR range test'
              : 'variant';
    if (!r) {
      rows.push([md(t.id), md(what), '–', NOT_RUN, '', '']);
      continue;
    }
    total += r.seconds;
    const steps = r.kind === 'train' ? r.steps : 0;
    rows.push([
      md(t.id),
      md(what),
      r.kind === 'train' ? int(steps) : '–',
      seconds(r.seconds),
      r.kind === 'train' && r.seconds > 0 ? int(steps / r.seconds) : '–',
      String(r.threads),
    ]);
  }
  return {
    timing: {
      header: ['trial', 'what', 'steps', 'time', 'steps/s', 'threads'],
      align: ['l', 'l', 'r', 'r', 'r', 'r'],
      rows,
    },
    timingSummary: md(
      `${g.stored.size} of ${distinctTrials(ctx)} trials stored; ${seconds(total)} of training and checking in all (wall-clock time of each trial, summed).`,
    ),
  };
}
