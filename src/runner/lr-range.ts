// Chooses η_min and η_max from an LR range test (Smith 2015, section 3.3): accuracy is recorded while
// η rises over the run. The rule, stated in the report beside the chart:
//   η_min: the first η at which accuracy (3-point moving average) has risen a fifth of the way
//          from its starting value to its peak — where it starts to rise clearly;
//   η_max: the η at which the moving average peaks — beyond it accuracy stops rising or turns ragged.
// Validation accuracy is used when recorded, training accuracy otherwise.
import type { CurvePoint } from '../engine/index.ts';
import type { PlanContext } from '../config/expand.ts';
import { meanCurve } from './repeat-stats.ts';
import type { RunStore } from '../store/store.ts';

export const LR_RANGE_RULE =
  'η_min is the first η at which accuracy (a 3-point moving average) has risen a fifth of the way from its starting value to its peak; η_max is the η at that peak, beyond which accuracy stops rising or turns ragged.';

export interface LrBounds {
  etaMin: number;
  etaMax: number;
  startAccuracy: number;
  peakAccuracy: number;
  split: 'validation' | 'training';
}

export function chooseLrBounds(points: CurvePoint[]): LrBounds | null {
  const useValidation = points.some((p) => p.validation && Number.isFinite(p.validation.accuracy));
  const rows = points
    .map((p) => ({ eta: p.eta, acc: (useValidation ? p.validation?.accuracy : p.train.accuracy) ?? NaN, step: p.step }))
    .filter((r) => Number.isFinite(r.eta) && r.eta > 0 && Number.isFinite(r.acc))
    .sort((a, b) => a.step - b.step);
  if (rows.length < 3) return null;
  const smooth = rows.map((_, i) => {
    const w = rows.slice(Math.max(0, i - 1), Math.min(rows.length, i + 2));
    return w.reduce((s, r) => s + r.acc, 0) / w.length;
  });
  let peak = 0;
  for (let i = 1; i < smooth.length; i++) if (smooth[i] > smooth[peak]) peak = i;
  const start = smooth[0];
  if (!(smooth[peak] > start)) return null;
  const threshold = start + (smooth[peak] - start) / 5;
  let lo = 0;
  while (lo < peak && smooth[lo] < threshold) lo++;
  return {
    etaMin: rows[lo].eta,
    etaMax: rows[peak].eta,
    startAccuracy: start,
    peakAccuracy: smooth[peak],
    split: useValidation ? 'validation' : 'training',
  };
}

/**
 * The LR range hand-over (`schedule: { from: NAME }`): bounds chosen from the mean curve of the
 * test's repeats, rounded to two significant digits (as the report prints them, so the resolved
 * config reads the same), or null while any repeat is not stored or the rule finds no bounds.
 */
export function lrBoundsOf(curvesOf: (hash: string) => CurvePoint[] | null): NonNullable<PlanContext['lrBounds']> {
  return (trials) => {
    if (!trials.length) return null;
    const runs = trials.map((t) => curvesOf(t.hash));
    if (runs.some((r) => r === null)) return null;
    const bounds = chooseLrBounds(meanCurve(runs as CurvePoint[][]));
    if (!bounds) return null;
    const round2 = (x: number) => Number(x.toPrecision(2));
    return { etaMin: round2(bounds.etaMin), etaMax: round2(bounds.etaMax) };
  };
}

/** The hand-over read from a run store (what `nnlab run`, the report and `nnlab diff` plan with). */
export function storedLrBounds(store: RunStore): NonNullable<PlanContext['lrBounds']> {
  return lrBoundsOf((hash) => store.read(store.ref(hash))?.curves() ?? null);
}
