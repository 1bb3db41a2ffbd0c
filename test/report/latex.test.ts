// report.tex and the PNG figures (src/report/latex/, figures.ts, formats.ts): the escaping of
// LaTeX's specials by exact text; and a small Fashion-MNIST experiment with repeats, groups, a
// search, a final network and learnt weights, trained for real, whose report.tex compiles with
// pdflatex without overfull lines, shows the tables' numbers and names every file it includes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEBIAN_FASHION_MNIST } from '../../src/data/index.ts';
import { CHROMIUM } from '../../src/report/pdf.ts';
import { mdToTex, tex } from '../../src/report/latex/escape.ts';
import { printedWidthCm, TEXT_WIDTH_CM } from '../../src/report/latex/render.ts';
import { svgSize, withDpi, PNG_DPI } from '../../src/report/figures.ts';
import { parseFormats } from '../../src/report/formats.ts';
import { encodePng } from '../../src/report/weights.ts';
import { writeReport } from '../../src/report/index.ts';
import { repoRoot, tempDir } from '../data/fixtures.ts';

const NO_DATA = existsSync(DEBIAN_FASHION_MNIST)
  ? false
  : `${DEBIAN_FASHION_MNIST} absent (apt-get install dataset-fashion-mnist)`;
const NO_CHROMIUM = existsSync(CHROMIUM) ? false : `Chromium absent at ${CHROMIUM} (npm run setup)`;
const NO_PDFLATEX = spawnSync('pdflatex', ['--version']).error
  ? 'pdflatex absent (apt-get install texlive-latex-base texlive-latex-recommended, as npm run setup does)'
  : false;
const NO_POPPLER = spawnSync('pdftotext', ['-v']).error ? 'pdftotext absent (apt-get install poppler-utils)' : false;

/** Every special of LaTeX, as a user may type it in a title or a description. */
const SPECIALS = '_ % & # $ { } ~ ^ \\';

test('tex escapes every LaTeX special, maps the report symbols to commands, and replaces what pdflatex cannot print', () => {
  assert.equal(
    tex(SPECIALS),
    '\\_ \\% \\& \\# \\ensuremath{\\$} \\{ \\} \\textasciitilde{} \\textasciicircum{} \\textbackslash{}',
  );
  assert.equal(tex('a<b>c|d'), 'a\\textless{}b\\textgreater{}c\\textbar{}d');
  assert.equal(
    tex('59.25% ± 0.11, λ = 1e-5 – 0.1, 1/√n, N(0, σ²)'),
    '59.25\\% \\ensuremath{\\pm} 0.11, \\ensuremath{\\lambda} = 1e-5 -- 0.1, 1/\\ensuremath{\\surd}n, N(0, \\ensuremath{\\sigma}\\ensuremath{^2})',
  );
  assert.equal(tex('a--b ``q'), 'a-{}-b `{}`q');
  assert.equal(tex('café ☃\nnext'), 'café ? next');
  assert.equal(
    tex('variant/a/r2 dataset.validation 0.001'),
    'variant/\\allowbreak{}a/\\allowbreak{}r2 dataset.\\allowbreak{}validation 0.001',
  );
});

test("mdToTex turns the report's escaped Markdown into LaTeX: escapes undone once, emphasis kept, subscripts as math", () => {
  assert.equal(
    mdToTex('data\\_batch\\_1 &amp; &lt;b&gt; \\[1, 2\\] \\|x\\| 100%'),
    'data\\_batch\\_1 \\& \\textless{}b\\textgreater{} [1, 2] \\textbar{}x\\textbar{} 100\\%',
  );
  assert.equal(
    mdToTex('**Data.** *it* `nnlab run a_b.yaml`'),
    '\\textbf{Data.} \\emph{it} \\texttt{nnlab run a\\_b.\\allowbreak{}yaml}',
  );
  assert.equal(
    mdToTex('η\\_min = 0.0073, n\\_s = 500'),
    '\\ensuremath{\\eta_{\\min}} = 0.0073, \\ensuremath{n_s} = 500',
  );
  assert.equal(mdToTex('\\_ % &amp; \\# $ { } \\~ ^ \\\\'), tex(SPECIALS));
});

test('--format takes a comma list or repeats; the default is md, html and pdf; anything else is one line', () => {
  assert.deepEqual([...parseFormats(undefined)], ['md', 'html', 'pdf']);
  assert.deepEqual([...parseFormats(['md,tex', 'png'])], ['md', 'tex', 'png']);
  assert.throws(() => parseFormats(['md,docx']), {
    name: 'UsageError',
    message:
      'report: --format takes md, html, pdf, tex, png, as a comma list or repeated (e.g. --format md,tex); got "docx" in "md,docx"',
  });
});

test('a chart prints at its natural size (96 px/in) up to the text width; its PNG records 300 dpi', () => {
  assert.equal(printedWidthCm(480), 12.7);
  assert.equal(printedWidthCm(1639), TEXT_WIDTH_CM);
  assert.deepEqual(svgSize('<svg xmlns="x" width="702" height="473.5" viewBox="0 0 702 473">'), {
    width: 702,
    height: 473.5,
  });
  const png = withDpi(encodePng(2, 1, new Uint8Array(6)), PNG_DPI);
  assert.equal(png.toString('ascii', 37, 41), 'pHYs');
  assert.equal(png.readUInt32BE(41), 11811);
  assert.equal(png.readUInt32BE(45), 11811);
  assert.equal(png[49], 1);
});

const YAML = `name: latex_tiny
title: 'Specials ${SPECIALS} in a title'
description: 'A tiny run whose texts hold every LaTeX special: 100% of ${SPECIALS} and ± λ.'
seed: 1
repeats: 2
preprocess: standardize
dataset:
  source: fashion_mnist
  train: [train]
  validation: { holdout: 1000 }
  test: [test]
  subsample: 5000
model: { hidden: [16], init: he }
training: { batch_size: 100, lambda: 0.001, cycles: 1 }
schedule: { kind: cyclic, eta_min: 1.0e-5, eta_max: 1.0e-1, step_size_epochs: 1 }
record: { per_cycle: 4, subset: 1000 }
variants:
  - { group: 'norm & #1 {$}', name: no_bn, description: 'without BN: 50% & more_than ~ ^', set: { model.batch_norm: false } }
  - { group: 'norm & #1 {$}', name: with_bn, set: { model.batch_norm: true } }
  - { group: linear, name: linear_1, description: 'one layer {x}', set: { model.hidden: [] } }
searches:
  - { name: coarse_1, variant: no_bn, kind: grid, param: training.lambda, distribution: log_uniform, range: [1.0e-4, 1.0e-2], trials: 2 }
final: { from: coarse_1 }
report: { kind: generic, weights: true }
`;

/** A PNG's width and height from its IHDR chunk (after the 8-byte signature). */
function ihdr(file: string): { width: number; height: number } {
  const b = readFileSync(file);
  assert.deepEqual([...b.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], `${file}: not a PNG`);
  assert.equal(b.toString('ascii', 12, 16), 'IHDR');
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

test(
  'report.tex of a small trained experiment compiles with pdflatex, without overfull lines, with every number of its tables and every file it includes',
  { skip: NO_DATA || NO_CHROMIUM || NO_PDFLATEX || NO_POPPLER, timeout: 600_000 },
  async () => {
    const dir = tempDir('nnlab-latex-');
    mkdirSync(join(dir, 'experiments'));
    const file = join(dir, 'experiments', 'latex_tiny.yaml');
    writeFileSync(file, YAML);
    const runs = join(dir, 'runs');
    const train = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'src', 'cli', 'main.ts'), 'run', file, '--no-report'],
      {
        env: { ...process.env, NNLAB_RUNS: runs },
        cwd: repoRoot,
        encoding: 'utf8',
      },
    );
    assert.equal(train.status, 0, train.stdout + train.stderr);

    const out = await writeReport(file, {
      runsDir: runs,
      outDir: join(dir, 'reports'),
      formats: new Set(['md', 'tex', 'png']),
    });
    const folder = join(dir, 'reports', 'latex_tiny');
    assert.equal(out.tex, join(folder, 'report.tex'));
    assert.equal(out.html, '');
    assert.equal(out.pdf, null);
    assert.ok(!existsSync(join(folder, 'report.html')) && !existsSync(join(folder, 'report.pdf')));
    const source = readFileSync(out.tex!, 'utf8');

    // Every file report.tex includes exists: a PDF per chart, the weight images as PNG.
    const included = [...source.matchAll(/\\includegraphics(?:\[[^\]]*\])?\{([^}]+)\}/g)].map((m) => m[1]);
    const charts = readdirSync(join(folder, 'assets')).filter((f) => f.endsWith('.svg'));
    assert.ok(charts.length >= 5, `charts: ${charts.join(', ')}`);
    for (const svg of charts)
      assert.ok(included.includes(`assets/${svg.replace(/\.svg$/, '.pdf')}`), `${svg} not in report.tex`);
    assert.ok(
      included.some((f) => /^assets\/weights-linear-1-.*\.png$/.test(f)),
      'weight images not in report.tex',
    );
    for (const f of included) assert.ok(existsSync(join(folder, f)), `report.tex includes ${f}, which does not exist`);
    assert.ok(source.includes('YOUR DISCUSSION'));

    const latex = () =>
      spawnSync('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', 'report.tex'], {
        cwd: folder,
        encoding: 'utf8',
      });
    const first = latex();
    assert.equal(first.status, 0, first.stdout.slice(-3000));
    const second = latex();
    assert.equal(second.status, 0, second.stdout.slice(-3000));
    const log = readFileSync(join(folder, 'report.log'), 'latin1');
    assert.deepEqual(log.match(/^Overfull \\hbox.*$/gm), null, 'overfull lines');
    assert.doesNotMatch(log, /undefined references|Reference `[^']*' on page \d+ undefined/);

    // The text of the PDF: the title with all specials, and every number of every table of report.md.
    const text = spawnSync('pdftotext', [join(folder, 'report.pdf'), '-'], { encoding: 'utf8' }).stdout.replace(
      /\s+/g,
      ' ',
    );
    assert.ok(text.includes(`Specials ${SPECIALS.replace('~', '˜').replace('^', 'ˆ')} in a title`), text.slice(0, 300));
    assert.ok(text.includes('without BN: 50% & more_than ˜ ˆ'));
    const markdown = readFileSync(out.markdown, 'utf8');
    const numbers = new Set<string>();
    for (const line of markdown.split('\n'))
      if (line.startsWith('| ') && !/^\|[-:| ]+\|$/.test(line))
        for (const m of line.matchAll(/\d+(?:\.\d+)?(?:e[-+]?\d+)?%?/g)) numbers.add(m[0]);
    assert.ok(numbers.size > 50, `only ${numbers.size} numbers in the tables`);
    const absent = [...numbers].filter((n) => !text.includes(n));
    assert.deepEqual(absent, [], 'numbers of report.md tables missing from the compiled PDF');
    assert.match(text, /± 0\.\d\d \(n = 2\)/);

    // The PNG figures: one per chart, PNG_DPI at the printed width, the chart's aspect ratio.
    for (const svg of charts) {
      const { width, height } = svgSize(readFileSync(join(folder, 'assets', svg), 'utf8'));
      const png = ihdr(join(folder, 'assets', svg.replace(/\.svg$/, '.png')));
      const inches = printedWidthCm(width) / 2.54;
      assert.equal(png.width, Math.round(inches * PNG_DPI), svg);
      assert.ok(
        Math.abs(png.height - (height * png.width) / width) <= 1,
        `${svg}: ${png.width}×${png.height} for ${width}×${height}`,
      );
    }
  },
);
