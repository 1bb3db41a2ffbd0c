// Student's t distribution: its CDF through the regularized incomplete beta function, and its
// quantile by bisection on that CDF. Written here (about 80 lines, checked against scipy.stats in
// test/stats/) rather than taken from npm: the packages that have it (jstat, @stdlib) are large or
// unmaintained for what is two functions; the t-tests that use it are t-test.ts's.

/** ln Γ(x) for x > 0: Lanczos approximation (g = 7, 9 terms), relative error below 1e-15. */
function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * The continued fraction of the incomplete beta function, evaluated by the modified Lentz method
 * (Numerical Recipes, 3rd ed., §6.4, betacf); converges fast for x < (a + 1) / (a + b + 2).
 */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b), for a, b > 0 and 0 ≤ x ≤ 1. */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  // I_x(a, b) = 1 − I_{1−x}(b, a): use the side where the continued fraction converges.
  return x < (a + 1) / (a + b + 2)
    ? (front * betaContinuedFraction(a, b, x)) / a
    : 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T > |t|) for T ~ t(df): ½·I_{df/(df+t²)}(df/2, ½), exact in the tail (no 1 − CDF cancellation). */
export function tTail(t: number, df: number): number {
  if (!Number.isFinite(t)) return Number.isNaN(t) ? NaN : 0;
  return 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
}

/** P(T ≤ t) for T ~ t(df), df > 0 (not necessarily an integer: Welch's df is not). */
export function tCdf(t: number, df: number): number {
  const tail = tTail(t, df);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of t(df), 0 < p < 1: the t with tCdf(t, df) = p, by bisection to the last bit. */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`tQuantile: p must be in (0, 1); got ${p}`);
  if (p === 0.5) return 0;
  // Solve in the upper tail, where tTail is accurate, and mirror for p < ½.
  const q = p > 0.5 ? 1 - p : p;
  let lo = 0;
  let hi = 1;
  while (tTail(hi, df) > q) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (tTail(mid, df) > q) lo = mid;
    else hi = mid;
  }
  const t = (lo + hi) / 2;
  return p > 0.5 ? t : -t;
}
