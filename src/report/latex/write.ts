// The hand-in formats of a report: report.tex (figures.ts prints each chart to assets/NAME.pdf)
// and every chart as assets/NAME.png. Writes through `write` (paths relative to the report folder),
// so index.ts decides where and how files are written.
import { equationsOf, printedWidthCm, renderLatex } from './render.ts';
import { exportFigures, FiguresChromiumMissing, type ChartFile, type FigureSize } from '../figures.ts';
import type { Plan } from '../../config/expand.ts';
import type { ReportDocument } from '../views.ts';

export interface LatexOutput {
  /** report.tex was written. */
  tex: boolean;
  /** PNG figures written. */
  pngs: number;
  sizes: Map<string, FigureSize>;
}

export async function writeLatexAndPng(
  doc: ReportDocument,
  plan: Plan,
  charts: ChartFile[],
  want: { tex: boolean; png: boolean },
  write: (path: string, data: string | Uint8Array) => void,
  log: (line: string) => void,
): Promise<LatexOutput> {
  let sizes: Map<string, FigureSize>;
  let pngs = 0;
  try {
    sizes = await exportFigures(charts, { pdf: want.tex, png: want.png }, printedWidthCm, {
      pdf: (name, bytes) => write(`assets/${name}.pdf`, bytes),
      png: (name, bytes) => {
        write(`assets/${name}.png`, bytes);
        pngs++;
      },
    });
  } catch (err) {
    if (!(err instanceof FiguresChromiumMissing)) throw err;
    log(`warning: ${err.message}`);
    return { tex: false, pngs: 0, sizes: new Map() };
  }
  if (want.tex) {
    const widths = new Map([...sizes].map(([name, s]) => [`assets/${name}.svg`, s.printedCm]));
    write('report.tex', renderLatex(doc, widths, equationsOf(plan)));
  }
  return { tex: want.tex, pngs, sizes };
}
