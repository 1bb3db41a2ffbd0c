// report.html opened in the real headless Chromium (test/browser.ts), from disk: no console errors,
// every chart of the report drawn by Vega, a tooltip on hovering a curve, legend toggles, step zoom,
// a table sorted by a header click, the dark theme, and no request leaving the page.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeReport } from '../../src/report/index.ts';
import { interactiveSpec } from '../../src/report/interactive.ts';
import { scriptJson } from '../../src/report/html.ts';
import { curveAxis, curvesSpec, searchSpec } from '../../src/report/charts.ts';
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
