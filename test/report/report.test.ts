// The report from a small stored run (test/report/fixture.ts): exact table rows, charts with their
// axis titles and series, escaping, trials not run yet, no stored runs, byte-identical output, and
// the PDF read back with poppler (skipped with a reason where Chromium is absent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { inflateSync } from 'node:zlib';
import { writeReport, NoRunsError } from '../../src/report/index.ts';
import { renderHtml } from '../../src/report/render.ts';
import { md, num } from '../../src/report/format.ts';
import { stableIds } from '../../src/report/charts.ts';
import { chooseLrBounds } from '../../src/runner/lr-range.ts';
import { encodePng, weightImages } from '../../src/report/weights.ts';
import { CHROMIUM } from '../../src/report/pdf.ts';
import { makeFixture, readModel, HOSTILE } from './fixture.ts';

const render = async (fx: ReturnType<typeof makeFixture>, out = fx.out, pdf = false) =>
  writeReport(fx.file, { runsDir: fx.runs, outDir: out, pdf, readModel });

const full = makeFixture();
const fullOut = await render(full);
const report = readFileSync(fullOut.markdown, 'utf8');
const assets = join(full.out, 'tiny', 'assets');

test('gradient check table: one row per network and tensor', () => {
  assert.ok(
    report.includes(
      [
        '| network | tensor | max relative error | mean relative error | max absolute error |',
        '|:---|:---|---:|---:|---:|',
        '| 1-layer | W1 | 3.20e-7 | 4.50e-8 | 1.10e-9 |',
        '| 1-layer | b1 | 1.25e-7 | 2.00e-8 | 6.00e-10 |',
      ].join('\n'),
    ),
    report,
  );
  assert.match(
    report,
    /The largest relative error is 3\.20e-7 \(W1 of the 1-layer network\): every relative error is below 1\.00e-6\./,
  );
});

test('search table is ranked by validation accuracy and states its range', () => {
  assert.ok(
    report.includes(
      [
        '| rank | λ | validation acc. | test acc. | time |  |',
        '|---:|---:|---:|---:|---:|:---|',
        '| 1 | 0.001 | 39.34% | 39.21% | 6.50 s |  |',
        '| 2 | 0.01 | 38.76% | 38.55% | 7.50 s |  |',
        '| 3 | 1e-4 | 38.12% | 37.99% | 5.50 s |  |',
      ].join('\n'),
    ),
    report,
  );
  assert.ok(report.includes('λ: a grid of 3 values from \\[1e-4, 0.01\\].'));
  assert.ok(report.includes('Best: λ = 0.001 with 39.34% validation accuracy.'));
});

test('results table, hyperparameters and findings computed from the numbers', () => {
  assert.ok(
    report.includes(
      [
        '| run | training acc. | validation acc. | test acc. | time | status |',
        '|:---|---:|---:|---:|---:|:---|',
        '| plain | 45.00% | 39.00% | 38.81% | 2.50 s | ok |',
        '| reg | 41.00% | 38.50% | 39.02% | 3.50 s | ok |',
        '| final (λ = 0.001) | 47.00% | 40.11% | 39.87% | 21.5 s | ok |',
      ].join('\n'),
    ),
    report,
  );
  assert.ok(
    report.includes(
      '| plain | none | no | N(0, 0.01²) | 0 | 100 | constant | 0.01 | – | 200 | – | 2 | 10000 / 10000 |',
    ),
  );
  assert.ok(
    report.includes(
      '| final | none | no | N(0, 0.01²) | 0.001 | 100 | constant | 0.01 | – | 300 | – | 3 | 10000 / 10000 |',
    ),
  );
  assert.ok(
    report.includes(
      '- Test accuracy was 38.81% at λ = 0 and 39.02% at λ = 0.1: +0.21 points (one run each): no noise estimate.',
    ),
  );
  assert.ok(
    report.includes('The highest test accuracy, 39.87%, came from final (λ = 0.001); the lowest, 38.81%, from plain.'),
  );
  assert.ok(report.includes('**Data.** CIFAR-10 (JPEG q75 copy, archive md5 2e508a…).'));
  assert.match(report, /\| runs made \| 2025-01-01T10:00:00\.000Z … 2025-01-03T10:05:0\d\.000Z \|/);
  // Trials stored before the BLAS was recorded still render, and say so.
  assert.ok(
    report.includes(
      '| BLAS | OpenBLAS 0.3.21, Cooperlake kernels (chosen by nnlab: AVX-512 with BF16); not recorded |',
    ),
    report,
  );
});

test('charts: an SVG and its Vega spec per chart, with axis titles and series', () => {
  const files = readdirSync(assets).sort();
  for (const name of [
    'curves-plain',
    'curves-reg',
    'curves-final',
    'group-settings',
    'lr-range-range',
    'search-training_lambda',
  ]) {
    assert.ok(files.includes(`${name}.svg`), name);
    assert.ok(files.includes(`${name}.vg.json`), name);
    JSON.parse(readFileSync(join(assets, `${name}.vg.json`), 'utf8'));
    assert.ok(report.includes(`](assets/${name}.svg)`), name);
  }
  const svg = (n: string) => readFileSync(join(assets, `${n}.svg`), 'utf8');
  for (const t of ['epoch', 'cost', 'loss', 'accuracy', 'learning rate η', 'training', 'validation'])
    assert.ok(svg('curves-plain').includes(`>${t}<`), t);
  for (const t of ['validation loss', 'validation accuracy', 'plain', 'reg'])
    assert.ok(svg('group-settings').includes(`>${t}<`), t);
  for (const t of ['λ (log scale)', 'validation accuracy', 'coarse'])
    assert.ok(svg('search-training_lambda').includes(`>${t}<`), t);
  for (const t of ['learning rate η (log scale)', 'accuracy against η'])
    assert.ok(svg('lr-range-range').includes(`>${t}<`), t);
  assert.match(svg('lr-range-range'), />η_min = [0-9.e-]+</);
  assert.match(report, /the rule gives η\\_min = [0-9.e-]+ and η\\_max = [0-9.e-]+\./);
  // Ids are per chart, so charts inlined into one page never clash.
  for (const f of files.filter((f) => f.endsWith('.svg')))
    for (const [, id] of svg(f.slice(0, -4)).matchAll(/ id="([^"]+)"/g))
      assert.ok(id.startsWith(f.slice(0, -4) + '-'), id);
});

test('weights: ten PNG images per one-layer variant, in class order', () => {
  for (const c of ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']) {
    const png = readFileSync(join(assets, `weights-plain-${c}.png`));
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(report.includes(`![${c}](assets/weights-plain-${c}.png)`));
  }
});

test('hostile config strings are escaped in Markdown and in the HTML', () => {
  assert.ok(!report.includes('<script>'));
  assert.ok(report.includes('Tiny \\| &lt;script&gt;alert(1)&lt;/script&gt; \\*bold\\* \\_it\\_'));
  assert.ok(report.includes('### with λ \\| 0.1'));
  const html = renderHtml(report, HOSTILE, new Map());
  assert.ok(!/<script>/i.test(html));
  assert.ok(html.includes('Tiny | &lt;script&gt;alert(1)&lt;/script&gt; *bold* _it_'));
  assert.ok(html.includes(`<title>Tiny | &lt;script&gt;`));
  assert.equal(md('a|b<c>*d*_e_[f]`g`'), 'a\\|b&lt;c&gt;\\*d\\*\\_e\\_\\[f\\]\\`g\\`');
});

test('same stored results give byte-identical Markdown, SVG, Vega specs and PNG', async () => {
  const again = join(full.dir, 'again');
  await render(full, again);
  const a = join(full.out, 'tiny');
  const b = join(again, 'tiny');
  assert.equal(readFileSync(join(b, 'report.md'), 'utf8'), report);
  const files = readdirSync(join(a, 'assets')).sort();
  assert.deepEqual(readdirSync(join(b, 'assets')).sort(), files);
  for (const f of files) assert.ok(readFileSync(join(a, 'assets', f)).equals(readFileSync(join(b, 'assets', f))), f);
});

test('trials not run yet are marked, and derived stages wait', async () => {
  const fx = makeFixture({ skip: ['variant/reg', 'search/coarse/02'] });
  const out = await render(fx);
  const text = readFileSync(out.markdown, 'utf8');
  assert.deepEqual(out.missing, ['variant/reg', 'search/coarse/02', 'final']);
  assert.ok(text.includes('> **Incomplete: 3 trials not run yet** (variant/reg, search/coarse/02, final).'), text);
  assert.ok(text.includes('| reg | – | – | – | – | not run yet |'));
  assert.ok(text.includes('| – | 0.001 | not run yet |  |  |  |'));
  assert.ok(text.includes('*reg: not run yet.*'));
  assert.ok(text.includes('| variant/reg | variant | – | not run yet |  |  |'));
  assert.ok(
    text.includes(
      'The final network retrains the best trial of the last search stage once it has finished; not run yet.',
    ),
  );
  assert.ok(!existsSync(join(fx.out, 'tiny', 'assets', 'curves-reg.svg')));
});

test('no stored runs: a clear error, and the CLI exits 1 naming nnlab run', async () => {
  const fx = makeFixture({ stored: false });
  await assert.rejects(
    render(fx),
    (err: Error) =>
      err instanceof NoRunsError &&
      err.message.includes(`nnlab run ${fx.file}`) &&
      err.message.startsWith('no stored runs for "tiny"'),
  );
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'report', fx.file, '--no-pdf'], {
    env: { ...process.env, NNLAB_RUNS: fx.runs },
    encoding: 'utf8',
  });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /^nnlab: no stored runs for "tiny" in .*; train them first with: nnlab run .*tiny\.yaml\n$/);
});

test('the CLI renders from NNLAB_RUNS, reports missing trials on stderr, and rejects bad usage', () => {
  const fx = makeFixture({ skip: ['variant/plain'] });
  rmSync(join(fx.dir, 'reports'), { recursive: true, force: true });
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'report', fx.file, '--no-pdf'], {
    env: { ...process.env, NNLAB_RUNS: fx.runs },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /nnlab: 1 trial is not run yet \(marked in the report\): variant\/plain;/);
  assert.ok(existsSync(join(fx.dir, 'reports', 'tiny', 'report.md')));
  assert.ok(!existsSync(join(fx.dir, 'reports', 'tiny', 'report.pdf')));
  const bad = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'report'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^nnlab: report: give one experiment file/);
});

test('a failed render leaves the previous report intact', async () => {
  const fx = makeFixture();
  await render(fx);
  const before = readFileSync(join(fx.out, 'tiny', 'report.md'), 'utf8');
  await assert.rejects(
    writeReport(fx.file, {
      runsDir: fx.runs,
      outDir: fx.out,
      pdf: false,
      readModel: () => {
        throw new Error('corrupt model');
      },
    }),
    /corrupt model/,
  );
  assert.equal(readFileSync(join(fx.out, 'tiny', 'report.md'), 'utf8'), before);
  assert.deepEqual(readdirSync(fx.out), ['tiny']);
});

test('the repository experiments render with every section of their kind', async () => {
  for (const [name, headings] of [
    ['assignment1', ['## Gradient check', '## Training', '## Results', 'Learnt weights, one image per class']],
    [
      'assignment2',
      [
        '## Training with cyclical learning rates',
        '## LR range test',
        '## Coarse-to-fine search for λ',
        '### Stage "fine"',
        '## Final network',
      ],
    ],
    [
      'assignment3-bn',
      [
        '## Gradient checks',
        '## Architecture: with and without batch normalization',
        '## Search for λ',
        '## Final network',
        '## Sensitivity to initialization',
        'batch normalization raised the 9-layer network',
        '| σ = 1e-4 |',
      ],
    ],
  ] as const) {
    const fx = makeFixture({ source: `experiments/${name}.yaml` });
    const text = readFileSync((await render(fx)).markdown, 'utf8');
    for (const h of headings) {
      if (h.startsWith('batch normalization raised'))
        // A difference beyond the noise raises or lowers; one within it is said as the two accuracies.
        assert.match(
          text,
          /[Bb]atch normalization (raised|lowered|left) the 9-layer network|9-layer network's (test|validation) accuracy was .* without batch normalization and .* with it: /,
        );
      else assert.ok(text.includes(h), `${name}: ${h}`);
    }
    assert.ok(!text.includes('not run yet'), name);
  }
});

test('units: number formats, stable ids, LR range rule, PNG encoder and the channel-planar layout', () => {
  assert.deepEqual([0, 0.001, 1e-5, 3.162e-4, 0.1, 12, 2.5e-7].map(num), [
    '0',
    '0.001',
    '1e-5',
    '3.162e-4',
    '0.1',
    '12',
    '2.5e-7',
  ]);
  assert.equal(
    stableIds('<clipPath id="clip7"/><g clip-path="url(#clip7)"/><use href="#clip7"/>', 'c'),
    '<clipPath id="c-1"/><g clip-path="url(#c-1)"/><use href="#c-1"/>',
  );
  const pts = [0.1, 0.1, 0.12, 0.2, 0.3, 0.38, 0.32, 0.2, 0.2].map((a, i) => ({
    step: i,
    epoch: i,
    eta: (i + 1) / 100,
    train: { loss: 2, cost: 2, accuracy: a },
    validation: { loss: 2, cost: 2, accuracy: a },
  }));
  const b = chooseLrBounds(pts)!;
  assert.equal(b.etaMin, 0.04);
  assert.equal(b.etaMax, 0.06);
  // Pixel (row 0, column 1) of class 1 takes R, G, B from W[1][1], W[1][1025], W[1][2049].
  const W = new Float32Array(10 * 3072);
  W[3072 + 1] = 1;
  W[3072 + 1025] = 0.5;
  W[3072 + 2049] = 0;
  W[3072 + 5] = -1;
  const im = weightImages(W, 10, 3072, 1)![1];
  const png = im.png;
  const idat = png.subarray(png.indexOf('IDAT') + 4, png.indexOf('IEND') - 8);
  const raw = inflateSync(idat);
  assert.equal(raw.length, (32 * 3 + 1) * 32);
  assert.deepEqual([...raw.subarray(1 + 3, 1 + 6)], [255, 191, 128]);
  assert.equal(encodePng(1, 1, new Uint8Array([1, 2, 3])).readUInt32BE(16), 1);
});

test(
  'PDF: tables and axis titles are text, pages render',
  { skip: existsSync(CHROMIUM) ? false : `Chromium not installed at ${CHROMIUM} (npm run setup installs it)` },
  async () => {
    const fx = makeFixture();
    const out = await render(fx, fx.out, true);
    assert.ok(out.pdf && existsSync(out.pdf));
    const text = execFileSync('pdftotext', ['-layout', out.pdf, '-'], { encoding: 'utf8' });
    for (const t of [
      'A tiny report',
      '39.34%',
      'max relative error',
      'validation accuracy',
      'learning rate η (log scale)',
      'update step',
      'config hash',
    ])
      assert.ok(text.includes(t), t);
    assert.ok(
      !text.includes('<script>alert') || text.includes('Tiny | <script>alert(1)</script>'),
      'the hostile description shows as text',
    );
    const prefix = join(fx.dir, 'page');
    execFileSync('pdftoppm', ['-png', '-r', '30', out.pdf, prefix]);
    const pages = readdirSync(fx.dir).filter((f) => f.startsWith('page') && f.endsWith('.png'));
    assert.ok(pages.length >= 3, `${pages.length} pages`);
  },
);
