// Makes a report chart interactive for report.html and the watch page: the Vega-Lite spec of
// charts.ts (the one the SVG comes from) gains tooltips with the values, legend toggles and zoom on
// the step axis, and is compiled to Vega here, so the page needs only the Vega runtime.
import type { VlSpec } from './charts.ts';

type Unit = VlSpec & {
  mark: string | { type: string; opacity?: number; fillOpacity?: number };
  encoding?: Record<string, Enc>;
};
type Enc = {
  field?: string;
  type?: string;
  title?: string | null;
  axis?: { format?: string } | null;
  scale?: unknown;
  condition?: unknown;
  value?: unknown;
  legend?: Record<string, unknown> | null;
};

/** The field every curve chart puts the update step (or epoch) in: charts.ts curvesSpec/overlaySpec. */
const STEP_FIELD = 'x';
/** Opacity of a series switched off in the legend. */
const DIMMED = 0.12;

const markType = (u: Unit) => (typeof u.mark === 'string' ? u.mark : u.mark.type);
/** The opacity a series is drawn with when shown; for an area its fill's, however the spec gives it. */
function shownOpacity(u: Unit): number {
  const mark = typeof u.mark === 'object' ? u.mark : { type: u.mark };
  const fill = u.encoding?.fillOpacity?.value;
  if (mark.type === 'area') return typeof fill === 'number' ? fill : (mark.fillOpacity ?? mark.opacity ?? 1);
  return mark.opacity ?? 1;
}
const CONCATS = ['concat', 'hconcat', 'vconcat'] as const;

/**
 * Every unit spec (one with a mark) of a spec, in order, with its scope and a way to replace it. A
 * scope is one Vega group: a unit alone, or all the units of one layer however deeply nested (a line
 * and the band under it). Vega-Lite defines a selection's signals in the group of each unit it is
 * placed in, so a selection placed in two units of one layer defines `legend_tuple` twice there, and
 * Vega refuses the whole chart ("Duplicate signal name"). Concatenated views and the inner view of
 * a facet or repeat are groups of their own.
 */
function units(spec: VlSpec, visit: (u: Unit, scope: number, replace: (s: VlSpec) => void) => void): void {
  let scopes = 0;
  const walk = (s: VlSpec, scope: number | null, replace: (s: VlSpec) => void) => {
    if ('mark' in s) return visit(s as Unit, scope ?? ++scopes, replace);
    const layer = s.layer as VlSpec[] | undefined;
    if (layer) {
      const here = scope ?? ++scopes;
      layer.forEach((child, i) => walk(child, here, (r) => (layer[i] = r)));
    }
    for (const key of CONCATS) {
      const list = s[key] as VlSpec[] | undefined;
      list?.forEach((child, i) => walk(child, null, (r) => (list[i] = r)));
    }
    if (s.spec) walk(s.spec as VlSpec, null, (r) => (s.spec = r));
  };
  walk(spec, null, () => {});
}

/** A tooltip format one step finer than the axis shows. */
function tooltipFormat(e: Enc): string {
  const f = e.axis?.format ?? '';
  if (f.includes('%')) return '.2%';
  if (f.includes('e')) return '.3~e';
  return '.4~g';
}

function tooltip(enc: Record<string, Enc>): Enc[] {
  const out: Enc[] = [];
  for (const channel of ['color', 'x', 'y'] as const) {
    const e = enc[channel];
    if (!e?.field) continue;
    const title = e.title ?? e.field;
    out.push(
      e.type === 'quantitative'
        ? ({ field: e.field, type: 'quantitative', title, format: tooltipFormat(e) } as Enc)
        : { field: e.field, type: e.type, title },
    );
  }
  return out;
}

/** The legend's field: the nominal colour of the chart's units, when they all agree on one. */
function legendField(spec: VlSpec): string | null {
  const fields = new Set<string>();
  units(spec, (u) => {
    const c = u.encoding?.color;
    if (c?.field && c.type === 'nominal') fields.add(c.field);
  });
  return fields.size === 1 ? [...fields][0] : null;
}

export function interactiveSpec(chart: VlSpec): VlSpec {
  const spec = structuredClone(chart);
  const legend = legendField(spec);
  // Top-level selections are placed in the units named in their `views`: one unit of each scope
  // (see units()), the first that can carry it. Every unit coloured by the legend's field is dimmed
  // by it (a band with its line); the step axis of a layer is one scale, so zooming the one unit
  // that carries the zoom moves every layer of it.
  const legendViews: string[] = [];
  const zoomViews: string[] = [];
  const legendScopes = new Set<number>();
  const zoomScopes = new Set<number>();
  let n = 0;
  units(spec, (u, scope, replace) => {
    const enc = u.encoding ?? {};
    const toggled = legend !== null && enc.color?.field === legend;
    const carriesLegend = toggled && !legendScopes.has(scope);
    const carriesZoom = enc.x?.field === STEP_FIELD && !zoomScopes.has(scope);
    const name = carriesLegend || carriesZoom ? `view_${++n}` : undefined;
    if (name && carriesLegend) {
      legendScopes.add(scope);
      legendViews.push(name);
    }
    if (name && carriesZoom) {
      zoomScopes.add(scope);
      zoomViews.push(name);
    }
    const base = shownOpacity(u);
    const opacity = toggled
      ? { opacity: { condition: { param: 'legend', value: base }, value: Number((base * DIMMED).toFixed(4)) } }
      : {};
    const tips = tooltip(enc);
    const type = markType(u);
    if (type === 'point') {
      Object.assign(u, { ...(name ? { name } : {}), encoding: { ...enc, ...opacity, tooltip: tips } });
    } else if (type === 'line' && tips.length) {
      // A line is one SVG path, so hovering it tells only its first point: invisible points on the
      // recorded values carry the tooltip.
      const { mark, encoding, transform, data, ...frame } = u;
      const { x, y } = enc;
      replace({
        ...frame,
        ...(data ? { data } : {}),
        ...(transform ? { transform } : {}),
        layer: [
          { ...(name ? { name } : {}), mark, encoding: { ...encoding, ...opacity } },
          { mark: { type: 'point', size: 70, opacity: 0, filled: true }, encoding: { x, y, tooltip: tips } },
        ],
      });
    } else if (type === 'area' && toggled) {
      // A band (repeats.ts withBands) is drawn under its line, so it is the layer the legend takes
      // its symbols from: dimmed through its fill's opacity, not its opacity (which the legend's
      // symbols would copy), and with the line's symbol, so the legend shows what the lines are.
      const { opacity: _o, fillOpacity: _f, ...mark } = typeof u.mark === 'string' ? { type: u.mark } : u.mark;
      const legendOf = enc.color!.legend;
      Object.assign(u, {
        ...(name ? { name } : {}),
        mark,
        encoding: {
          ...enc,
          color: { ...enc.color, legend: legendOf === null ? null : { ...legendOf, symbolType: 'stroke' } },
          fillOpacity: opacity.opacity,
        },
      });
    } else {
      Object.assign(u, { ...(name ? { name } : {}), encoding: { ...enc, ...opacity } });
    }
  });
  const params: VlSpec[] = [];
  if (legendViews.length)
    params.push({ name: 'legend', select: { type: 'point', fields: [legend] }, bind: 'legend', views: legendViews });
  if (zoomViews.length)
    params.push({ name: 'zoom', select: { type: 'interval', encodings: ['x'] }, bind: 'scales', views: zoomViews });
  if (params.length) spec.params = params;
  return spec;
}

let vegaLite: Promise<typeof import('vega-lite')> | null = null;

/** The interactive Vega spec of a chart. */
export async function interactiveVega(chart: VlSpec): Promise<unknown> {
  vegaLite ??= import('vega-lite');
  return (await vegaLite).compile(interactiveSpec(chart) as never).spec;
}
