// The variant groups (LR range tests have their own section): per group an overlay chart of its
// variants, a pivot table and findings; per variant its curves, a summary line and, for networks
// without hidden layers when the report asks, its learnt weights as images (drawn by index.ts).
import type { Variant } from '../../config/resolve.ts';
import type { TrainResult } from '../../store/types.ts';
import { curveAxis, curvesSpec, overlaySpec } from '../charts.ts';
import { dec, int, md, pct, seconds, slug } from '../format.ts';
import { bandRows, repeatCurves, repeatsLine, withBands } from '../repeats.ts';
import type { GroupView, VariantView, WeightsView } from '../views.ts';
import { NOT_RUN, statusText, trainResult, variantTrial, type SectionContext } from './context.ts';
import { groupFindings, pivotTable } from './group-findings.ts';
import { capitalize } from './wording.ts';

function metricsLine(r: TrainResult): string {
  const parts = [`training accuracy ${pct(r.final.train.accuracy)}`];
  if (r.final.validation) parts.push(`validation ${pct(r.final.validation.accuracy)}`);
  if (r.final.test) parts.push(`test ${pct(r.final.test.accuracy)}`);
  const loss = r.final.validation
    ? `; final validation loss ${dec(r.final.validation.loss)}, cost ${dec(r.final.validation.cost)}`
    : `; final training loss ${dec(r.final.train.loss)}, cost ${dec(r.final.train.cost)}`;
  return `${parts.join(', ')}${loss}; ${int(r.steps)} update steps in ${seconds(r.seconds)}.`;
}

function variantView(ctx: SectionContext, v: Variant, members: Variant[]): VariantView {
  const { g, exp, facts, addChart } = ctx;
  const t = variantTrial(g, v.name);
  const r = t && trainResult(g, t);
  const { points: pts, runs } = repeatCurves(g, t);
  const vAxis = curveAxis(v.config.schedule.kind);
  const mean = runs.length > 1 ? ` (mean of ${runs.length} seeds, band ±1 sd)` : '';
  const figure = pts.length
    ? addChart(
        `curves-${slug(v.name)}`,
        `${v.name}: cost, loss and accuracy on the training and validation sets${mean}, and the learning rate, against the ${vAxis.title}.`,
        withBands(curvesSpec(pts, vAxis), bandRows(runs, vAxis)),
      )
    : null;
  let w: WeightsView | null = null;
  if (exp.report.weights && v.config.model.hidden.length === 0 && t && r) {
    const names = facts.classNames;
    const files = names.map((c) => `assets/weights-${slug(v.name)}-${slug(c)}.png`);
    w = { images: files.map((file, i) => ({ file, label: md(names[i]) })) };
    ctx.weights.push({ hash: t.hash, variant: v.name, d: facts.d, classes: facts.classes, files, view: w });
  }
  // A description several variants share names their group, not the variant.
  const shared = !v.description || members.filter((m) => m.description === v.description).length > 1;
  return {
    name: md(v.name),
    title: md(shared ? v.name : v.description!),
    description: md(v.description ?? ''),
    run: !!r,
    status: t ? statusText(g.result(t.hash)) : NOT_RUN,
    figure,
    summary: t && r ? md(capitalize(metricsLine(r)) + repeatsLine(g, t)) : '',
    weights: w,
  };
}

function groupView(ctx: SectionContext, name: string): GroupView {
  const { g, exp, facts, addChart } = ctx;
  const members = exp.variants.filter((v) => v.group === name && v.config.schedule.kind !== 'lr_range');
  const axis = curveAxis(members[0].config.schedule.kind);
  const series = members
    .map((v) => ({ variant: v.name, ...repeatCurves(g, variantTrial(g, v.name)) }))
    .filter((s) => s.points.length);
  const overlaySplit = series.some((s) => s.points.some((p) => p.validation)) ? 'validation' : 'training';
  const bands = series.flatMap((s) =>
    bandRows(s.runs, axis, { variant: s.variant, split: overlaySplit === 'validation' ? 'validation' : 'train' }),
  );
  const overlay =
    series.length >= 2
      ? addChart(
          `group-${slug(name)}`,
          `${capitalize(name)}: the variants compared, ${overlaySplit} loss and accuracy against the ${axis.title}${bands.length ? ' (mean of the repeats, band ±1 sd)' : ''}.`,
          withBands(overlaySpec(series, axis), bands),
        )
      : null;
  const variants = members.map((v) => variantView(ctx, v, members));
  return {
    name: md(name),
    title: md(capitalize(name)),
    description: md(
      members.find((m) => m.description)?.description && new Set(members.map((m) => m.description)).size === 1
        ? members[0].description!
        : '',
    ),
    overlay,
    pivot: pivotTable(g, members),
    findings: groupFindings(g, members, facts.classes),
    variants,
  };
}

/** The groups in the order their first variant appears in the file. */
export function groupSections(ctx: SectionContext): GroupView[] {
  const names: string[] = [];
  for (const v of ctx.exp.variants)
    if (v.config.schedule.kind !== 'lr_range' && !names.includes(v.group)) names.push(v.group);
  return names.map((name) => groupView(ctx, name));
}
