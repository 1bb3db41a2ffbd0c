// The words of a comparison of repeats (t-test.ts decides it): the difference with its confidence
// interval, the test, p and n, and what that means, e.g. "+0.44 points (95% CI −0.21 … 1.09; Welch
// t-test, p = 0.13, n = 3 each): within the noise of the repeats". The report and `nnlab diff` print it.
import type { Comparison } from './t-test.ts';

/** How a difference is written: ×scale, with `digits` decimals, then the unit ("points", "pp", "s"). */
export interface Unit {
  scale: number;
  digits: number;
  name: string;
}

export const POINTS: Unit = { scale: 100, digits: 2, name: 'points' };

const MINUS = '\u2212';
const num = (x: number, u: Unit) => {
  const s = (Math.abs(x) * u.scale).toFixed(u.digits);
  return x < 0 && Number(s) !== 0 ? `${MINUS}${s}` : s;
};
/** "+0.44 points", "−3.10 points". */
export const signed = (x: number, u: Unit) => `${x < 0 ? MINUS : '+'}${num(Math.abs(x), u)} ${u.name}`;

/**
 * p with two significant digits ("p = 0.13", "p = 0.020"), more where two would round across α
 * or land on it (0.0496 and 0.0504 at α = 0.05 are "p = 0.0496" and "p = 0.0504", not "0.05");
 * below 0.0001 in powers of ten ("p = 2.1e-7"; no "<", which Markdown would need escaped).
 */
export function pText(p: number, alpha: number): string {
  if (p < 1e-4) return `p = ${p.toExponential(1)}`;
  for (let digits = 2; digits <= 4; digits++) {
    const s = Number(p.toPrecision(digits));
    if (s < alpha === p < alpha && s !== alpha) return `p = ${String(s < 1e-3 ? s.toFixed(6).replace(/0+$/, '') : s)}`;
  }
  return `p = ${p.toPrecision(4)}`;
}

/** "95%" for α = 0.05, "99%" for 0.01, "90%" for 0.1. */
export const levelText = (alpha: number) => `${Number(((1 - alpha) * 100).toPrecision(6))}%`;

/** "n = 3 each", "n = 3 and 2" (a's count first). */
function countText(c: Comparison): string {
  return c.a.n === c.b.n ? `n = ${c.a.n} each` : `n = ${c.a.n} and ${c.b.n}`;
}

/** The test as named in a verdict: "Welch t-test", "paired t-test by seed". */
export function testName(test: 'welch' | 'paired' | 'single-runs'): string {
  return test === 'paired'
    ? 'paired t-test by seed'
    : test === 'welch'
      ? 'Welch t-test'
      : 't-test of one run each against the sd of other stored seeds';
}

/** What the outcome means, as the verdict's last words. */
export const MEANING = {
  beyond: 'beyond the noise of the repeats',
  within: 'within the noise of the repeats',
  'no-estimate': 'no noise estimate',
  identical: 'no difference',
  'no-variation': 'no seed-to-seed variation to test it against',
} as const;

/**
 * The statistics of a comparison in parentheses, after the difference:
 * "(95% CI −0.21 … 1.09; Welch t-test, p = 0.13, n = 3 each)", "(paired t-test by seed, n = 3, p = 0.020)".
 */
export function statisticsText(c: Comparison, u: Unit): string {
  const n = c.test === 'paired' ? `n = ${c.pairs}` : countText(c);
  if (c.result) {
    const [lo, hi] = c.result.ci;
    const ci = `${levelText(c.alpha)} CI ${num(lo, u)} … ${num(hi, u)}`;
    const p = pText(c.result.p, c.alpha);
    if (c.test === 'single-runs')
      return `(${ci}; ${testName(c.test)}, ${p}, df = ${Number(c.result.df.toPrecision(3))})`;
    return c.test === 'paired'
      ? `(${ci}; ${testName('paired')}, ${n}, ${p})`
      : `(${ci}; ${testName('welch')}, ${p}, ${n})`;
  }
  if (c.outcome === 'no-estimate')
    return c.a.n < 2 && c.b.n < 2 ? '(one run each)' : `(one run on one side, ${countText(c)})`;
  if (c.outcome === 'identical')
    return c.test === 'paired' ? `(the same on every seed; ${n})` : `(every repeat the same; ${n})`;
  return c.test === 'paired'
    ? `(the same difference on every seed; ${n})`
    : `(every repeat of each side gave the same value; ${n})`;
}

/** "; diverged repeats excluded: seed 7 of the old side" (sides named by `names`), or "". */
export function excludedText(c: Comparison, names: { a: string; b: string }): string {
  const parts = (['a', 'b'] as const)
    .filter((k) => c.excluded[k].length)
    .map((k) => {
      const xs = c.excluded[k];
      return `${xs.length === 1 ? 'seed' : 'seeds'} ${xs.join(', ')} ${names[k]}`;
    });
  const count = c.excluded.a.length + c.excluded.b.length;
  return count
    ? `; ${count === 1 ? 'a diverged repeat' : `${count} diverged repeats`} excluded (${parts.join('; ')})`
    : '';
}

/**
 * The whole verdict: "+0.44 points (95% CI −0.21 … 1.09; Welch t-test, p = 0.13, n = 3 each): within
 * the noise of the repeats", "+0.10 points (one run each): no noise estimate".
 */
export function verdictText(
  c: Comparison,
  u: Unit,
  names = { a: 'on the first side', b: 'on the second side' },
): string {
  const stats = statisticsText(c, u);
  const head = c.outcome === 'identical' ? stats.slice(1, -1) : `${signed(c.difference, u)} ${stats}`;
  const meaning = c.test === 'single-runs' ? MEANING[c.outcome].replace('repeats', 'seeds') : MEANING[c.outcome];
  return `${c.outcome === 'identical' ? `${MEANING.identical} (${head})` : `${head}: ${meaning}`}${excludedText(c, names)}`;
}
