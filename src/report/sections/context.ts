// What every section builder reads: the gathered runs, the plan, the dataset's facts, and the
// registries that collect the charts and weight images in the order the sections add them.
// Also the small look-ups several sections share (a variant's trial, a stored training result).
import type { TrainTrial, Trial } from '../../config/expand.ts';
import { SOURCES, type SourceFacts } from '../../data/catalog.ts';
import type { StoredResult, TrainResult } from '../../store/types.ts';
import type { Chart } from '../charts.ts';
import { md } from '../format.ts';
import type { Gathered } from '../gather.ts';
import type { FigureRef, WeightsRequest } from '../views.ts';

export const NOT_RUN = 'not run yet';

export interface SectionContext {
  g: Gathered;
  exp: Gathered['exp'];
  plan: Gathered['plan'];
  /** The dataset's sizes, class count and class names (data/catalog.ts). */
  facts: SourceFacts;
  /** The final network's trial, once the plan has one. */
  finalTrial: TrainTrial | undefined;
  /** Registers a chart (written as assets/NAME.svg) and returns the figure that shows it. */
  addChart: (name: string, caption: string, spec: Record<string, unknown>) => FigureRef;
  charts: Chart[];
  weights: WeightsRequest[];
}

export function sectionContext(g: Gathered): SectionContext {
  const charts: Chart[] = [];
  return {
    g,
    exp: g.exp,
    plan: g.plan,
    facts: SOURCES[g.exp.base.dataset.source],
    finalTrial: g.plan.trials.find((t): t is TrainTrial => t.kind === 'train' && t.role === 'final'),
    addChart: (name, caption, spec) => {
      charts.push({ name, caption, spec });
      return { file: `assets/${name}.svg`, caption: md(caption) };
    },
    charts,
    weights: [],
  };
}

export const trainResult = (g: Gathered, t: Trial): TrainResult | undefined => {
  const r = g.result(t.hash);
  return r?.kind === 'train' ? r : undefined;
};

export function variantTrial(g: Gathered, name: string): TrainTrial | undefined {
  return g.plan.trials.find((t): t is TrainTrial => t.kind === 'train' && t.role === 'variant' && t.variant === name);
}

export function statusText(r: StoredResult | undefined): string {
  if (!r) return NOT_RUN;
  if (r.kind === 'train' && r.status === 'diverged') return `diverged${r.message ? `: ${md(r.message)}` : ''}`;
  return 'ok';
}
