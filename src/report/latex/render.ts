// Renders report.tex from the report document (views.ts) with the nunjucks templates of
// templates/tex/ (one per report kind, one partial per section, as the Markdown). Every string of
// the document is Markdown (escaped by format.ts md); it is turned into LaTeX here, once, by
// mdToTex, so the templates only lay out LaTeX. Figures are the PDFs of figures.ts.
import nunjucks from 'nunjucks';
import type { Plan } from '../../config/expand.ts';
import { TEMPLATES, tidy } from '../render.ts';
import type { FigureRef, ReportDocument, Table } from '../views.ts';
import { mdToTex, tex } from './escape.ts';

/** The text width of report.tex (A4, 2.5 cm margins): figures are printed at most this wide. */
export const TEXT_WIDTH_CM = 16;

/** What the equations of the report describe: the loss, the schedule, batch normalization. */
export interface Equations {
  crossEntropy: boolean;
  svm: boolean;
  hidden: boolean;
  cyclic: string[];
  batchNorm: boolean;
}

export function equationsOf(plan: Plan): Equations {
  const train = plan.trials.flatMap((t) => (t.kind === 'train' ? [t.config] : []));
  const cyclic = new Set<string>();
  for (const c of train) if (c.schedule.kind === 'cyclic') cyclic.add(c.schedule.policy);
  return {
    crossEntropy: train.some((c) => c.model.loss === 'cross_entropy'),
    svm: train.some((c) => c.model.loss === 'svm'),
    hidden: train.some((c) => c.model.hidden.length > 0),
    cyclic: [...cyclic].sort(),
    batchNorm: train.some((c) => c.model.batch_norm),
  };
}

/** The printed width of a chart whose SVG is `px` CSS pixels wide: natural size (96 px/in), at most the text width. */
export function printedWidthCm(px: number): number {
  return Math.min(TEXT_WIDTH_CM, (px / 96) * 2.54);
}

const isTable = (v: object): v is Table => 'header' in v && 'align' in v && 'rows' in v;
const isFigure = (v: object): v is FigureRef => 'file' in v && 'caption' in v;

/** The text column typeset as a paragraph (tabularx X): the longest left-aligned one, if over 45 characters; else -1. */
function wideColumn(t: Table): number {
  let wide = -1;
  let longest = 45;
  t.align.forEach((a, i) => {
    if (a === 'r') return;
    for (const row of t.rows)
      if ((row[i] ?? '').length > longest) {
        longest = row[i].length;
        wide = i;
      }
  });
  return wide;
}

const SKIP = new Set(['charts', 'weights', 'kind', 'align']);

/**
 * The document with every string in LaTeX; a figure points to its PDF and gets its printed width
 * (`widths`: cm by SVG file) and a label; a table gets its paragraph column.
 */
function texView(value: unknown, widths: Map<string, number>, key = ''): unknown {
  if (typeof value === 'string') return key === 'file' ? value.replace(/\.svg$/, '.pdf') : mdToTex(value);
  if (Array.isArray(value)) return value.map((v) => texView(v, widths));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    if (isTable(value)) {
      out.wide = wideColumn(value);
      // In a long table, the text columns with a cell over 30 characters share 55% of the line.
      const para = value.align.map((a, i) => a !== 'r' && value.rows.some((r) => (r[i] ?? '').length > 30));
      out.para = para;
      out.paraCount = Math.max(1, para.filter(Boolean).length);
    }
    if (isFigure(value)) {
      const cm = widths.get(value.file);
      const f = cm === undefined ? 1 : Math.min(1, cm / TEXT_WIDTH_CM);
      out.width = f >= 0.999 ? '\\linewidth' : `${f.toFixed(3)}\\linewidth`;
      out.label = `fig:${value.file.replace(/^assets\//, '').replace(/\.\w+$/, '')}`;
    }
    for (const [k, v] of Object.entries(value)) out[k] = SKIP.has(k) ? v : texView(v, widths, k);
    return out;
  }
  return value;
}

let env: nunjucks.Environment | null = null;

/**
 * report.tex of a document. `widths` maps a figure's file (assets/NAME.svg) to its printed width in
 * cm (printedWidthCm); `equations` says which formulas the training section gives.
 */
export function renderLatex(doc: ReportDocument, widths: Map<string, number>, equations: Equations): string {
  if (!env) {
    env = new nunjucks.Environment(new nunjucks.FileSystemLoader(TEMPLATES), {
      autoescape: false,
      throwOnUndefined: true,
      trimBlocks: true,
      lstripBlocks: true,
      // LaTeX writes {#1} (macro arguments): template comments are <# … #> instead.
      tags: { commentStart: '<#', commentEnd: '#>' },
    });
    env.addGlobal('tex', tex);
    // A long table (more than LONG rows) breaks across pages as a longtable; shorter ones float.
    env.addGlobal('LONG', 30);
  }
  const text = env.render(`tex/kinds/${doc.kind}.tex.njk`, { r: texView(doc, widths), eq: equations });
  return tidy(text);
}
