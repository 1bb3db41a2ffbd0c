// Statistics over the repeats of one setting: mean, sample standard deviation and count of a list
// of numbers, and the mean learning curve of several runs. Used by the ranking of search values,
// the LR range hand-over, the report and `nnlab diff`, so all of them agree on the numbers; the
// tests of a difference are stats/t-test.ts's.
import type { CurvePoint, Metrics } from '../engine/index.ts';
import { describe } from '../stats/t-test.ts';

export interface Spread {
  mean: number;
  /** Sample standard deviation (n − 1 in the denominator); 0 for a single value. */
  sd: number;
  n: number;
}

/** Mean ± sample sd of the finite values (stats/t-test.ts's describe); null when there are none. */
export function spread(values: (number | undefined | null)[]): Spread | null {
  const d = describe(values);
  return d && { mean: d.mean, sd: d.sd, n: d.n };
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
