// Builds the report document from gathered runs: each section by its builder in sections/ (one
// per template partial), in the order the templates show them, so charts and weight images are
// registered in reading order. Templates only lay the document out (render.ts).
import type { Gathered } from './gather.ts';
import type { ReportDocument } from './views.ts';
import { sectionContext } from './sections/context.ts';
import { headerSection } from './sections/header.ts';
import { hyperparameterTable } from './sections/hyperparameters.ts';
import { gradientCheckSection } from './sections/gradient-check.ts';
import { groupSections } from './sections/groups.ts';
import { lrRangeSections } from './sections/lr-range.ts';
import { searchSections } from './sections/searches.ts';
import { finalSection } from './sections/final.ts';
import { resultsSection } from './sections/results.ts';
import { timingSection } from './sections/timing.ts';
import { provenanceTable } from './sections/provenance.ts';

export function buildDocument(g: Gathered): ReportDocument {
  const ctx = sectionContext(g);
  return {
    ...headerSection(ctx),
    hyperparameters: hyperparameterTable(ctx),
    gradientCheck: gradientCheckSection(ctx),
    groups: groupSections(ctx),
    lrRange: lrRangeSections(ctx),
    searches: searchSections(ctx),
    final: finalSection(ctx),
    ...resultsSection(ctx),
    ...timingSection(ctx),
    provenance: provenanceTable(ctx),
    charts: ctx.charts,
    weights: ctx.weights,
  };
}
