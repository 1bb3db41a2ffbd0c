// src/stats/ against scipy.stats (ttest_ind(equal_var=False), ttest_rel, t.ppf, t.sf) on the cases of
// scipy-reference.py: run with /usr/bin/python3 where it has scipy (Debian's python3-scipy), else from
// the committed scipy-reference.json that script wrote. Then the cases scipy answers with inf or nan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tCdf, tQuantile, tTail } from '../../src/stats/t-distribution.ts';
import { compareRepeats, describe, type Repeat } from '../../src/stats/t-test.ts';
import { POINTS, pText, verdictText } from '../../src/stats/verdict.ts';

const script = fileURLToPath(new URL('scipy-reference.py', import.meta.url));
const fixture = fileURLToPath(new URL('scipy-reference.json', import.meta.url));

interface Ref {
  t: number | string | null;
  p: number | null;
  df: number | null;
  ci: [number, number] | null;
}
interface Reference {
  scipy: string;
  cases: { a: number[]; b: number[]; alpha: number; welch: Ref; paired: Ref | null }[];
  quantiles: { p: number; df: number; t: number }[];
  tails: { t: number; df: number; sf: number }[];
}

function reference(): { ref: Reference; from: string } {
  const run = spawnSync('/usr/bin/python3', [script], { encoding: 'utf8' });
  if (run.status === 0) return { ref: JSON.parse(run.stdout) as Reference, from: 'computed now' };
  return { ref: JSON.parse(readFileSync(fixture, 'utf8')) as Reference, from: 'scipy-reference.json' };
}
const { ref, from } = reference();

/** Largest relative difference seen per quantity, printed at the end. */
const worst = new Map<string, number>();
function close(what: string, got: number, want: number, tol = 1e-9) {
  const rel = Math.abs(got - want) / Math.max(Math.abs(want), 1e-12);
  const kind = what.replace(/\s*\(.*$/, '');
  worst.set(kind, Math.max(worst.get(kind) ?? 0, rel));
  assert.ok(rel <= tol, `${what}: got ${got}, scipy ${want} (relative difference ${rel.toExponential(2)})`);
}

const unpaired = (xs: number[]): Repeat[] => xs.map((value) => ({ value }));
const seeded = (xs: number[]): Repeat[] => xs.map((value, i) => ({ value, seed: 100 + i }));

test(`t quantiles and tails agree with scipy ${ref.scipy} (${from})`, () => {
  // scipy's t.ppf (cephes stdtrit) agrees with its own t.sf only to about 2e-9 at non-integer df
  // (t.sf(t.ppf(0.995, 2.7), 2.7) = 0.004999999975); tQuantile inverts tTail to the last bits.
  for (const q of ref.quantiles) close(`t.ppf(${q.p}, ${q.df})`, tQuantile(q.p, q.df), q.t, 1e-8);
  for (const s of ref.tails) close(`t.sf(${s.t}, ${s.df})`, tTail(s.t, s.df), s.sf, 1e-10);
  assert.equal(tCdf(0, 3), 0.5);
  assert.throws(() => tQuantile(1, 3), { message: 'tQuantile: p must be in (0, 1); got 1' });
});

test(`Welch and paired t-tests agree with scipy ${ref.scipy} (${from})`, () => {
  let tested = 0;
  let degenerate = 0;
  for (const c of ref.cases) {
    const name = `a = [${c.a}], b = [${c.b}], α = ${c.alpha}`;
    const w = compareRepeats(unpaired(c.a), unpaired(c.b), c.alpha)!;
    if (typeof c.welch.t === 'number' && c.welch.df !== null) {
      assert.equal(w.test, 'welch', name);
      close(`Welch t (${name})`, w.result!.t, c.welch.t);
      close(`Welch df (${name})`, w.result!.df, c.welch.df);
      close(`Welch p (${name})`, w.result!.p, c.welch.p!);
      close(`Welch CI low (${name})`, w.result!.ci[0], c.welch.ci![0], 1e-8);
      close(`Welch CI high (${name})`, w.result!.ci[1], c.welch.ci![1], 1e-8);
      assert.equal(w.outcome, c.welch.p! < c.alpha ? 'beyond' : 'within', name);
      tested++;
    } else {
      // scipy: t = ±inf, p = 0 (different constants) or nan (the same constant): no test to make.
      assert.equal(w.result, undefined, name);
      assert.equal(w.outcome, c.welch.t === null ? 'identical' : 'no-variation', name);
      degenerate++;
    }
    if (!c.paired) continue;
    const p = compareRepeats(seeded(c.a), seeded(c.b), c.alpha)!;
    assert.equal(p.test, 'paired', name);
    // scipy's t of a constant shift in floats is rounding over rounding (0.2 ± 1e-17: t = 2.9e15);
    // src/stats/ calls a spread below 1e-12 of the values none, as scipy's t = inf does.
    if (typeof c.paired.t === 'number' && Math.abs(c.paired.t) < 1e12) {
      close(`paired t (${name})`, p.result!.t, c.paired.t);
      assert.equal(p.result!.df, c.paired.df, name);
      close(`paired p (${name})`, p.result!.p, c.paired.p!);
      close(`paired CI low (${name})`, p.result!.ci[0], c.paired.ci![0], 1e-8);
      close(`paired CI high (${name})`, p.result!.ci[1], c.paired.ci![1], 1e-8);
      assert.equal(p.outcome, c.paired.p! < c.alpha ? 'beyond' : 'within', name);
      tested++;
    } else {
      assert.equal(p.result, undefined, name);
      assert.equal(p.outcome, c.paired.t === null ? 'identical' : 'no-variation', name);
      degenerate++;
    }
  }
  assert.ok(tested >= 40 && degenerate >= 10, `only ${tested} tests compared, ${degenerate} degenerate cases`);
  console.log(
    `largest relative differences from scipy: ${[...worst].map(([k, v]) => `${k} ${v.toExponential(1)}`).join(', ')}`,
  );
});

test('pairing needs the same stored seeds one to one; otherwise Welch', () => {
  const a = [0.53, 0.5332, 0.5268];
  const b = [0.5344, 0.5365, 0.5323];
  const seeds = (xs: number[], ss: number[]): Repeat[] => xs.map((value, i) => ({ value, seed: ss[i] }));
  // The same seeds in another order pair by seed, not by position.
  const shuffled = compareRepeats(seeds(a, [1, 2, 3]), seeds([b[2], b[0], b[1]], [3, 1, 2]))!;
  assert.equal(shuffled.test, 'paired');
  assert.equal(shuffled.result!.p.toFixed(6), '0.020204');
  assert.equal(compareRepeats(seeds(a, [1, 2, 3]), seeds(b, [1, 2, 4]))!.test, 'welch');
  assert.equal(compareRepeats(seeds(a, [1, 1, 3]), seeds(b, [1, 1, 3]))!.test, 'welch');
  assert.equal(compareRepeats(seeds(a, [1, 2, 3]), unpaired(b))!.test, 'welch');
});

test('one run on a side: no noise estimate, no test', () => {
  const one = compareRepeats([{ value: 0.5, seed: 1 }], [{ value: 0.52, seed: 1 }])!;
  assert.equal(one.outcome, 'no-estimate');
  assert.equal(one.result, undefined);
  assert.equal(verdictText(one, POINTS), '+2.00 points (one run each): no noise estimate');
  const side = compareRepeats(unpaired([0.5]), unpaired([0.52, 0.53, 0.51]))!;
  assert.equal(verdictText(side, POINTS), '+2.00 points (one run on one side, n = 1 and 3): no noise estimate');
  assert.equal(compareRepeats([], unpaired([0.5])), null);
  assert.deepEqual(describe([0.5]), { mean: 0.5, sd: 0, n: 1, se: 0 });
});

test('zero variance and identical sides are said, not tested', () => {
  const same = compareRepeats(seeded([0.5, 0.6, 0.7]), seeded([0.5, 0.6, 0.7]))!;
  assert.equal(verdictText(same, POINTS), 'no difference (the same on every seed; n = 3)');
  const shift = compareRepeats(seeded([0.5, 0.6, 0.7]), seeded([0.51, 0.61, 0.71]))!;
  assert.equal(shift.outcome, 'no-variation');
  assert.equal(
    verdictText(shift, POINTS),
    '+1.00 points (the same difference on every seed; n = 3): no seed-to-seed variation to test it against',
  );
  const flat = compareRepeats(unpaired([0.1, 0.1, 0.1]), unpaired([0.1, 0.1, 0.1]))!;
  assert.equal(verdictText(flat, POINTS), 'no difference (every repeat the same; n = 3 each)');
  const flats = compareRepeats(unpaired([0.1, 0.1, 0.1]), unpaired([0.2, 0.2]))!;
  assert.equal(
    verdictText(flats, POINTS),
    '+10.00 points (every repeat of each side gave the same value; n = 3 and 2): no seed-to-seed variation to test it against',
  );
});

test('a diverged repeat is excluded and said; its seed no longer pairs', () => {
  const a: Repeat[] = [
    { value: 0.53, seed: 1 },
    { value: 0.5332, seed: 2 },
    { value: 0.5268, seed: 3 },
  ];
  const b: Repeat[] = [
    { value: 0.5344, seed: 1 },
    { value: 0.1, seed: 2, diverged: true },
    { value: 0.5323, seed: 3 },
    { value: 0.5365, seed: 4 },
  ];
  const c = compareRepeats(a, b)!;
  assert.equal(c.test, 'welch');
  assert.equal(c.b.n, 3);
  assert.deepEqual(c.excluded, { a: [], b: [2] });
  assert.equal(
    verdictText(c, POINTS, { a: 'without BN', b: 'with BN' }),
    '+0.44 points (95% CI −0.21 … 1.09; Welch t-test, p = 0.13, n = 3 each): within the noise of the repeats; a diverged repeat excluded (seed 2 with BN)',
  );
});

test('verdicts name the test, p and CI; p is written so its side of α shows', () => {
  const a = seeded([0.53, 0.5332, 0.5268]);
  const b = seeded([0.5344, 0.5365, 0.5323]);
  assert.equal(
    verdictText(compareRepeats(a, b)!, POINTS),
    '+0.44 points (95% CI 0.17 … 0.71; paired t-test by seed, n = 3, p = 0.02): beyond the noise of the repeats',
  );
  assert.equal(
    verdictText(compareRepeats(a, b, 0.01)!, POINTS),
    '+0.44 points (99% CI −0.19 … 1.07; paired t-test by seed, n = 3, p = 0.02): within the noise of the repeats',
  );
  assert.equal(pText(0.0496, 0.05), 'p = 0.0496');
  assert.equal(pText(0.0504, 0.05), 'p = 0.0504');
  assert.equal(pText(0.13, 0.05), 'p = 0.13');
  assert.equal(pText(0.00042, 0.05), 'p = 0.00042');
  assert.equal(pText(3.04e-7, 0.05), 'p = 3.0e-7');
});

test('the committed scipy-reference.json is what scipy-reference.py writes', (t) => {
  if (from !== 'computed now') return t.skip('/usr/bin/python3 has no scipy here (apt-get install python3-scipy)');
  const committed = JSON.parse(readFileSync(fixture, 'utf8')) as Reference;
  assert.deepEqual({ ...committed, scipy: ref.scipy }, ref, `regenerate it: /usr/bin/python3 ${script} > ${fixture}`);
});
