// Repeats and the LR range hand-over end to end, with real worker processes on a small learnable
// set: every repeat is an ordinary stored trial with its derived seed, a rerun trains nothing, the
// variant that takes its η bounds from the LR range test trains with the bounds chosen from the
// stored curve (recorded in its config.json), and the report prints mean ± sd (n) computed from
// the stored results, the mean curve with a band, and the hand-over.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataHome, experimentFile, readPlan, runToEnd, summaryLine, tempDir, trialsDir } from './fixtures.ts';
import { repeatSeed } from '../../src/config/repeats.ts';
import { chooseLrBounds } from '../../src/runner/lr-range.ts';
import { spread } from '../../src/runner/repeat-stats.ts';
import { writeReport } from '../../src/report/index.ts';
import type { CurvePoint } from '../../src/engine/index.ts';

const EXPERIMENT = `name: runner-e2e
seed: 7
repeats: 3
dataset: { source: mnist, train: [train], validation: { holdout: 100 }, test: [test] }
preprocess: standardize
model: { hidden: [16], init: he }
training: { batch_size: 20, lambda: 0.001, cycles: 1 }
schedule: { kind: cyclic, eta_min: 1.0e-4, eta_max: 1.0e-1, step_size: 60 }
record: { subset: 0 }
variants:
  - name: range
    repeats: 1
    set: { schedule: { kind: lr_range, eta_min: 1.0e-4, eta_max: 0.5 }, training.steps: 600 }
  - name: plain
    set: {}
  - name: tuned
    set: { schedule.from: range }
report: { kind: generic, pdf: false }
`;

let data: string;
before(() => {
  data = dataHome();
});

test('repeats are stored trials with derived seeds, cached on rerun; the LR range test hands its bounds over; the report shows mean ± sd', async () => {
  const file = experimentFile(EXPERIMENT);
  const runs = tempDir('nnlab-repeats-runs-');
  const env = { NNLAB_DATA: data, NNLAB_RUNS: runs };
  const first = await runToEnd(file, env);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, new RegExp(`^${summaryLine(7, 7, 0)}$`, 'm'));
  const again = await runToEnd(file, env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`^${summaryLine(7, 0, 7)}$`, 'm'), 'every repeat is cached like any trial');

  const plan = readPlan(runs);
  assert.deepEqual(plan.pending, []);
  const hashOf = new Map(plan.trials.map((t) => [t.id, t.hash]));
  assert.deepEqual(
    [...hashOf.keys()],
    [
      'variant/range',
      'variant/plain',
      'variant/plain/r2',
      'variant/plain/r3',
      'variant/tuned',
      'variant/tuned/r2',
      'variant/tuned/r3',
    ],
  );
  const read = (id: string, f: string) => readFileSync(join(trialsDir(runs), hashOf.get(id)!, f), 'utf8');
  const config = (id: string) => JSON.parse(read(id, 'config.json'));
  const result = (id: string) => JSON.parse(read(id, 'result.json'));
  assert.deepEqual(
    ['variant/plain', 'variant/plain/r2', 'variant/plain/r3'].map((id) => config(id).seed),
    [7, repeatSeed(7, 2), repeatSeed(7, 3)],
  );

  // The hand-over: bounds chosen from the stored curve of the test, rounded to two digits.
  const curve: CurvePoint[] = read('variant/range', 'curves.jsonl')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const bounds = chooseLrBounds(curve)!;
  assert.ok(bounds, 'the LR range test of a learnable set gives bounds');
  for (const id of ['variant/tuned', 'variant/tuned/r2', 'variant/tuned/r3']) {
    const s = config(id).schedule;
    assert.equal(s.from, 'range');
    assert.equal(s.eta_min, Number(bounds.etaMin.toPrecision(2)));
    assert.equal(s.eta_max, Number(bounds.etaMax.toPrecision(2)));
  }

  // The report: mean ± sd (n) of the stored results, the band, the hand-over.
  const out = tempDir('nnlab-repeats-report-');
  const rep = await writeReport(file, { runsDir: runs, outDir: out, pdf: false });
  const md = readFileSync(rep.markdown, 'utf8');
  const cell = (ids: string[], pick: (r: { final: { test: { accuracy: number } } }) => number) => {
    const s = spread(ids.map((id) => pick(result(id))))!;
    return `${(s.mean * 100).toFixed(2)}% ± ${(s.sd * 100).toFixed(2)} (n = 3)`;
  };
  const plainTest = cell(['variant/plain', 'variant/plain/r2', 'variant/plain/r3'], (r) => r.final.test.accuracy);
  const tunedTest = cell(['variant/tuned', 'variant/tuned/r2', 'variant/tuned/r3'], (r) => r.final.test.accuracy);
  const row = md.split('\n').find((l) => l.startsWith('| plain |') && l.includes('(n = 3)'));
  assert.ok(row, md);
  assert.equal(row!.split(' | ')[3], plainTest, row);
  assert.ok(md.includes(tunedTest), tunedTest);
  assert.ok(md.includes('(mean of 3 seeds, band ±1 sd)'), 'the variant chart is the mean curve with a band');
  const handed = `These bounds are handed over (schedule.from: range) to variant tuned, which trains with η in \\[${config('variant/tuned').schedule.eta_min}, ${config('variant/tuned').schedule.eta_max}\\].`;
  assert.ok(md.includes(handed), handed);
  assert.ok(
    md.includes(
      `| tuned | 16 | no | He | 0.001 | 20 | cyclic (triangular) | ${config('variant/tuned').schedule.eta_min} – ${config('variant/tuned').schedule.eta_max} |`,
    ),
    'the hyperparameters show the bounds handed over',
  );
  const spec = JSON.parse(readFileSync(join(out, 'runner-e2e', 'assets', 'curves-plain.vg.json'), 'utf8'));
  assert.ok(JSON.stringify(spec).includes('"type":"area"'), 'the band is drawn as an area');
});
