// The committed reports are tests: every reports/*/report.html (or every <dir>/*/report.html of the
// folder NNLAB_TEST_REPORTS names) is opened from disk in the real headless Chromium, one page after
// another in one browser: no console or page error, no request leaving the page, and a drawn Vega
// view for every chart figure its report.md shows. A regenerated report whose charts break fails here.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot } from '../data/fixtures.ts';
import { NO_CHROMIUM, closeBrowser, newPage } from '../browser.ts';

after(closeBrowser);

/** The folder of reports under test: NNLAB_TEST_REPORTS, else the repository's reports/. */
const REPORTS = resolve(process.env.NNLAB_TEST_REPORTS ?? join(repoRoot, 'reports'));

/** The figures report.md shows: its chart images (assets/<name>.svg) and its other images (weights). */
export function figuresOf(markdown: string): { charts: string[]; images: number } {
  const charts: string[] = [];
  let images = 0;
  for (const m of markdown.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)) {
    const svg = /^assets\/([^/]+)\.svg$/.exec(m[1]);
    if (svg) charts.push(svg[1]);
    else images++;
  }
  return { charts, images };
}

export interface PageCheck {
  /** Chart figures in report.md. */
  figures: string[];
  /** Names of the chart slots whose Vega view drew with marks. */
  drawn: string[];
  /** Slots that did not draw, with their error. */
  failed: string[];
  /** Images (not charts) in report.md, and images in the page that loaded. */
  images: number;
  imagesLoaded: number;
  errors: string[];
  outside: string[];
  requests: string[];
}

/** Opens one report.html from disk and records how each of its figures ended. */
export async function checkPage(dir: string): Promise<PageCheck> {
  const { charts: figures, images } = figuresOf(readFileSync(join(dir, 'report.md'), 'utf8'));
  const url = pathToFileURL(join(dir, 'report.html')).href;
  const w = await newPage((u) => u === url);
  try {
    await w.page.goto(url);
    await w.page.waitForFunction(
      () =>
        [...document.querySelectorAll<HTMLElement>('.chart')].every(
          (c) => c.dataset.rendered || c.classList.contains('failed'),
        ),
      null,
      { timeout: 120_000 },
    );
    const slots = await w.page.$$eval('.chart', (cs) =>
      cs.map((c) => {
        const el = c as HTMLElement;
        const svg = el.querySelector('.vega svg');
        // A drawn view: Vega finished, and its SVG has area, width and at least one data mark.
        const box = svg?.getBoundingClientRect();
        const marks = svg ? svg.querySelectorAll('.mark-line path, .mark-symbol path, .mark-area path').length : 0;
        return {
          name: el.dataset.chart ?? '',
          drawn: el.dataset.rendered === 'true' && !!box && box.width > 0 && box.height > 0 && marks > 0,
          error: el.dataset.error ?? '',
        };
      }),
    );
    const imagesLoaded = await w.page.$$eval(
      'main img',
      (is) => is.filter((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0).length,
    );
    return {
      figures,
      drawn: slots.filter((s) => s.drawn).map((s) => s.name),
      failed: slots.filter((s) => !s.drawn).map((s) => `${s.name}: ${s.error || 'no marks drawn'}`),
      images,
      imagesLoaded,
      errors: w.errors,
      outside: w.outside,
      requests: w.requests.filter((r) => r !== url),
    };
  } finally {
    await w.page.context().close();
  }
}

/** Asserts what a report page must be; `t.diagnostic` gets its "charts drawn / charts" line. */
export function assertPage(name: string, c: PageCheck, diagnostic: (s: string) => void): void {
  diagnostic(`${name}: ${c.drawn.length} of ${c.figures.length} charts drawn`);
  assert.ok(c.figures.length > 0, `${name}/report.md shows no chart`);
  assert.deepEqual(c.failed, [], `${name}: charts that did not draw`);
  assert.deepEqual([...c.drawn].sort(), [...c.figures].sort(), `${name}: a drawn view for every figure of report.md`);
  assert.equal(c.imagesLoaded, c.images, `${name}: every image of report.md shown`);
  assert.deepEqual(c.errors, [], `${name}: console or page errors`);
  assert.deepEqual(c.outside, [], `${name}: requests leaving the page`);
  assert.deepEqual(c.requests, [], `${name}: requests besides the page itself`);
}

const reports = existsSync(REPORTS)
  ? readdirSync(REPORTS)
      .filter((d) => existsSync(join(REPORTS, d, 'report.html')) && existsSync(join(REPORTS, d, 'report.md')))
      .sort()
  : [];

test(`${REPORTS} holds reports to check`, () => {
  assert.ok(reports.length > 0, `no <name>/report.html with its report.md in ${REPORTS}`);
});

for (const name of reports) {
  test(
    `${name}/report.html in Chromium: a drawn chart for every figure of report.md, no error, no request`,
    { skip: NO_CHROMIUM },
    async (t) => {
      assertPage(name, await checkPage(join(REPORTS, name)), (s) => t.diagnostic(s));
    },
  );
}
