// The LR range tests: per test its accuracy and loss against η, the rule that picks η_min and
// η_max from the curve (runner/lr-range.ts) and what it chose, and which variants take the bounds.
import { trainingLength } from '../../config/expand.ts';
import { chooseLrBounds, LR_RANGE_RULE } from '../../runner/lr-range.ts';
import { lrRangeSpec } from '../charts.ts';
import { int, md, num, pct, plural, slug } from '../format.ts';
import { handOverText, repeatCurves } from '../repeats.ts';
import type { LrRangeView } from '../views.ts';
import { variantTrial, type SectionContext } from './context.ts';
import { capitalize } from './wording.ts';

export function lrRangeSections({ g, exp, addChart }: SectionContext): LrRangeView[] {
  return exp.variants
    .filter((v) => v.config.schedule.kind === 'lr_range')
    .map((v) => {
      const t = variantTrial(g, v.name)!;
      const { points: pts, runs } = repeatCurves(g, t);
      const bounds = chooseLrBounds(pts);
      const s = v.config.schedule;
      const L = trainingLength(v.config);
      const figure = pts.length
        ? addChart(
            `lr-range-${slug(v.name)}`,
            `${v.name}: accuracy and loss against the learning rate η (log scale), with the chosen η_min and η_max.`,
            lrRangeSpec(pts, bounds),
          )
        : null;
      const choice = !pts.length
        ? ''
        : bounds
          ? `η rose ${s.curve === 'exponential' ? 'exponentially' : 'linearly'} from ${num(s.eta_min)} to ${num(s.eta_max)} over ${int(L.totalSteps)} update steps (${plural(Number(L.epochs.toFixed(2)), 'epoch')}). ${capitalize(bounds.split)} accuracy started at ${pct(bounds.startAccuracy)} and peaked at ${pct(bounds.peakAccuracy)}; the rule gives η_min = ${num(Number(bounds.etaMin.toPrecision(2)))} and η_max = ${num(Number(bounds.etaMax.toPrecision(2)))}${runs.length > 1 ? ` (from the mean curve of ${runs.length} seeds)` : ''}.${handOverText(g, v.name)}`
          : 'Accuracy never rose above its starting value, so the rule gives no bounds.';
      return {
        name: md(v.name),
        title: md(v.description ?? v.name),
        description: md(v.description ?? ''),
        run: !!g.result(t.hash),
        figure,
        rule: md(LR_RANGE_RULE),
        choice: md(choice),
      };
    });
}
