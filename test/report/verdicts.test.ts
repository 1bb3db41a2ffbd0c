// The report's verdicts on repeats (issue 22): assignment3-bn rendered from a fixture store (three
// seeds per variant): every BN sentence ends in a t-test verdict recomputed here from the stored
// per-seed values, paired by the seeds in the stored config.json; report.alpha moves the verdicts and
// the CI level; each group's findings count their tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { writeReport } from '../../src/report/index.ts';
import { compareRepeats, type Repeat } from '../../src/stats/t-test.ts';
import { POINTS, verdictText } from '../../src/stats/verdict.ts';
import type { TrainTrial } from '../../src/config/expand.ts';
import { makeFixture, readModel } from './fixture.ts';

const SOURCE = readFileSync('experiments/assignment3-bn.yaml', 'utf8');

async function rendered(alpha?: number) {
  const fx = makeFixture({ source: 'experiments/assignment3-bn.yaml' });
  if (alpha !== undefined) {
    const yaml = SOURCE.replace('report:\n  kind: assignment3', `report:\n  kind: assignment3\n  alpha: ${alpha}`);
    assert.notEqual(yaml, SOURCE, 'the report section was found');
    writeFileSync(fx.file, yaml);
  }
  const out = await writeReport(fx.file, { runsDir: fx.runs, outDir: fx.out, pdf: false, readModel });
  return { fx, md: readFileSync(out.markdown, 'utf8') };
}

/** The stored per-seed test accuracies of a variant's repeats, with the seeds of their config.json. */
function stored(fx: ReturnType<typeof makeFixture>, variant: string): Repeat[] {
  return fx.trials
    .filter((t): t is TrainTrial => t.kind === 'train' && t.role === 'variant' && t.variant === variant)
    .map((t) => {
      const s = fx.store.read(t)!;
      const r = s.result;
      assert.equal(r.kind, 'train');
      return { value: r.kind === 'train' ? r.final.test!.accuracy : NaN, seed: (s.config as { seed: number }).seed };
    });
}

test('BN findings end in the paired t-test of the stored seeds; the group counts its tests', async () => {
  const { fx, md } = await rendered();
  const c = compareRepeats(stored(fx, '3-layer-no-bn'), stored(fx, '3-layer-bn'))!;
  assert.equal(c.test, 'paired', 'repeat k of both variants has the same stored seed');
  const verdict = verdictText(c, POINTS);
  const line = md.split('\n').find((l) => l.includes("3-layer network's test accuracy") && !l.includes('σ'));
  assert.ok(line, md);
  assert.ok(line!.endsWith(`${verdict}.`), `${line}\nexpected to end in: ${verdict}`);
  assert.match(
    line!,
    /\(95% CI [−\d.]+ … [−\d.]+; paired t-test by seed, n = 3, p = [\d.e-]+\): (beyond|within) the noise/,
  );
  assert.match(
    md,
    /- 4 comparisons above, each a two-sided t-test at α = 0\.05 \(paired by seed where both settings were trained with the same seeds, else Welch's\), not corrected for multiple comparisons, as each answers its own question: were there no real differences, each would still read "beyond the noise" with probability 0\.05, 0\.2 of these 4 on average\./,
  );
  assert.ok(!md.includes('2 SE'), 'no verdict by the old 2·SE rule');
});

test('report.alpha sets the level of every verdict and its CI', async () => {
  const { fx, md } = await rendered(0.2);
  const c = compareRepeats(stored(fx, '3-layer-no-bn'), stored(fx, '3-layer-bn'), 0.2)!;
  assert.ok(md.includes(verdictText(c, POINTS)), verdictText(c, POINTS));
  assert.ok(md.includes('(80% CI '), '1 − α = 80%');
  assert.ok(!md.includes('(95% CI '));
  assert.ok(md.includes('each a two-sided t-test at α = 0.2 '));
});
