// The report's opening: the experiment's names, the line describing the data and its splits, and
// the list of trials not run yet (planned ones missing from the store, stages still to be planned).
import { basename, dirname } from 'node:path';
import { splitSizes } from '../../config/resolve.ts';
import { byText, int, md } from '../format.ts';
import type { ReportDocument } from '../views.ts';
import { NOT_RUN, type SectionContext } from './context.ts';

type Header = Pick<
  ReportDocument,
  'kind' | 'name' | 'file' | 'title' | 'description' | 'dataLine' | 'missing' | 'missingCount' | 'plannedCount'
>;

/** experiments/NAME.yaml, as a user types it. */
export function experimentFile(ctx: SectionContext): string {
  return `${basename(dirname(ctx.exp.file))}/${basename(ctx.exp.file)}`;
}

export function headerSection(ctx: SectionContext): Header {
  const { g, exp, plan, facts } = ctx;
  const dataDescriptions = [...new Set([...g.stored.values()].map((s) => s.result.data).filter(Boolean))].sort(byText);
  const sizes = splitSizes(exp.base);
  const ds = exp.base.dataset;
  const dataLine = md(
    `${dataDescriptions.length ? dataDescriptions.join('; ') : facts.label}. Training: ${int(sizes.train)} images (${ds.train.join(', ')}${ds.validation.holdout ? `, less the last ${ds.validation.holdout} for validation` : ''}${ds.subsample ? `, subsampled to ${ds.subsample}` : ''}); validation: ${int(sizes.validation)} images (${ds.validation.parts ? ds.validation.parts.join(', ') : 'held out'}); test: ${int(sizes.test)} images (${ds.test.join(', ')}). Pre-processing: ${exp.base.preprocess === 'standardize' ? 'subtract the training mean and divide by the training standard deviation, per dimension' : 'scale to [0, 1]'}.`,
  );
  const missing = [
    ...g.missing.map((t) => ({ id: md(t.id), reason: NOT_RUN })),
    ...plan.pending.map((p) => ({ id: md(p.id), reason: md(`${NOT_RUN}: ${p.reason}`) })),
  ];
  return {
    kind: exp.report.kind,
    name: md(exp.name),
    file: md(experimentFile(ctx)),
    title: md(exp.title),
    description: md(exp.description?.trim() ?? ''),
    dataLine,
    missing,
    missingCount: missing.length,
    plannedCount: plan.trials.length,
  };
}
