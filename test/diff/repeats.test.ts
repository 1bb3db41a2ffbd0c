// nnlab diff with repeats: a setting trained with several seeds is compared by the means of its
// repeats, and a change is judged against two standard errors of the difference of the means —
// within noise when no larger, beyond noise when larger — in the record and in the Markdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { compareExperiments, resolveSide } from '../../src/diff/compare.ts';
import { openSide } from '../../src/diff/sides.ts';
import { nnlab, storeResult, TINY, twoSides } from './fixtures.ts';

test('repeats: means compared, noise = 2·√(sd_old²/n_old + sd_new²/n_new), judged within or beyond', () => {
  const variants = `repeats: 3
variants:
  - { name: steady, set: {} }
  - { name: wide, set: { model.hidden: [100] } }
`;
  const { dir, runs, old, now } = twoSides(TINY + variants, TINY.replace('lambda: 0.01', 'lambda: 0.005') + variants);
  // steady: means 0.40 → 0.41, sds 0.02 and 0.01: noise 2·√(0.0004/3 + 0.0001/3) = 0.0258 > 0.01.
  // wide: means 0.45 → 0.50, sds 0.01 and 0.01: noise 2·√(0.0002/3) = 0.0163 < 0.05.
  const accuracies: Record<string, [number[], number[]]> = {
    steady: [
      [0.38, 0.4, 0.42],
      [0.4, 0.41, 0.42],
    ],
    wide: [
      [0.44, 0.45, 0.46],
      [0.49, 0.5, 0.51],
    ],
  };
  for (const [name, [a, b]] of Object.entries(accuracies)) {
    ['', '/r2', '/r3'].forEach((suffix, i) => {
      const ta = old.get(`variant/${name}${suffix}`)!;
      const tb = now.get(`variant/${name}${suffix}`)!;
      storeResult(runs, 'tiny', ta.hash, ta.config, { validation: a[i], test: a[i] - 0.01, seconds: 10 + i });
      storeResult(runs, 'tiny', tb.hash, tb.config, { validation: b[i], test: b[i] - 0.01, seconds: 12 });
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
  const byId = new Map(d.results.map((r) => [r.id, r]));
  assert.deepEqual([...byId.keys()], ['variant/steady', 'variant/wide'], 'one row per setting, not per repeat');
  const steady = byId.get('variant/steady')!.validationAccuracy!;
  assert.ok(Math.abs(steady.old - 0.4) < 1e-12 && Math.abs(steady.new - 0.41) < 1e-12);
  assert.deepEqual([steady.repeats!.old.n, steady.repeats!.new.n], [3, 3]);
  assert.ok(Math.abs(steady.repeats!.old.sd - 0.02) < 1e-12 && Math.abs(steady.repeats!.new.sd - 0.01) < 1e-12);
  assert.ok(Math.abs(steady.spread! - 2 * Math.sqrt(0.0004 / 3 + 0.0001 / 3)) < 1e-12, `noise ${steady.spread}`);
  assert.equal(steady.withinNoise, true);
  const wide = byId.get('variant/wide')!.validationAccuracy!;
  assert.ok(Math.abs(wide.delta - 0.05) < 1e-12);
  assert.ok(Math.abs(wide.spread! - 2 * Math.sqrt(0.0002 / 3)) < 1e-12);
  assert.equal(wide.withinNoise, false);
  const secs = byId.get('variant/wide')!.seconds!;
  assert.deepEqual([secs.old, secs.new, secs.delta], [11, 12, 1]);

  const md = nnlab(['diff', 'experiments/old/tiny.yaml', 'experiments/tiny.yaml', '--format', 'md'], dir, {
    NNLAB_RUNS: runs,
  });
  assert.equal(md.status, 1, md.stderr);
  assert.match(
    md.stdout,
    /\| `variant\/steady` \| 40\.00% ± 2\.00 pp \(n = 3\) → 41\.00% ± 1\.00 pp \(n = 3\) \(\+1\.00 pp, within noise \(2 SE 2\.58 pp\)\) \|/,
  );
  assert.match(
    md.stdout,
    /\| `variant\/wide` \| 45\.00% ± 1\.00 pp \(n = 3\) → 50\.00% ± 1\.00 pp \(n = 3\) \(\+5\.00 pp, beyond noise \(2 SE 1\.63 pp\)\) \|/,
  );
});
