// Makes a report chart interactive for report.html and the watch page: the Vega-Lite spec of
// charts.ts (the one the SVG comes from) gains tooltips with the values, legend toggles and zoom on
// the step axis, and is compiled to Vega here, so the page needs only the Vega runtime.
import type { VlSpec } from './charts.ts';

type Unit = VlSpec & { mark: string | { type: string }; encoding?: Record<string, Enc> };
type Enc = {
  field?: string;
  type?: string;
  title?: string | null;
  axis?: { format?: string } | null;
  scale?: unknown;
  condition?: unknown;
  value?: unknown;
};

/** The field every curve chart puts the update step (or epoch) in: charts.ts curvesSpec/overlaySpec. */
const STEP_FIELD = 'x';
/** Opacity of a series switched off in the legend. */
const DIMMED = 0.12;

const markType = (u: Unit) => (typeof u.mark === 'string' ? u.mark : u.mark.type);
const COMPOSITES = ['concat', 'hconcat', 'vconcat', 'layer'] as const;

/** Every unit spec (one with a mark) in a composite spec, with a way to replace it. */
function units(spec: VlSpec, visit: (u: Unit, replace: (s: VlSpec) => void) => void): void {
  for (const key of COMPOSITES) {
    const list = spec[key] as VlSpec[] | undefined;
    list?.forEach((child, i) => {
      if ('mark' in child) visit(child as Unit, (s) => (list[i] = s));
      else units(child, visit);
    });
  }
  if ('mark' in spec && !COMPOSITES.some((k) => k in spec)) visit(spec as Unit, () => {});
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
  // Top-level selections are placed in the units named in their `views` (one copy each; left to
  // find units by themselves, vega-lite places them in both layers of a line and its points twice).
  const legendViews: string[] = [];
  const zoomViews: string[] = [];
  let n = 0;
  units(spec, (u, replace) => {
    const enc = u.encoding ?? {};
    const name = `view_${++n}`;
    if (enc.x?.field === STEP_FIELD) zoomViews.push(name);
    const toggled = legend && enc.color?.field === legend;
    if (toggled) legendViews.push(name);
    const opacity = toggled ? { opacity: { condition: { param: 'legend', value: 1 }, value: DIMMED } } : {};
    const tips = tooltip(enc);
    const type = markType(u);
    if (type === 'point') {
      Object.assign(u, { name, encoding: { ...enc, ...opacity, tooltip: tips } });
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
          { name, mark, encoding: { ...encoding, ...opacity } },
          { mark: { type: 'point', size: 70, opacity: 0, filled: true }, encoding: { x, y, tooltip: tips } },
        ],
      });
    } else if (enc.x?.field === STEP_FIELD) {
      u.name = name;
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
