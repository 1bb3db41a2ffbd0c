// report.html: the report's Markdown as one self-contained page that opens offline from disk —
// interactive Vega charts (interactive.ts), sortable tables, a light/dark theme that follows the
// system. The Vega runtime, the page's script and style, the chart specs and the weight images are
// all inlined; nothing is fetched. templates/interactive/ holds the page; the watch page reuses it.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { escapeHtml, markdownToHtml, pngImg, renderHtmlTemplate, TEMPLATES } from './render.ts';
import { interactiveVega } from './interactive.ts';
import type { Chart } from './charts.ts';

const PAGE = join(TEMPLATES, 'interactive');

let runtime: string | null = null;

/** vega.min.js (UMD, defines the global `vega`) from node_modules, with its licence named. */
function vegaRuntime(): string {
  if (runtime) return runtime;
  const dir = dirname(fileURLToPath(import.meta.resolve('vega')));
  const pkg = JSON.parse(readFileSync(join(dir, '..', 'package.json'), 'utf8')) as { version: string; license: string };
  runtime = `/* vega ${pkg.version} (${pkg.license}, https://github.com/vega/vega) */\n${readFileSync(join(dir, 'vega.min.js'), 'utf8')}`;
  return runtime;
}

/** JSON that is safe inside a <script> element: no "</script>" or "<!--" can end or confuse it. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** What every interactive page inlines: the Vega runtime, the page script and its style. */
export function pageAssets(): { vega: string; script: string; style: string } {
  return {
    vega: vegaRuntime(),
    script: readFileSync(join(PAGE, 'page.js'), 'utf8'),
    style: readFileSync(join(PAGE, 'page.css'), 'utf8'),
  };
}

/** A chart's place in the page; page.js renders the spec of the same name into it. */
export const chartSlot = (name: string, label: string) =>
  `<span class="chart" data-chart="${escapeHtml(name)}" role="img" aria-label="${escapeHtml(label)}"><span class="vega"></span></span>`;

/**
 * The page of a report. `assets` maps Markdown image paths to SVG text (charts, shown here by
 * Vega from their spec instead) or PNG bytes (weight images, inlined as data URLs).
 */
export async function renderReportPage(
  markdown: string,
  title: string,
  charts: Chart[],
  assets: Map<string, string | Uint8Array>,
): Promise<string> {
  const byFile = new Map(charts.map((c) => [`assets/${c.name}.svg`, c]));
  const body = markdownToHtml(markdown, (href, text) => {
    const chart = byFile.get(href);
    if (chart) return chartSlot(chart.name, text);
    const a = assets.get(href);
    return a instanceof Uint8Array ? pngImg(a, text) : null;
  });
  const specs: Record<string, unknown> = {};
  for (const c of charts) specs[c.name] = await interactiveVega(c.spec);
  return renderHtmlTemplate('interactive/report.html.njk', { title, body, specs: scriptJson(specs), ...pageAssets() });
}
