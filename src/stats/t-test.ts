// Comparing two sets of repeats (trainings of two settings with several seeds): mean, sample sd and
// standard error of each, and the two-sided t-test of the difference of their means with its
// confidence interval; the paired t-test when the seeds match one to one, Welch's otherwise. The
// one home of these rules for the report, `nnlab diff` and the runs table; wording is verdict.ts's.
import { tQuantile, tTail } from './t-distribution.ts';

/** The significance level a verdict uses unless the experiment's report.alpha sets another. */
export const DEFAULT_ALPHA = 0.05;

export interface Description {
  mean: number;
  /** Sample standard deviation (n − 1 in the denominator); 0 for a single value. */
  sd: number;
  n: number;
  /** Standard error of the mean, sd/√n (0 for a single value). */
  se: number;
}

/** Mean, sample sd, count and standard error of the finite values; null when there are none. */
export function describe(values: readonly (number | undefined | null)[]): Description | null {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (!xs.length) return null;
  const n = xs.length;
  // Equal values have sd 0 exactly (their float mean need not equal them: 0.1·3/3 ≠ 0.1).
  if (xs.every((x) => x === xs[0])) return { mean: xs[0], sd: 0, n, se: 0 };
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, n, se: sd / Math.sqrt(n) };
}

/** One repeat's measure, with the seed stored with its trial (absent: the repeat cannot be paired). */
export interface Repeat {
  value: number;
  seed?: number;
  /** A repeat whose training diverged: excluded from the comparison, and said. */
  diverged?: boolean;
}

export interface TTest {
  /** Welch's t-test (unequal variances, Welch–Satterthwaite df), the paired t-test over seeds, or
   * two single runs against the seed-to-seed sd of other stored runs of their settings. */
  test: 'welch' | 'paired' | 'single-runs';
  t: number;
  df: number;
  /** Two-sided p-value: P(|T| ≥ |t|) for T ~ t(df). */
  p: number;
  /** Standard error of the difference. */
  se: number;
  /** The (1 − α) confidence interval of the difference of the means (new − old). */
  ci: [number, number];
}

export interface Comparison {
  /** mean(b) − mean(a). */
  difference: number;
  a: Description;
  b: Description;
  /** Pairs of seeds when the test is paired. */
  pairs?: number;
  /** beyond/within: p < α or not; no-estimate: a side has one repeat; identical: no difference on any
   * repeat; no-variation: a difference but no spread to test it against (every pair differs by the
   * same amount, or each side's repeats are all equal). */
  outcome: 'beyond' | 'within' | 'no-estimate' | 'identical' | 'no-variation';
  /** The test made (beyond/within), or the one that would be made (identical, no-variation). */
  test?: TTest['test'];
  result?: TTest;
  alpha: number;
  /** Seeds (or positions, 1-based, where no seed is known) of the diverged repeats left out, per side. */
  excluded: { a: (number | string)[]; b: (number | string)[] };
}

/**
 * The seed-matched pairs of a and b (in a's order), or null unless both have at least two repeats,
 * every repeat a seed, no seed twice on a side, and the same seeds on both sides.
 */
export function pairBySeed(a: readonly Repeat[], b: readonly Repeat[]): [number, number][] | null {
  if (a.length < 2 || a.length !== b.length) return null;
  const bySeed = new Map<number, number>();
  for (const r of b) {
    if (r.seed === undefined || bySeed.has(r.seed)) return null;
    bySeed.set(r.seed, r.value);
  }
  const seen = new Set<number>();
  const pairs: [number, number][] = [];
  for (const r of a) {
    if (r.seed === undefined || seen.has(r.seed) || !bySeed.has(r.seed)) return null;
    seen.add(r.seed);
    pairs.push([r.value, bySeed.get(r.seed)!]);
  }
  return pairs;
}

function tTest(test: TTest['test'], difference: number, se: number, df: number, alpha: number): TTest {
  const t = difference / se;
  const half = tQuantile(1 - alpha / 2, df) * se;
  return { test, t, df, p: Math.min(1, 2 * tTail(t, df)), se, ci: [difference - half, difference + half] };
}

/** Welch's t-test of mean(b) − mean(a): se² = s_a²/n_a + s_b²/n_b, df by Welch–Satterthwaite. */
export function welchTest(a: Description, b: Description, alpha = DEFAULT_ALPHA): TTest {
  const va = a.sd ** 2 / a.n;
  const vb = b.sd ** 2 / b.n;
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  return tTest('welch', b.mean - a.mean, Math.sqrt(va + vb), df, alpha);
}

/** The paired t-test of the differences d = b − a: se = sd(d)/√n, df = n − 1. */
export function pairedTest(pairs: readonly [number, number][], alpha = DEFAULT_ALPHA): TTest {
  const d = describe(pairs.map(([x, y]) => y - x))!;
  return tTest('paired', d.mean, d.se, d.n - 1, alpha);
}

/**
 * Two single runs x (old) and y (new) judged against the seed-to-seed sd of other stored runs of
 * the same settings (sa, sb: each over n ≥ 2 seeds, null where unknown): y − x has variance
 * σ_a² + σ_b², estimated by s_a² + s_b² with Welch–Satterthwaite df from each sd's n − 1; where only
 * one side's sd is known it stands for both (2·s², df = n − 1). Null without an sd, or with sd 0.
 */
export function singleRunTest(
  x: number,
  y: number,
  sa: Description | null,
  sb: Description | null,
  alpha = DEFAULT_ALPHA,
): TTest | null {
  const known = [sa, sb].filter((d): d is Description => !!d && d.n >= 2 && d.sd > 0);
  if (!known.length) return null;
  const parts = known.length === 1 ? [known[0], known[0]] : known;
  const v = parts.reduce((s, d) => s + d.sd ** 2, 0);
  const df = known.length === 1 ? known[0].n - 1 : v ** 2 / parts.reduce((s, d) => s + d.sd ** 4 / (d.n - 1), 0);
  return tTest('single-runs', y - x, Math.sqrt(v), df, alpha);
}

/** singleRunTest as a Comparison (n = 1 each), so it is worded like the tests of repeats; null without a test. */
export function compareSingleRuns(
  x: number,
  y: number,
  sa: Description | null,
  sb: Description | null,
  alpha = DEFAULT_ALPHA,
): Comparison | null {
  const result = singleRunTest(x, y, sa, sb, alpha);
  if (!result) return null;
  return {
    difference: y - x,
    a: describe([x])!,
    b: describe([y])!,
    outcome: result.p < alpha ? 'beyond' : 'within',
    test: 'single-runs',
    result,
    alpha,
    excluded: { a: [], b: [] },
  };
}

/**
 * Compares the repeats of two settings, b against a: diverged repeats are left out (and listed);
 * the rest are paired by seed when their seeds match one to one, else compared by Welch's test.
 * Null when a side has no repeat left.
 */
export function compareRepeats(a: readonly Repeat[], b: readonly Repeat[], alpha = DEFAULT_ALPHA): Comparison | null {
  const excluded = (rs: readonly Repeat[]) =>
    rs.flatMap((r, i) => (r.diverged || !Number.isFinite(r.value) ? [r.seed ?? `#${i + 1}`] : []));
  const live = (rs: readonly Repeat[]) => rs.filter((r) => !r.diverged && Number.isFinite(r.value));
  const [la, lb] = [live(a), live(b)];
  const da = describe(la.map((r) => r.value));
  const db = describe(lb.map((r) => r.value));
  if (!da || !db) return null;
  const base = { difference: db.mean - da.mean, a: da, b: db, alpha, excluded: { a: excluded(a), b: excluded(b) } };
  // Differences of floats carry rounding (0.61 − 0.6 ≠ 0.51 − 0.5): a spread or a difference below
  // 1e-12 of the values' size is none.
  const none = 1e-12 * Math.max(...[...la, ...lb].map((r) => Math.abs(r.value)));
  const pairs = pairBySeed(la, lb);
  if (pairs) {
    const d = describe(pairs.map(([x, y]) => y - x))!;
    if (d.sd <= none)
      return {
        ...base,
        pairs: pairs.length,
        test: 'paired',
        outcome: Math.abs(d.mean) <= none ? 'identical' : 'no-variation',
      };
    const result = pairedTest(pairs, alpha);
    return { ...base, pairs: pairs.length, test: 'paired', result, outcome: result.p < alpha ? 'beyond' : 'within' };
  }
  if (da.n < 2 || db.n < 2) return { ...base, outcome: 'no-estimate' };
  if (da.sd <= none && db.sd <= none)
    return { ...base, test: 'welch', outcome: Math.abs(base.difference) <= none ? 'identical' : 'no-variation' };
  const result = welchTest(da, db, alpha);
  return { ...base, test: 'welch', result, outcome: result.p < alpha ? 'beyond' : 'within' };
}
