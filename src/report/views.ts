// What the report templates lay out: every table as rows of finished Markdown cells (escaped,
// numbers in fixed formats), every chart as a Vega-Lite spec with a file name, every sentence that
// interprets results. Built by document.ts from the section builders in sections/.
import type { Chart } from './charts.ts';

export interface Table {
  header: string[];
  /** 'l' or 'r' per column. */
  align: string[];
  rows: string[][];
}

export interface FigureRef {
  file: string;
  caption: string;
}

export interface WeightsView {
  images: { file: string; label: string }[];
  /** Set when the images could not be drawn (engine not built, no model stored). */
  note?: string;
}

/** Raw pixels of weight images, written as PNG by index.ts. */
export interface WeightsRequest {
  hash: string;
  variant: string;
  d: number;
  classes: number;
  files: string[];
  /** The view the images appear in; a note replaces them when they cannot be drawn. */
  view: WeightsView;
}

export interface VariantView {
  name: string;
  title: string;
  description: string;
  run: boolean;
  status: string;
  figure: FigureRef | null;
  summary: string;
  weights: WeightsView | null;
}

export interface GroupView {
  name: string;
  title: string;
  description: string;
  overlay: FigureRef | null;
  pivot: Table | null;
  findings: string[];
  variants: VariantView[];
}

export interface LrRangeView {
  name: string;
  title: string;
  description: string;
  run: boolean;
  figure: FigureRef | null;
  rule: string;
  choice: string;
}

export interface StageView {
  name: string;
  param: string;
  range: string;
  training: string;
  pending: string;
  table: Table;
  best: string;
}

export interface SearchView {
  param: string;
  stages: StageView[];
  figure: FigureRef | null;
}

export interface FinalView {
  run: boolean;
  text: string;
  figure: FigureRef | null;
  table: Table | null;
}

export interface GradientCheckView {
  tables: { title: string; table: Table }[];
  summary: string;
}

export interface ReportDocument {
  kind: string;
  name: string;
  /** The experiment file as a user types it: experiments/NAME.yaml. */
  file: string;
  title: string;
  description: string;
  dataLine: string;
  missing: { id: string; reason: string }[];
  missingCount: number;
  plannedCount: number;
  hyperparameters: Table;
  gradientCheck: GradientCheckView | null;
  groups: GroupView[];
  lrRange: LrRangeView[];
  searches: SearchView[];
  final: FinalView | null;
  results: Table;
  findings: string[];
  timing: Table;
  timingSummary: string;
  provenance: Table;
  charts: Chart[];
  weights: WeightsRequest[];
}
