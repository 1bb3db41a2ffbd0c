// Repeats in the report: the accuracies of a setting trained with several seeds as mean ± sd (n),
// its learning curves as the mean curve with a ±1 sd band, and the ranking of search values by
// their mean. The section builders (sections/) ask here for every number of a trial, so a setting with one repeat prints
// exactly as before and one with several prints its statistics everywhere.
import type { TrainTrial, Trial } from '../config/expand.ts';
import { repeatsOf } from '../config/repeats.ts';
import type { CurvePoint } from '../engine/index.ts';
import type { TrainResult } from '../store/store.ts';
import { meanCurve, spread, type Spread } from '../runner/repeat-stats.ts';
import { compareRepeats, type Comparison, type Repeat } from '../stats/t-test.ts';
import { POINTS, verdictText } from '../stats/verdict.ts';
import type { CurveAxis, VlSpec } from './charts.ts';
import type { Gathered } from './gather.ts';
import { pct } from './format.ts';

/** Stored results of every repeat of t's setting (absent and failed repeats left out). */
export function repeatResults(g: Gathered, t: Trial): TrainResult[] {
  return repeatsOf(g.plan.trials, t)
    .map((x) => g.result(x.hash))
    .filter((r): r is TrainResult => r?.kind === 'train');
}

type Pick = (r: TrainResult) => number | undefined;
export const PICK = {
  train: (r: TrainResult) => r.final.train.accuracy,
  validation: (r: TrainResult) => r.final.validation?.accuracy,
  test: (r: TrainResult) => r.final.test?.accuracy,
  seconds: (r: TrainResult) => r.seconds,
} satisfies Record<string, Pick>;

/** Mean ± sd (n) of one measure over the ok repeats of t's setting. */
export function repeatSpread(g: Gathered, t: Trial, pick: Pick): Spread | null {
  return spread(
    repeatResults(g, t)
      .filter((r) => r.status === 'ok')
      .map(pick),
  );
}

/** "55.83%" for one repeat, "55.83% ± 0.21 (n = 3)" for several (sd in percentage points). */
export function spreadText(s: Spread | null, planned = 1): string {
  if (!s) return '–';
  if (planned <= 1 && s.n <= 1) return pct(s.mean);
  return `${pct(s.mean)} ± ${(s.sd * 100).toFixed(2)} (n = ${s.n})`;
}

/** An accuracy cell of t's setting: its value, or mean ± sd (n) when it has repeats. */
export function accText(g: Gathered, t: TrainTrial, pick: Pick): string {
  return spreadText(repeatSpread(g, t, pick), t.repeats);
}

/** The accuracy a comparison uses (test when measured, else validation), as the mean of the repeats. */
export function headlineOf(
  g: Gathered,
  t: TrainTrial | undefined,
): { value: number; split: 'test' | 'validation'; spread: Spread; text: string } | null {
  if (!t) return null;
  for (const split of ['test', 'validation'] as const) {
    const s = repeatSpread(g, t, PICK[split]);
    if (s) return { value: s.mean, split, spread: s, text: spreadText(s, t.repeats) };
  }
  return null;
}

/** The learning curves of t's setting: the mean over its repeats, and the runs it is the mean of. */
export function repeatCurves(g: Gathered, t: Trial | undefined): { points: CurvePoint[]; runs: CurvePoint[][] } {
  if (!t) return { points: [], runs: [] };
  const runs = repeatsOf(g.plan.trials, t)
    .map((x) => g.curves(x.hash))
    .filter((r) => r.length);
  return { points: meanCurve(runs), runs };
}

/**
 * Rows of a ±1 sd band around the mean of `runs`, per recorded point, split and metric: coloured by
 * split (a trial's own chart), or by variant for one split (a group's overlay).
 */
export function bandRows(
  runs: CurvePoint[][],
  axis: CurveAxis,
  overlay?: { variant: string; split: 'train' | 'validation' },
): Record<string, unknown>[] {
  const splits = overlay ? [overlay.split] : (['train', 'validation'] as const);
  if (runs.length < 2) return [];
  const len = Math.min(...runs.map((r) => r.length));
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < len; i++) {
    const p = runs[0][i];
    const x = axis.field === 'epoch' ? Number(p.epoch.toFixed(6)) : p.step;
    for (const split of splits) {
      for (const metric of ['cost', 'loss', 'accuracy'] as const) {
        const s = spread(runs.map((r) => r[i][split]?.[metric]));
        const series = overlay
          ? { variant: overlay.variant }
          : { split: split === 'train' ? 'training' : 'validation' };
        if (s && s.n === runs.length) rows.push({ x, ...series, metric, lo: s.mean - s.sd, hi: s.mean + s.sd });
      }
    }
  }
  return rows;
}

/**
 * Adds a band layer under every line panel of a chart (curvesSpec, overlaySpec) whose metric has
 * band rows: the area between mean − sd and mean + sd in the line's colour, faint.
 */
export function withBands(spec: VlSpec, rows: Record<string, unknown>[]): VlSpec {
  if (!rows.length) return spec;
  const key = spec.concat ? 'concat' : 'hconcat';
  const panels = spec[key] as Record<string, unknown>[];
  const out = panels.map((panel) => {
    const filter = (panel.transform as { filter?: { field: string; equal: string } }[] | undefined)?.[0]?.filter;
    const enc = panel.encoding as Record<string, Record<string, unknown>> | undefined;
    if (!filter || !enc?.color || !rows.some((r) => r.metric === filter.equal)) return panel;
    const { width, height, title, transform, ...line } = panel;
    const band = {
      data: { values: rows },
      transform,
      // fillOpacity, not opacity, and the line's legend symbol: the band is the first layer, so the
      // shared legend takes its symbols from it (faint circles without the dash patterns otherwise).
      mark: { type: 'area', fillOpacity: 0.18, clip: true },
      encoding: {
        x: enc.x,
        y: { field: 'lo', type: 'quantitative', title: enc.y.title, scale: enc.y.scale },
        y2: { field: 'hi' },
        color: bandColor(enc.color),
      },
    };
    return { width, height, title, layer: [band, { transform, ...line }] };
  });
  return { ...spec, [key]: out };
}

/** The line's colour channel for its band, with the legend drawing the line's stroke symbol. */
function bandColor(color: Record<string, unknown>): Record<string, unknown> {
  if (color.legend === null) return color;
  return { ...color, legend: { ...(color.legend as Record<string, unknown> | undefined), symbolType: 'stroke' } };
}

/**
 * One measure of every stored repeat of t's setting, with the seed stored with its trial (so
 * settings pair by the seeds they were trained with, not by repeat number) and whether it diverged.
 */
export function repeatValues(g: Gathered, t: Trial, pick: Pick): Repeat[] {
  return repeatsOf(g.plan.trials, t).flatMap((x) => {
    const r = g.result(x.hash);
    const value = r?.kind === 'train' ? pick(r) : undefined;
    // A diverged repeat is kept (flagged) even without the measure, so its exclusion is said.
    if (r?.kind !== 'train' || (value === undefined && r.status === 'ok')) return [];
    const seed = (g.stored.get(x.hash)?.config as { seed?: unknown } | undefined)?.seed;
    return [{ value: value ?? NaN, seed: typeof seed === 'number' ? seed : undefined, diverged: r.status !== 'ok' }];
  });
}

/** The t-test of b's repeats against a's on one split, at the experiment's report.alpha. */
export function compareRepeatsOf(g: Gathered, a: Trial, b: Trial, split: 'test' | 'validation'): Comparison | null {
  return compareRepeats(repeatValues(g, a, PICK[split]), repeatValues(g, b, PICK[split]), g.exp.report.alpha);
}

/** "+0.44 points (95% CI −0.21 … 1.09; Welch t-test, p = 0.13, n = 3 each): within the noise of the repeats". */
export function comparisonText(c: Comparison, names: { a: string; b: string }): string {
  return verdictText(c, POINTS, names);
}

/**
 * The sentence a section ends with when it judged differences: how many comparisons it made, at
 * which α, and why they are not corrected for multiplicity (each answers its own question; a
 * correction would hide real effects at n = 3), with the false alarms to expect if nothing differed.
 */
export function comparisonsNote(count: number, alpha: number): string {
  if (!count) return '';
  const expected = count * alpha;
  return `${count === 1 ? 'One comparison' : `${count} comparisons`} above, each a two-sided t-test at α = ${alpha} (paired by seed where both settings were trained with the same seeds, else Welch's), not corrected for multiple comparisons, as each answers its own question: were there no real differences, each would still read "beyond the noise" with probability ${alpha}${count > 1 ? `, ${Number(expected.toPrecision(2))} of these ${count} on average` : ''}.`;
}

/** "Over 3 seeds: test accuracy 55.83% ± 0.21 (n = 3), …; the curves are their mean, the band ±1 sd." */
export function repeatsLine(g: Gathered, t: TrainTrial): string {
  if (t.repeats <= 1) return '';
  const parts = (['validation', 'test'] as const)
    .map((k) => [k, repeatSpread(g, t, PICK[k])] as const)
    .filter(([, s]) => s);
  const time = repeatSpread(g, t, PICK.seconds);
  return ` Over ${t.repeats} seeds: ${parts.map(([k, s]) => `${k} accuracy ${spreadText(s, t.repeats)}`).join(', ')}${time ? `, ${time.mean.toFixed(1)} s each on average` : ''}; the curves show their mean, the band ±1 sd.`;
}

/** The variants, stages and final that took their η bounds from the LR range test `name`. */
export function handOverText(g: Gathered, name: string): string {
  const users = g.plan.trials.filter(
    (t): t is TrainTrial => t.kind === 'train' && t.repeat === 1 && t.config.schedule.from === name,
  );
  if (!users.length) return '';
  const bounds = users.map((t) => `[${t.config.schedule.eta_min}, ${t.config.schedule.eta_max}]`);
  const same = bounds.every((b) => b === bounds[0]);
  const names = [
    ...new Set(
      users.map((t) =>
        t.role === 'variant'
          ? `variant ${t.variant}`
          : t.role === 'search'
            ? `search stage ${t.stage}`
            : 'the final network',
      ),
    ),
  ];
  return ` These bounds are handed over (schedule.from: ${name}) to ${names.join(', ')}, which train${names.length === 1 && names[0] !== 'the final network' ? 's' : ''} with η in ${same ? bounds[0] : [...new Set(bounds)].join(', ')}.`;
}
