// The committed reports are tests: every reports/*/report.html (or every <dir>/*/report.html of the
// folder NNLAB_TEST_REPORTS names) is opened from disk in the real headless Chromium, one page after
// another in one browser: no console or page error, no request leaving the page, and a drawn Vega
// view for every chart figure its report.md shows. A regenerated report whose charts break fails here.
// So does the report of a small experiment with every kind of chart, trained and reported here by
// the real `nnlab` on Fashion-MNIST, whose charts with bands must also answer hover, legend and zoom.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot, tempDir } from '../data/fixtures.ts';
import { missingFiles, sourceRoot } from '../../src/data/index.ts';
import { nnlab } from '../cli/nnlab.ts';
import { NO_CHROMIUM, closeBrowser, hoverCurve, newPage } from '../browser.ts';

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

/**
 * Every kind of chart a report draws, in a few seconds of training: a group of two variants with two
 * repeats each (its overlay and each variant's curves with bands), an LR range test whose bounds one
 * of them takes, a three-value search with repeats, and the final retraining with repeats.
 */
const EXPERIMENT = `name: charts-e2e
title: "Charts end to end: repeats, a group, a search and an LR range test"
seed: 3
repeats: 2
dataset:
  source: fashion_mnist
  train: [train]
  validation: { holdout: 500 }
  test: [test]
  subsample: 5000
preprocess: standardize
model: { hidden: [20], init: he }
training: { batch_size: 100, lambda: 0.001, cycles: 1, shuffle: true }
schedule: { kind: cyclic, eta_min: 1.0e-5, eta_max: 1.0e-1, step_size: 25 }
record: { per_cycle: 10, subset: 500 }
variants:
  - group: lr-range
    name: range
    repeats: 1
    set:
      schedule: { kind: lr_range, eta_min: 1.0e-5, eta_max: 0.5 }
      training.steps: 100
      record: { per_epoch: 4, subset: 500 }
  - group: batch-norm
    matrix:
      bn:
        no-bn: { model.batch_norm: false }
        bn: { model.batch_norm: true, schedule.from: range }
searches:
  - { name: coarse, variant: no-bn, kind: grid, param: training.lambda, distribution: log_uniform, range: [1.0e-4, 1.0e-1], trials: 3 }
final: { from: coarse, set: { training.cycles: 2 } }
report: { kind: generic }
`;

const missing = missingFiles('fashion_mnist', sourceRoot('fashion_mnist'));
const NO_FRESH =
  NO_CHROMIUM ||
  (missing.length ? `Fashion-MNIST is not installed (${missing[0]} is missing; npm run setup installs it)` : false);

let fresh = '';
before(async () => {
  if (NO_FRESH) return;
  const dir = tempDir('nnlab-charts-e2e-');
  const file = join(dir, 'charts-e2e.yaml');
  writeFileSync(file, EXPERIMENT);
  const env = { NNLAB_RUNS: join(dir, 'runs'), NNLAB_DATA: join(dir, 'data') };
  const run = await nnlab(['run', file, '--no-report', '--jobs', '1', '--threads', '1'], { env });
  assert.equal(run.code, 0, run.stderr);
  const report = await nnlab(['report', file, '--out', join(dir, 'reports'), '--no-pdf'], { env });
  assert.equal(report.code, 0, report.stderr);
  fresh = join(dir, 'reports', 'charts-e2e');
});

test(
  'a fresh report of repeats, a group, a search and an LR range test in Chromium: every figure drawn',
  { skip: NO_FRESH },
  async (t) => {
    const c = await checkPage(fresh);
    // The kinds of chart the experiment was made to have; a report that lost one would pass otherwise.
    assert.deepEqual([...c.figures].sort(), [
      'curves-bn',
      'curves-final',
      'curves-no-bn',
      'group-batch-norm',
      'lr-range-range',
      'search-training_lambda',
    ]);
    assertPage('charts-e2e', c, (s) => t.diagnostic(s));
  },
);

test(
  'in Chromium, on charts with bands: a tooltip, a legend click dims a series and its band, wheel zooms and double-click resets',
  { skip: NO_FRESH },
  async () => {
    const url = pathToFileURL(join(fresh, 'report.html')).href;
    const w = await newPage((u) => u === url);
    await w.page.goto(url);
    await w.page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLElement>('.chart')].every(
        (c) => c.dataset.rendered || c.classList.contains('failed'),
      ),
    );
    for (const name of ['curves-no-bn', 'group-batch-norm']) {
      const sel = `.chart[data-chart="${name}"]`;
      const chart = w.page.locator(sel);
      await chart.scrollIntoViewIfNeeded();
      const bands = chart.locator('.mark-area path');
      assert.ok((await bands.count()) >= 2, `${name} has bands`);

      const tip = await hoverCurve(w.page, sel);
      assert.match(tip ?? '', /^(split|variant)\S+update step[\d,]+(cost|validation loss)[\d.]+$/, `${name}: tooltip`);

      // A click on the first legend entry keeps its series; every other line and band is dimmed. A
      // shift-click on it again empties the selection: everything is shown.
      const shown = (kind: 'line' | 'area') =>
        chart.locator(`.mark-${kind} path`).evaluateAll(
          (ps, k) =>
            ps.map((p) => ({
              colour: p.getAttribute(k === 'area' ? 'fill' : 'stroke'),
              opacity: Number(p.getAttribute(k === 'area' ? 'fill-opacity' : 'opacity') ?? 1),
            })),
          kind,
        );
      // In the page: whether n of the chart's bands are dimmed.
      const dimmedBands = ([s, n]: [string, number]) =>
        [...document.querySelectorAll(`${s} .mark-area path`)].filter(
          (p) => Number(p.getAttribute('fill-opacity')) < 0.05,
        ).length === n;
      assert.ok(
        (await shown('area')).every((b) => b.opacity > 0.1),
        `${name}: every band shown before a click`,
      );
      const legendEntry = chart.locator('.role-legend-label text').first();
      await legendEntry.click();
      await w.page.waitForFunction(dimmedBands, [sel, (await bands.count()) / 2] as [string, number]);
      const lines = (await shown('line')).filter((l) => l.colour !== '#555'); // not the η panel's
      const kept = lines.find((l) => l.opacity === 1)?.colour;
      assert.ok(kept, `${name}: one series kept`);
      for (const l of lines) assert.equal(l.opacity === 1, l.colour === kept, `${name}: line ${JSON.stringify(l)}`);
      for (const b of await shown('area'))
        assert.equal(b.opacity > 0.1, b.colour === kept, `${name}: band ${JSON.stringify(b)}`);
      await legendEntry.click({ modifiers: ['Shift'] });
      await w.page.waitForFunction(dimmedBands, [sel, 0] as [string, number]);
      assert.ok(
        (await shown('line')).every((l) => l.opacity === 1),
        `${name}: every line shown again`,
      );

      // The wheel over a panel zooms the step axis: its labels change and the band is redrawn with
      // its line. A double-click puts the whole range back.
      const labels = async () => (await chart.locator('.role-axis-label text').allTextContents()).sort();
      const band = `${sel} .mark-area path`;
      const bandPath = () => bands.first().getAttribute('d');
      const [labels0, band0] = [await labels(), (await bandPath()) ?? ''];
      const box = (await chart.locator('.mark-line path').first().boundingBox())!;
      await w.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await w.page.mouse.wheel(0, -400);
      await w.page.waitForFunction(([s, d]) => document.querySelector(s)!.getAttribute('d') !== d, [band, band0]);
      assert.notDeepEqual(await labels(), labels0, `${name}: the step axis zoomed`);
      await w.page.mouse.dblclick(box.x + box.width / 2, box.y + box.height / 2);
      await w.page.waitForFunction(([s, d]) => document.querySelector(s)!.getAttribute('d') === d, [band, band0]);
      assert.deepEqual(await labels(), labels0, `${name}: the whole range back`);
    }
    assert.deepEqual(w.errors, []);
    assert.deepEqual(w.outside, []);
    await w.page.context().close();
  },
);
