// report.html opened in the real headless Chromium (test/browser.ts), from disk: no console errors,
// every chart of the report drawn by Vega, a tooltip on hovering a curve, legend toggles, step zoom,
// a table sorted by a header click, the dark theme, and no request leaving the page.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeReport } from '../../src/report/index.ts';
import { interactiveSpec, interactiveVega } from '../../src/report/interactive.ts';
import { scriptJson } from '../../src/report/html.ts';
import { curveAxis, curvesSpec, lrRangeSpec, overlaySpec, searchSpec, type VlSpec } from '../../src/report/charts.ts';
import { bandRows, withBands } from '../../src/report/repeats.ts';
import type { CurvePoint } from '../../src/engine/index.ts';
import { makeFixture, readModel, HOSTILE } from './fixture.ts';
import { NO_CHROMIUM, chartsSettled, closeBrowser, hoverCurve, newPage } from '../browser.ts';

const fx = makeFixture();
const out = await writeReport(fx.file, { runsDir: fx.runs, outDir: fx.out, pdf: false, readModel });
const html = readFileSync(out.html, 'utf8');
const chartNames = readFileSync(out.markdown, 'utf8')
  .match(/\(assets\/[^)]+\.svg\)/g)!
  .map((m) => m.slice(8, -5));
const fileUrl = pathToFileURL(out.html).href;
after(closeBrowser);

test('report.html is one file: the Vega runtime and the specs inline, no outside reference, hostile text escaped', () => {
  assert.equal(out.html, join(fx.out, 'tiny', 'report.html'));
  assert.match(html, /^\s*<!doctype html>/);
  assert.match(html, /\/\* vega 6\.\d+\.\d+ \(BSD-3-Clause/);
  assert.ok(
    !/<(script|link|img)[^>]+(src|href)="(https?:)?\/\//i.test(html),
    'no script, stylesheet or image from elsewhere',
  );
  assert.ok(!/src="assets\//.test(html), 'weight images are inlined');
  assert.ok(!html.includes('<script>alert(1)</script>'), 'the hostile description is escaped');
  assert.ok(
    html.includes(
      HOSTILE.replace(/</g, '&lt;')
        .replace(/>/g, '&gt;')
        .replace(/\*bold\*/, '<em>bold</em>')
        .slice(0, 10),
    ),
  );
  const specs = JSON.parse(/<script id="nnlab-charts" type="application\/json">([^<]*)<\/script>/.exec(html)![1]);
  assert.deepEqual(Object.keys(specs).sort(), [...chartNames].sort());
});

test('scriptJson cannot end its script element', () => {
  assert.equal(scriptJson({ a: '</script><!--' }), '{"a":"\\u003c/script>\\u003c!--"}');
});

test('interactive specs: the chart spec plus tooltips, legend toggles and zoom on the step axis', () => {
  const points = [0, 10, 20].map((step, i) => ({
    step,
    epoch: i,
    eta: 0.01,
    train: { loss: 1, cost: 1, accuracy: 0.5 },
    validation: { loss: 1, cost: 1, accuracy: 0.4 },
  }));
  const curves = interactiveSpec(curvesSpec(points, curveAxis('cyclic'))) as {
    params: { name: string; views: string[] }[];
    concat: { layer?: { mark: unknown; encoding: { tooltip?: { field: string }[] } }[] }[];
  };
  assert.deepEqual(
    curves.params.map((p) => p.name),
    ['legend', 'zoom'],
  );
  assert.deepEqual(curves.params[0].views, ['view_1', 'view_2', 'view_3']);
  assert.deepEqual(curves.params[1].views, ['view_1', 'view_2', 'view_3', 'view_4']);
  assert.deepEqual(
    curves.concat[0].layer![1].encoding.tooltip!.map((t) => t.field),
    ['split', 'x', 'value'],
  );
  // The search chart's x is λ, not the step: tooltips and legend, no zoom.
  const search = interactiveSpec(
    searchSpec([{ stage: 'c', value: 0.01, accuracy: 0.4 }], 'training.lambda', true, ['c']),
  ) as { params: { name: string }[] };
  assert.deepEqual(
    search.params.map((p) => p.name),
    ['legend'],
  );
});

/** Curves of `n` recorded points, shifted by `k` (another seed of the same setting). */
function curve(k: number, n = 6, eta = (i: number) => 0.01 * (i + 1)): CurvePoint[] {
  return Array.from({ length: n }, (_, i) => ({
    step: 10 * i,
    epoch: i / 2,
    eta: eta(i),
    train: { loss: 2 - i / 10 + k / 20, cost: 2.1 - i / 10, accuracy: 0.3 + i / 30 + k / 50 },
    validation: { loss: 2.1 - i / 12 + k / 20, cost: 2.2 - i / 12, accuracy: 0.28 + i / 35 + k / 40 },
  }));
}

/** Every combination of layers a report draws: each chart kind of charts.ts, with and without repeats' bands. */
function everyChartKind(): Record<string, VlSpec> {
  const step = curveAxis('cyclic');
  const epoch = curveAxis('constant');
  const runs = [curve(0), curve(1), curve(2)];
  const series = ['a', 'b'].map((variant, k) => ({ variant, points: curve(k) }));
  const bands = series.flatMap((s, k) =>
    bandRows([curve(k), curve(k + 1)], step, { variant: s.variant, split: 'validation' }),
  );
  const values = [0, 1, 2].flatMap((x) => ['p', 'q'].map((s) => ({ x, s, f: x % 2, v: x, lo: x - 1, hi: x + 1 })));
  const band = {
    mark: { type: 'area', opacity: 0.2 },
    encoding: {
      x: { field: 'x', type: 'quantitative' },
      y: { field: 'lo', type: 'quantitative' },
      y2: { field: 'hi' },
      color: { field: 's', type: 'nominal' },
    },
  };
  const line = {
    mark: 'line',
    encoding: {
      x: { field: 'x', type: 'quantitative' },
      y: { field: 'v', type: 'quantitative' },
      color: { field: 's', type: 'nominal' },
    },
  };
  return {
    curves: curvesSpec(curve(0), step),
    'curves, epoch axis, constant η': curvesSpec(
      curve(0, 6, () => 0.01),
      epoch,
    ),
    'curves with bands': withBands(curvesSpec(curve(1), step), bandRows(runs, step)),
    'curves with bands, epoch axis': withBands(curvesSpec(curve(1), epoch), bandRows(runs, epoch)),
    overlay: overlaySpec(series, step),
    'overlay with bands': withBands(overlaySpec(series, step), bands),
    'overlay of training curves': overlaySpec(
      series.map((s) => ({ ...s, points: s.points.map(({ validation: _, ...p }) => p) })),
      step,
    ),
    'search, log axis, two stages': searchSpec(
      [
        { stage: 'coarse', value: 1e-4, accuracy: 0.4 },
        { stage: 'fine', value: 1e-3, accuracy: 0.45 },
      ],
      'training.lambda',
      true,
      ['coarse', 'fine'],
    ),
    'search, linear axis': searchSpec([{ stage: 'c', value: 2, accuracy: 0.4 }], 'model.hidden', false, ['c']),
    'LR range test with bounds': lrRangeSpec(curve(0), { etaMin: 0.02, etaMax: 0.05 }),
    'LR range test without bounds': lrRangeSpec(curve(0), null),
    'facet of a band and its line': {
      data: { values },
      facet: { field: 'f', type: 'nominal' },
      spec: { layer: [band, line] },
    },
    'vconcat of layers': { data: { values }, vconcat: [{ layer: [band, line] }, { layer: [band, line] }] },
  };
}

test('interactive specs of every chart kind, with and without bands, parse and draw in Vega', async () => {
  const vega = await import('vega');
  const failed: string[] = [];
  for (const [kind, chart] of Object.entries(everyChartKind())) {
    try {
      const view = new vega.View(vega.parse((await interactiveVega(chart)) as never), { renderer: 'none' });
      await view.runAsync();
      if (!/<path/.test(await view.toSVG())) failed.push(`${kind}: nothing drawn`);
      view.finalize();
    } catch (err) {
      failed.push(`${kind}: ${(err as Error).message}`);
    }
  }
  assert.deepEqual(failed, []);
});

test('a band and its line: the legend and the zoom in one of them, the band dimmed by its fill with a line symbol', () => {
  const step = curveAxis('cyclic');
  const spec = interactiveSpec(withBands(curvesSpec(curve(1), step), bandRows([curve(0), curve(2)], step))) as {
    params: { name: string; views: string[] }[];
    concat: { layer?: VlSpec[] }[];
  };
  assert.deepEqual(
    spec.params.map((p) => [p.name, p.views]),
    [
      ['legend', ['view_1', 'view_2', 'view_3']],
      ['zoom', ['view_1', 'view_2', 'view_3', 'view_4']],
    ],
  );
  const [bandLayer, lineLayer] = spec.concat[0].layer! as {
    name?: string;
    mark: Record<string, unknown>;
    encoding: Record<string, { legend?: unknown; condition?: unknown; value?: unknown }>;
    layer?: { name?: string }[];
  }[];
  assert.equal(bandLayer.name, 'view_1', 'the band, first of its layer, carries both selections');
  assert.equal(lineLayer.layer![0].name, undefined, 'its line carries none');
  assert.equal(bandLayer.mark.opacity, undefined);
  assert.deepEqual(bandLayer.encoding.fillOpacity, { condition: { param: 'legend', value: 0.18 }, value: 0.0216 });
  assert.deepEqual(bandLayer.encoding.color.legend, { symbolType: 'stroke' });
  // A band that gives its faintness as a fill opacity keeps it when shown.
  const x = { field: 'x', type: 'quantitative' };
  const faint = interactiveSpec({
    layer: [
      {
        mark: 'area',
        encoding: {
          x,
          y: { field: 'lo' },
          y2: { field: 'hi' },
          color: { field: 's', type: 'nominal' },
          fillOpacity: { value: 0.3 },
        },
      },
      { mark: 'line', encoding: { x, y: { field: 'v' }, color: { field: 's', type: 'nominal' } } },
    ],
  }) as { layer: { encoding: Record<string, unknown> }[] };
  assert.deepEqual(faint.layer[0].encoding.fillOpacity, { condition: { param: 'legend', value: 0.3 }, value: 0.036 });
});

test(
  'in Chromium from disk: every chart drawn, no console error, no request leaves the page',
  { skip: NO_CHROMIUM },
  async () => {
    const w = await newPage((url) => url === fileUrl);
    await w.page.goto(fileUrl);
    const charts = await chartsSettled(w.page);
    assert.deepEqual(charts.map((c) => c.name).sort(), [...chartNames].sort());
    for (const c of charts) {
      assert.ok(c.rendered, `${c.name} failed: ${c.error}`);
      assert.ok(c.marks > 0, `${c.name} has no marks`);
    }
    assert.deepEqual(w.errors, []);
    assert.deepEqual(w.outside, []);
    assert.deepEqual(w.requests, [fileUrl]);
    await w.page.context().close();
  },
);

test(
  'in Chromium: a tooltip with the values on hovering a curve; legend toggles; wheel zooms the step axis',
  { skip: NO_CHROMIUM },
  async () => {
    const w = await newPage((url) => url === fileUrl);
    await w.page.goto(fileUrl);
    await chartsSettled(w.page);
    const tip = await hoverCurve(w.page, '.chart[data-chart="curves-plain"]');
    assert.ok(tip, 'a tooltip appeared');
    assert.match(tip!, /^split(training|validation)epoch[\d.]+cost[\d.]+$/);

    // A click on a legend entry dims the other series.
    const chart = w.page.locator('.chart[data-chart="curves-plain"]');
    const opacities = () =>
      chart.locator('.mark-line path').evaluateAll((ps) => ps.map((p) => p.getAttribute('opacity') ?? '1'));
    assert.ok((await opacities()).every((o) => o === '1'));
    await chart.locator('.role-legend-label text').first().click();
    await w.page.waitForTimeout(200);
    assert.ok(
      (await opacities()).some((o) => Number(o) < 0.5),
      'some series dimmed',
    );

    // The wheel over a panel zooms its x (step) axis: the axis labels change.
    const labels = () => chart.locator('.role-axis-label text').allTextContents();
    const before = await labels();
    const box = (await chart.locator('.mark-line path').first().boundingBox())!;
    await w.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await w.page.mouse.wheel(0, -400);
    await w.page.waitForTimeout(300);
    assert.notDeepEqual(await labels(), before);
    assert.deepEqual(w.errors, []);
    await w.page.context().close();
  },
);

test(
  'in Chromium: a header click sorts its table, numerically, and again reverses it',
  { skip: NO_CHROMIUM },
  async () => {
    const w = await newPage((url) => url === fileUrl);
    await w.page.goto(fileUrl);
    // The search stage's ranked table: trial, λ, validation accuracy, …
    const table = w.page.locator('table', { has: w.page.locator('th', { hasText: 'validation acc' }) }).first();
    const column = async (i: number) => table.locator(`tbody tr td:nth-child(${i})`).allTextContents();
    const headers = await table.locator('thead th').allTextContents();
    const lambda = headers.findIndex((h) => h.trim() === 'λ') + 1;
    assert.ok(lambda > 0, `a λ column in ${headers.join(' | ')}`);
    await table.locator(`thead th:nth-child(${lambda})`).click();
    const up = (await column(lambda)).map(Number);
    assert.deepEqual(
      up,
      [...up].sort((a, b) => a - b),
    );
    assert.equal(await table.locator(`thead th:nth-child(${lambda})`).getAttribute('aria-sort'), 'ascending');
    await table.locator(`thead th:nth-child(${lambda})`).click();
    const down = (await column(lambda)).map(Number);
    assert.deepEqual(down, [...up].reverse());
    assert.equal(await table.locator(`thead th:nth-child(${lambda})`).getAttribute('aria-sort'), 'descending');
    await w.page.context().close();
  },
);

test(
  'in Chromium: the dark theme follows the system, charts drawn on a dark background',
  { skip: NO_CHROMIUM },
  async () => {
    const w = await newPage((url) => url === fileUrl, { colorScheme: 'dark' });
    await w.page.goto(fileUrl);
    const charts = await chartsSettled(w.page);
    assert.ok(charts.every((c) => c.rendered));
    assert.equal(
      await w.page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor),
      'rgb(22, 24, 29)',
    );
    assert.equal(
      await w.page
        .locator('.chart .vega svg')
        .first()
        .evaluate((svg) => svg.style.backgroundColor),
      'rgb(22, 24, 29)',
    );
    assert.deepEqual(w.errors, []);
    await w.page.context().close();
  },
);
