// `writeReport`: from the run store to reports/<experiment>/ — report.md, assets/ (one SVG per chart
// with its Vega spec beside it, weight images as PNG), and as `formats` (formats.ts) says,
// report.html (interactive), report.pdf, report.tex and the charts as PDF and PNG (latex/write.ts).
// Everything is written into a staging folder first and renamed into place (staging.ts), so a
// failure leaves the previous report intact and is told in one line (path, reason, fix).
// Same stored results → byte-identical Markdown, SVG and PNG (no clock, no random ids, sorted output).
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { gather, NoRunsError } from './gather.ts';
import type { RunStore } from '../store/store.ts';
import { buildDocument } from './document.ts';
import { renderChart } from './charts.ts';
import { renderHtml, renderMarkdown } from './render.ts';
import { weightImages } from './weights.ts';
import { ChromiumMissing, fileSizeLimit, PrintFailed, printPdf } from './pdf.ts';
import { ReportStaging } from './staging.ts';
import type { WriteError } from '../errors.ts';
import { renderReportPage } from './html.ts';
import { md } from './format.ts';
import { DEFAULT_FORMATS, type ReportFormat } from './formats.ts';
import { writeLatexAndPng } from './latex/write.ts';

export { NoRunsError };

/** The engine's model reader (src/engine/index.ts), loaded only when weights are drawn. */
export type ReadModel = (bytes: Uint8Array) => {
  sizes: number[];
  batchNorm: boolean;
  precision: unknown;
  tensors: Record<string, Float32Array | Float64Array>;
};

export interface ReportOptions {
  set?: string[];
  /** Run store root (default: runsDir(file), i.e. $NNLAB_RUNS or runs/ beside experiments/). */
  runsDir?: string;
  /** The store `nnlab run` just read, so its trials are not hashed a second time. */
  store?: RunStore;
  /** Reports root (default: reports/ beside experiments/); the report goes to <outDir>/<experiment>/. */
  outDir?: string;
  /** Print report.pdf (default: the experiment's report.pdf, true unless set false). */
  pdf?: boolean;
  /** What to write besides report.md and assets/ (formats.ts; default md, html, pdf). */
  formats?: ReadonlySet<ReportFormat>;
  log?: (line: string) => void;
  /** Reads model.bin; default: the engine's readModel (tests pass their own). */
  readModel?: ReadModel;
}

export interface ReportOutput {
  markdown: string;
  /** report.html: the interactive page (html.ts); '' when --format left it out. */
  html: string;
  pdf: string | null;
  /** report.tex (latex/), with its figures as PDF in assets/. */
  tex: string | null;
  /** Charts written as PNG in assets/. */
  pngs: number;
  /** Ids of planned trials (and stages still to be planned) that are not run yet. */
  missing: string[];
}

async function engineReadModel(): Promise<ReadModel | null> {
  try {
    const engine = (await import('../engine/index.ts')) as { readModel?: ReadModel };
    return typeof engine.readModel === 'function' ? engine.readModel : null;
  } catch {
    return null;
  }
}

export async function writeReport(file: string, opts: ReportOptions = {}): Promise<ReportOutput> {
  const log = opts.log ?? (() => {});
  const g = gather(file, { set: opts.set, runsDir: opts.runsDir, store: opts.store });
  const { exp } = g;
  const doc = buildDocument(g);

  const root = resolve(opts.outDir ?? resolve(file, '..', '..', 'reports'));
  const staging = new ReportStaging(root, exp.name);
  const dest = staging.dest;
  const assets = new Map<string, string | Uint8Array>();
  const formats = new Set(opts.formats ?? DEFAULT_FORMATS);
  if (opts.pdf === false || exp.report.pdf === false) formats.delete('pdf');
  const svgs: { name: string; svg: string }[] = [];
  try {
    for (const chart of doc.charts) {
      const { vega, svg } = await renderChart(chart.spec, chart.name);
      svgs.push({ name: chart.name, svg });
      staging.write(`assets/${chart.name}.svg`, svg);
      staging.write(`assets/${chart.name}.vg.json`, JSON.stringify(vega, null, 2) + '\n');
      assets.set(`assets/${chart.name}.svg`, svg);
    }

    if (doc.weights.length) {
      const readModel = opts.readModel ?? (await engineReadModel());
      for (const w of doc.weights) {
        const bytes = g.stored.get(w.hash)?.model() ?? null;
        let note = '';
        if (!readModel)
          note =
            'Learnt weights not drawn: the engine (src/engine, npm run build) is not built, so model.bin cannot be read.';
        else if (!bytes) note = 'Learnt weights not drawn: the run store holds no model.bin for this trial.';
        else {
          const m = readModel(bytes);
          const images = m.tensors.W1 ? weightImages(m.tensors.W1, w.classes, w.d) : null;
          if (!images) note = `Learnt weights not drawn: W1 is not ${w.classes} × ${w.d}.`;
          else
            images.forEach((im, i) => {
              staging.write(w.files[i], im.png);
              assets.set(w.files[i], im.png);
            });
        }
        if (note) w.view.note = md(note);
      }
    }

    const markdown = renderMarkdown(doc);
    staging.write('report.md', markdown);
    if (formats.has('html'))
      staging.write('report.html', await renderReportPage(markdown, exp.title, doc.charts, assets));

    let pdf: string | null = null;
    if (formats.has('pdf')) {
      try {
        const bytes = await printPdf(renderHtml(markdown, exp.title, assets), exp.title);
        staging.write('report.pdf', bytes);
        pdf = join(dest, 'report.pdf');
      } catch (err) {
        if (err instanceof PrintFailed) throw printFailure(staging, err);
        if (!(err instanceof ChromiumMissing)) throw err;
        log(`warning: ${err.message}; report.md is written`);
      }
    }

    const latex = await writeLatexAndPng(
      doc,
      g.plan,
      svgs,
      { tex: formats.has('tex'), png: formats.has('png') },
      (path, data) => staging.write(path, data),
      log,
    );

    // Swap the finished folder into place (the whole report: no file of the previous one is kept).
    staging.commit();

    const missing = [...g.missing.map((t) => t.id), ...g.plan.pending.map((p) => p.id)];
    return {
      markdown: join(dest, 'report.md'),
      html: formats.has('html') ? join(dest, 'report.html') : '',
      pdf,
      tex: latex.tex ? join(dest, 'report.tex') : null,
      pngs: latex.pngs,
      missing,
    };
  } catch (err) {
    staging.discard();
    throw err;
  }
}

/**
 * A PDF Chromium did not print, as the one-line error. Chromium says only "Printing failed" when a
 * file size limit (ulimit -f) or a full disk stops it, so the message names the limit when there is one.
 */
function printFailure(staging: ReportStaging, err: PrintFailed): WriteError {
  const limit = fileSizeLimit();
  return limit === null
    ? staging.failed(
        'report.pdf',
        err.message,
        "free space (a full disk stops Chromium's printing) or skip the PDF (--no-pdf)",
      )
    : staging.failed(
        'report.pdf',
        `${err.message} under a file size limit of ${limit} bytes (ulimit -f ${Math.floor(limit / 1024)})`,
        'raise the file size limit (ulimit -f) or skip the PDF (--no-pdf)',
      );
}

/** The line the CLI prints for a written report. */
export function reportLine(out: ReportOutput): string {
  const files = [out.markdown, out.html, out.pdf, out.tex].filter((f): f is string => !!f);
  if (out.pngs)
    files.push(`${out.pngs} PNG figure${out.pngs === 1 ? '' : 's'} in ${join(dirname(out.markdown), 'assets')}`);
  return files.length === 1
    ? `report: ${files[0]}`
    : `report: ${files.slice(0, -1).join(', ')} and ${files[files.length - 1]}`;
}

/** The Markdown of a report, read back (for tests and tools). */
export function readReport(dir: string): string {
  return readFileSync(join(dir, 'report.md'), 'utf8');
}
