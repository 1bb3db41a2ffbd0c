// The results table: one row per variant (LR range tests aside) and the final network, accuracies
// and time as the mean ± sd (n) of a setting's repeats where it has several; and the findings
// across them (highest and lowest headline accuracy, which runs diverged).
import type { TrainTrial } from '../../config/expand.ts';
import type { TrainResult } from '../../store/types.ts';
import { md, num, seconds } from '../format.ts';
import { accText, headlineOf, PICK, repeatSpread } from '../repeats.ts';
import type { Table } from '../views.ts';
import { NOT_RUN, trainResult, variantTrial, type SectionContext } from './context.ts';
import { chance, joinList, PATH_LABELS } from './wording.ts';

export function resultsSection({ g, exp, facts, finalTrial }: SectionContext): { results: Table; findings: string[] } {
  const entries: { label: string; r: TrainResult | undefined; t: TrainTrial | undefined }[] = [];
  for (const v of exp.variants) {
    if (v.config.schedule.kind === 'lr_range') continue;
    const t = variantTrial(g, v.name);
    entries.push({
      label: v.description && exp.report.kind === 'assignment1' ? v.description : v.name,
      r: t && trainResult(g, t),
      t,
    });
  }
  if (finalTrial)
    entries.push({
      label: `final (${PATH_LABELS[finalTrial.param!] ?? finalTrial.param} = ${num(finalTrial.value)})`,
      r: trainResult(g, finalTrial),
      t: finalTrial,
    });
  const rows = entries.map(({ label, r, t }) =>
    r && t
      ? [
          md(label),
          accText(g, t, PICK.train),
          accText(g, t, PICK.validation),
          accText(g, t, PICK.test),
          seconds(repeatSpread(g, t, PICK.seconds)?.mean),
          r.status === 'ok' ? 'ok' : 'diverged',
        ]
      : [md(label), '–', '–', '–', '–', NOT_RUN],
  );
  const results: Table = {
    header: ['run', 'training acc.', 'validation acc.', 'test acc.', 'time', 'status'],
    align: ['l', 'r', 'r', 'r', 'r', 'l'],
    rows,
  };

  const findings: string[] = [];
  const scored = entries.map((e) => ({ ...e, h: headlineOf(g, e.t) })).filter((e) => e.h);
  if (scored.length >= 2) {
    const sorted = [...scored].sort((a, b) => b.h!.value - a.h!.value);
    const best = sorted[0];
    const worst = sorted.at(-1)!;
    const split = best.h!.split;
    findings.push(
      md(
        `The highest ${split} accuracy, ${best.h!.text}, came from ${best.label}; the lowest, ${worst.h!.text}${chance(worst.h!.value, facts.classes)}, from ${worst.label}.`,
      ),
    );
  }
  const diverged = entries.filter((e) => e.r?.status === 'diverged').map((e) => e.label);
  if (diverged.length) findings.push(md(`${joinList(diverged)} diverged.`));
  return { results, findings };
}
