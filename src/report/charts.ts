// Vega-Lite specs for the report's charts and their rendering to SVG in-process (renderer 'none',
// so text metrics are vega's own estimates and identical on every machine). Ids inside an SVG are
// renamed to `<chart>-<n>` in order of appearance, so output is byte-stable and several charts can
// be inlined into one HTML page without clashing.
import type { CurvePoint } from '../engine/index.ts';

export type VlSpec = Record<string, unknown>;

export interface Chart {
  /** File stem under assets/, e.g. "curves-3-layer-bn". */
  name: string;
  caption: string;
  spec: VlSpec;
}

const WIDTH = 640;
const FONT = 'Helvetica, Arial, sans-serif';
const SPLIT_COLORS = { domain: ['training', 'validation'], range: ['#1f77b4', '#d62728'] };

const config = {
  font: FONT,
  view: { stroke: '#ccc' },
  axis: { labelFontSize: 10, titleFontSize: 11, titleFontWeight: 'normal', gridColor: '#eee' },
  legend: {
    labelFontSize: 10,
    titleFontSize: 11,
    titleFontWeight: 'normal',
    orient: 'bottom',
    direction: 'horizontal',
  },
  title: { fontSize: 12, fontWeight: 'bold', anchor: 'start' },
  line: { strokeWidth: 1.5 },
};

const base = (extra: VlSpec): VlSpec => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  config,
  background: 'white',
  padding: 6,
  ...extra,
});

/** Curves with non-finite values dropped (a diverged run records NaN or Infinity). */
function finite(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

export interface CurveAxis {
  field: 'step' | 'epoch';
  title: string;
}

/** The x axis of a trial's curves: epochs for constant and step schedules, update steps otherwise. */
export function curveAxis(scheduleKind: string): CurveAxis {
  return scheduleKind === 'constant' || scheduleKind === 'step'
    ? { field: 'epoch', title: 'epoch' }
    : { field: 'step', title: 'update step' };
}

/** Cost, loss and accuracy for training and validation, and η, against the update step (2×2 panels). */
export function curvesSpec(points: CurvePoint[], axis: CurveAxis): VlSpec {
  const rows: Record<string, unknown>[] = [];
  for (const p of points) {
    const x = axis.field === 'epoch' ? Number(p.epoch.toFixed(6)) : p.step;
    for (const split of ['training', 'validation'] as const) {
      const m = split === 'training' ? p.train : p.validation;
      if (!m) continue;
      for (const metric of ['cost', 'loss', 'accuracy'] as const)
        if (finite(m[metric])) rows.push({ x, split, metric, value: m[metric] });
    }
    if (finite(p.eta)) rows.push({ x, split: 'η', metric: 'eta', value: p.eta });
  }
  const w = (WIDTH - 90) / 2;
  const h = 150;
  // A constant η would sit on the panel's top edge: give it room (domain 0 … 2η).
  const etas = points.map((p) => p.eta).filter(finite);
  const constantEta = etas.length > 0 && etas.every((e) => e === etas[0]) && etas[0] > 0 ? etas[0] : null;
  const panel = (metric: string, yTitle: string, extra: VlSpec = {}) => ({
    width: w,
    height: h,
    title: yTitle,
    transform: [{ filter: { field: 'metric', equal: metric } }],
    mark: { type: 'line', clip: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: axis.title },
      y: { field: 'value', type: 'quantitative', title: yTitle, scale: { zero: false } },
      color: { field: 'split', type: 'nominal', title: null, scale: SPLIT_COLORS },
      ...extra,
    },
  });
  return base({
    data: { values: rows },
    columns: 2,
    concat: [
      panel('cost', 'cost'),
      panel('loss', 'loss'),
      panel('accuracy', 'accuracy', {}),
      {
        width: w,
        height: h,
        title: 'learning rate η',
        transform: [{ filter: { field: 'metric', equal: 'eta' } }],
        mark: { type: 'line', color: '#555', clip: true },
        encoding: {
          x: { field: 'x', type: 'quantitative', title: axis.title },
          y: {
            field: 'value',
            type: 'quantitative',
            title: 'η',
            axis: { format: '.1e' },
            ...(constantEta ? { scale: { domain: [0, 2 * constantEta] } } : {}),
          },
        },
      },
    ],
    resolve: { scale: { y: 'independent' } },
  });
}

/** A group's variants overlaid: validation loss and accuracy (training when no validation) per variant. */
export function overlaySpec(series: { variant: string; points: CurvePoint[] }[], axis: CurveAxis): VlSpec {
  const rows: Record<string, unknown>[] = [];
  let split: 'validation' | 'training' = 'validation';
  if (series.every((s) => s.points.every((p) => !p.validation))) split = 'training';
  for (const s of series) {
    for (const p of s.points) {
      const m = split === 'validation' ? p.validation : p.train;
      if (!m) continue;
      const x = axis.field === 'epoch' ? Number(p.epoch.toFixed(6)) : p.step;
      if (finite(m.loss)) rows.push({ x, variant: s.variant, metric: 'loss', value: m.loss });
      if (finite(m.accuracy)) rows.push({ x, variant: s.variant, metric: 'accuracy', value: m.accuracy });
    }
  }
  const w = (WIDTH - 90) / 2;
  const panel = (metric: string) => ({
    width: w,
    height: 170,
    title: `${split} ${metric}`,
    transform: [{ filter: { field: 'metric', equal: metric } }],
    mark: { type: 'line', clip: true },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: axis.title },
      y: { field: 'value', type: 'quantitative', title: `${split} ${metric}`, scale: { zero: false } },
      color: {
        field: 'variant',
        type: 'nominal',
        title: null,
        sort: series.map((s) => s.variant),
        scale: { scheme: 'category10' },
        legend: { labelLimit: 400 },
      },
      strokeDash: { field: 'variant', type: 'nominal', title: null, sort: series.map((s) => s.variant) },
    },
  });
  return base({
    data: { values: rows },
    hconcat: [panel('loss'), panel('accuracy')],
    resolve: { scale: { y: 'independent' } },
  });
}

/** A search: the searched value (log axis when searched log-uniformly) against validation accuracy, one colour and shape per stage. */
export function searchSpec(
  points: { stage: string; value: number; accuracy: number }[],
  param: string,
  log: boolean,
  stages: string[],
): VlSpec {
  return base({
    width: WIDTH - 120,
    height: 220,
    data: { values: points.map((p) => ({ stage: p.stage, value: p.value, accuracy: p.accuracy })) },
    mark: { type: 'point', filled: true, size: 60, opacity: 0.85 },
    encoding: {
      x: {
        field: 'value',
        type: 'quantitative',
        title: log ? `${param} (log scale)` : param,
        scale: log ? { type: 'log', padding: 12 } : { zero: false, padding: 12 },
        axis: log ? { format: '.0e', labelOverlap: 'greedy' } : {},
      },
      y: {
        field: 'accuracy',
        type: 'quantitative',
        title: 'validation accuracy',
        scale: { zero: false, padding: 12 },
        axis: { format: '.1%' },
      },
      color: { field: 'stage', type: 'nominal', title: 'stage', sort: stages, scale: { scheme: 'category10' } },
      shape: { field: 'stage', type: 'nominal', title: 'stage', sort: stages },
    },
  });
}

/** The LR range test: accuracy and loss against η (log axis), with the chosen bounds as rule lines. */
export function lrRangeSpec(points: CurvePoint[], bounds: { etaMin: number; etaMax: number } | null): VlSpec {
  const rows: Record<string, unknown>[] = [];
  for (const p of points) {
    if (!finite(p.eta) || p.eta <= 0) continue;
    for (const split of ['training', 'validation'] as const) {
      const m = split === 'training' ? p.train : p.validation;
      if (!m) continue;
      if (finite(m.accuracy)) rows.push({ eta: p.eta, split, metric: 'accuracy', value: m.accuracy });
      if (finite(m.loss)) rows.push({ eta: p.eta, split, metric: 'loss', value: m.loss });
    }
  }
  const rules = bounds
    ? [
        { eta: bounds.etaMin, label: `η_min = ${fmtEta(bounds.etaMin)}` },
        { eta: bounds.etaMax, label: `η_max = ${fmtEta(bounds.etaMax)}` },
      ]
    : [];
  const w = (WIDTH - 90) / 2;
  const panel = (metric: string) => ({
    width: w,
    height: 190,
    layer: [
      {
        transform: [{ filter: { field: 'metric', equal: metric } }],
        mark: { type: 'line', clip: true },
        encoding: {
          x: {
            field: 'eta',
            type: 'quantitative',
            title: 'learning rate η (log scale)',
            scale: { type: 'log' },
            axis: { format: '.0e' },
          },
          y: {
            field: 'value',
            type: 'quantitative',
            title: metric,
            scale: { zero: false },
            axis: metric === 'accuracy' ? { format: '.0%' } : {},
          },
          color: { field: 'split', type: 'nominal', title: null, scale: SPLIT_COLORS },
        },
      },
      ...(rules.length
        ? [
            {
              data: { values: rules },
              mark: { type: 'rule', strokeDash: [4, 3], color: '#2ca02c' },
              encoding: { x: { field: 'eta', type: 'quantitative' } },
            },
            ...rules.map((r, i) => ({
              data: { values: [r] },
              mark: {
                type: 'text',
                align: i === 0 ? 'right' : 'left',
                dx: i === 0 ? -3 : 3,
                baseline: 'top',
                fontSize: 9,
                color: '#2ca02c',
              },
              encoding: { x: { field: 'eta', type: 'quantitative' }, y: { value: 3 }, text: { field: 'label' } },
            })),
          ]
        : []),
    ],
    title: `${metric} against η`,
  });
  return base({
    data: { values: rows },
    hconcat: [panel('accuracy'), panel('loss')],
    resolve: { scale: { y: 'independent' } },
  });
}

function fmtEta(x: number): string {
  return x
    .toExponential(1)
    .replace(/\.0e/, 'e')
    .replace(/e([+-])0*(\d)/, 'e$1$2')
    .replace('e+', 'e');
}

let vegaModules: Promise<{ vega: typeof import('vega'); vl: typeof import('vega-lite') }> | null = null;
function loadVega() {
  vegaModules ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vl]) => ({ vega, vl }));
  return vegaModules;
}

/** Compiles a Vega-Lite spec; returns the Vega spec (written beside the SVG) and the SVG. */
export async function renderChart(spec: VlSpec, idPrefix: string): Promise<{ vega: unknown; svg: string }> {
  const { vega, vl } = await loadVega();
  const compiled = vl.compile(spec as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return { vega: compiled, svg: stableIds(svg, idPrefix) };
}

/** Renames every id (and its url(#…)/href="#…" references) to `<prefix>-<n>` in order of appearance. */
export function stableIds(svg: string, prefix: string): string {
  const map = new Map<string, string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) if (!map.has(m[1])) map.set(m[1], `${prefix}-${map.size + 1}`);
  if (!map.size) return svg;
  return svg
    .replace(/(\sid=")([^"]+)"/g, (_, a, id) => `${a}${map.get(id) ?? id}"`)
    .replace(/url\(#([^)]+)\)/g, (all, id) => (map.has(id) ? `url(#${map.get(id)})` : all))
    .replace(/(href=")#([^"]+)"/g, (all, a, id) => (map.has(id) ? `${a}#${map.get(id)}"` : all));
}
