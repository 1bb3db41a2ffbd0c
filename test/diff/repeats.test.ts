// nnlab diff with repeats: a setting trained with several seeds is compared by the means of its
// repeats, and a change is judged by a t-test (stats/t-test.ts): paired by seed when both sides'
// stored seeds match one to one, else Welch's; a diverged repeat is excluded and said. Expected
// values are scipy.stats 1.10.1's ttest_rel / ttest_ind(equal_var=False) on the same numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { compareExperiments, resolveSide } from '../../src/diff/compare.ts';
import { openSide } from '../../src/diff/sides.ts';
import { repeatSeed } from '../../src/config/repeats.ts';
import { nnlab, storeResult, TINY, twoSides } from './fixtures.ts';

test('repeats: means compared by a t-test, paired by seed, Welch with a diverged repeat excluded', () => {
  const variants = `repeats: 3
variants:
  - { name: steady, set: {} }
  - { name: wide, set: { model.hidden: [100] } }
  - { name: shaky, set: { model.hidden: [20] } }
`;
  const { dir, runs, old, now } = twoSides(TINY + variants, TINY.replace('lambda: 0.01', 'lambda: 0.005') + variants);
  // Validation accuracies of repeats 1–3 (the same three seeds on both sides); shaky's new repeat 2 diverges.
  const accuracies: Record<string, [number[], number[]]> = {
    steady: [
      [0.38, 0.4, 0.42],
      [0.4, 0.41, 0.42],
    ],
    wide: [
      [0.44, 0.45, 0.46],
      [0.49, 0.51, 0.5],
    ],
    shaky: [
      [0.44, 0.45, 0.46],
      [0.49, 0.1, 0.5],
    ],
  };
  for (const [name, [a, b]] of Object.entries(accuracies)) {
    ['', '/r2', '/r3'].forEach((suffix, i) => {
      const ta = old.get(`variant/${name}${suffix}`)!;
      const tb = now.get(`variant/${name}${suffix}`)!;
      const status = name === 'shaky' && i === 1 ? 'diverged' : 'ok';
      storeResult(runs, 'tiny', ta.hash, ta.config, { validation: a[i], test: a[i] - 0.01, seconds: 10 + i });
      storeResult(runs, 'tiny', tb.hash, tb.config, { validation: b[i], test: b[i] - 0.01, seconds: 12, status });
    });
  }
  const saved = process.env.NNLAB_RUNS;
  process.env.NNLAB_RUNS = runs;
  const sa = openSide(join(dir, 'experiments/old/tiny.yaml'));
  const sb = openSide(join(dir, 'experiments/tiny.yaml'));
  let d;
  try {
    d = compareExperiments({ side: sa, exp: resolveSide(sa) }, { side: sb, exp: resolveSide(sb) });
  } finally {
    process.env.NNLAB_RUNS = saved;
  }
  const near = (got: number, want: number, what: string) =>
    assert.ok(Math.abs(got - want) <= 1e-9 * Math.abs(want), `${what}: ${got}, scipy ${want}`);
  const byId = new Map(d.results.map((r) => [r.id, r]));
  assert.deepEqual([...byId.keys()], ['variant/steady', 'variant/wide', 'variant/shaky'], 'one row per setting');
  const steady = byId.get('variant/steady')!.validationAccuracy!;
  assert.ok(Math.abs(steady.old - 0.4) < 1e-12 && Math.abs(steady.new - 0.41) < 1e-12);
  assert.deepEqual([steady.repeats!.old.n, steady.repeats!.new.n], [3, 3]);
  assert.ok(Math.abs(steady.repeats!.old.sd - 0.02) < 1e-12 && Math.abs(steady.repeats!.new.sd - 0.01) < 1e-12);
  // ttest_rel([0.4, 0.41, 0.42], [0.38, 0.4, 0.42]): t = 1.7320508075688739, p = 0.2254033307585172.
  const st = steady.comparison!;
  assert.equal(st.test, 'paired');
  assert.equal(st.outcome, 'within');
  near(st.result!.t, 1.7320508075688739, 'steady t');
  near(st.result!.p, 0.2254033307585172, 'steady p');
  near(st.result!.ci[0], -0.01484137711843756, 'steady CI low');
  near(st.result!.ci[1], 0.03484137711843754, 'steady CI high');
  assert.equal(steady.withinNoise, true);
  // ttest_rel([0.49, 0.51, 0.5], [0.44, 0.45, 0.46]): p = 0.013072457560346544.
  const wide = byId.get('variant/wide')!.validationAccuracy!;
  assert.ok(Math.abs(wide.delta - 0.05) < 1e-12);
  near(wide.comparison!.result!.p, 0.013072457560346544, 'wide p');
  assert.equal(wide.withinNoise, false);
  // ttest_ind([0.49, 0.5], [0.44, 0.45, 0.46], equal_var=False): p = 0.010907121270022547.
  const shaky = byId.get('variant/shaky')!.validationAccuracy!;
  assert.equal(shaky.comparison!.test, 'welch');
  near(shaky.comparison!.result!.p, 0.010907121270022547, 'shaky p');
  const seed2 = repeatSeed(now.get('variant/shaky')!.config.seed, 2);
  assert.deepEqual(shaky.comparison!.excluded, { a: [], b: [seed2] });
  const secs = byId.get('variant/wide')!.seconds!;
  assert.deepEqual([secs.old, secs.new, secs.delta], [11, 12, 1]);

  const md = nnlab(['diff', 'experiments/old/tiny.yaml', 'experiments/tiny.yaml', '--format', 'md'], dir, {
    NNLAB_RUNS: runs,
  });
  assert.equal(md.status, 1, md.stderr);
  const row = (id: string) => md.stdout.split('\n').find((l) => l.startsWith(`| \`variant/${id}\``) && l.includes('%'));
  assert.equal(
    row('steady')?.split(' | ')[1],
    '40.00% ± 2.00 pp (n = 3) → 41.00% ± 1.00 pp (n = 3), +1.00 pp (95% CI −1.48 … 3.48; paired t-test by seed, n = 3, p = 0.23): within the noise of the repeats',
  );
  assert.equal(
    row('shaky')?.split(' | ')[1],
    `45.00% ± 1.00 pp (n = 3) → 49.50% ± 0.71 pp (n = 2), +4.50 pp (95% CI 2.01 … 6.99; Welch t-test, p = 0.011, n = 3 and 2): beyond the noise of the repeats; a diverged repeat excluded (seed ${seed2} on the new side)`,
  );
  const json = JSON.parse(
    nnlab(['diff', 'experiments/old/tiny.yaml', 'experiments/tiny.yaml', '--format', 'json'], dir, { NNLAB_RUNS: runs })
      .stdout,
  );
  const jr = json.files[0].results.find((r: { id: string }) => r.id === 'variant/steady').validationAccuracy.comparison;
  assert.deepEqual([jr.outcome, jr.result.test, jr.alpha, jr.pairs], ['within', 'paired', 0.05, 3]);
  near(jr.result.p, 0.2254033307585172, 'json p');
});
