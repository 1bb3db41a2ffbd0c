// Statistics over the repeats of one setting: mean, sample standard deviation and count of a list
// of numbers, and the mean learning curve of several runs. Used by the ranking of search values,
// the LR range hand-over, the report and `nnlab diff`, so all of them agree on the numbers.
import type { CurvePoint, Metrics } from '../engine/index.ts';

export interface Spread {
  mean: number;
  /** Sample standard deviation (n − 1 in the denominator); 0 for a single value. */
  sd: number;
  n: number;
}

/** Mean ± sample sd of the finite values; null when there are none. */
export function spread(values: (number | undefined | null)[]): Spread | null {
  const xs = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (!xs.length) return null;
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { mean, sd, n: xs.length };
}

const METRICS = ['cost', 'loss', 'accuracy'] as const;

function meanMetrics(ms: (Metrics | undefined)[]): Metrics | undefined {
  const present = ms.filter((m): m is Metrics => !!m);
  if (!present.length) return undefined;
  const out = {} as Metrics;
  for (const k of METRICS) out[k] = present.reduce((s, m) => s + m[k], 0) / present.length;
  return out;
}

/**
 * The mean curve of runs recorded at the same steps (the repeats of one setting), point by point,
 * over the points all runs reached (a diverged run stops early). A single run is returned as is.
 */
export function meanCurve(runs: CurvePoint[][]): CurvePoint[] {
  const live = runs.filter((r) => r.length);
  if (live.length <= 1) return live[0] ?? [];
  const len = Math.min(...live.map((r) => r.length));
  return Array.from({ length: len }, (_, i) => {
    const pts = live.map((r) => r[i]);
    return {
      step: pts[0].step,
      epoch: pts[0].epoch,
      eta: pts[0].eta,
      train: meanMetrics(pts.map((p) => p.train))!,
      validation: meanMetrics(pts.map((p) => p.validation)),
    };
  });
}

/**
 * The noise level a difference of two means is judged against: two standard errors of the
 * difference, 2·√(sd_a²/n_a + sd_b²/n_b) (about a 95% interval), or null unless both sides have
 * at least two repeats. A change no larger than it is "within noise".
 */
export function noiseLevel(a: Spread, b: Spread): number | null {
  return a.n >= 2 && b.n >= 2 ? 2 * Math.sqrt(a.sd ** 2 / a.n + b.sd ** 2 / b.n) : null;
}
