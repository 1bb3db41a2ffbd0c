// Builds the report model from gathered runs: every table as rows of finished Markdown cells
// (escaped, numbers in fixed formats), every chart as a Vega-Lite spec with a file name, and every
// sentence that interprets results computed from the numbers. Templates only lay this out.
import { basename, dirname } from 'node:path';
import { canonicalJson, sha256 } from '../config/canonical.ts';
import { trainingLength, type Trial, type TrainTrial, type GradientCheckTrial } from '../config/expand.ts';
import { splitSizes, type TrialConfig, type Variant } from '../config/resolve.ts';
import { SOURCES } from '../config/datasets.ts';
import type { TrainResult, GradientCheckResult, StoredResult } from '../store/types.ts';
import { rankStage } from '../store/rank.ts';
import type { CurvePoint } from '../engine/index.ts';
import type { Gathered } from './gather.ts';
import { curveAxis, curvesSpec, lrRangeSpec, overlaySpec, searchSpec, type Chart } from './charts.ts';
import { chooseLrBounds, LR_RANGE_RULE } from '../runner/lr-range.ts';
import { byText, dec, int, md, num, pct, plural, seconds, slug } from './format.ts';
import { CLASS_NAMES } from './weights.ts';
import { accText, bandRows, handOverText, headlineOf, noiseNote, PICK, repeatCurves, repeatSpread, repeatsLine, spreadText, withBands } from './repeats.ts';

export const NOT_RUN = 'not run yet';

export interface Table {
  header: string[];
  /** 'l' or 'r' per column. */
  align: string[];
  rows: string[][];
}

export interface FigureRef {
  file: string;
  caption: string;
}

export interface WeightsView {
  images: { file: string; label: string }[];
  /** Set when the images could not be drawn (engine not built, no model stored). */
  note?: string;
}

/** Raw pixels of weight images, written as PNG by index.ts. */
export interface WeightsRequest {
  hash: string;
  variant: string;
  d: number;
  classes: number;
  files: string[];
  /** The view the images appear in; a note replaces them when they cannot be drawn. */
  view: WeightsView;
}

export interface VariantView {
  name: string;
  title: string;
  description: string;
  run: boolean;
  status: string;
  figure: FigureRef | null;
  summary: string;
  weights: WeightsView | null;
}

export interface GroupView {
  name: string;
  title: string;
  description: string;
  overlay: FigureRef | null;
  pivot: Table | null;
  findings: string[];
  variants: VariantView[];
}

export interface LrRangeView {
  name: string;
  title: string;
  description: string;
  run: boolean;
  figure: FigureRef | null;
  rule: string;
  choice: string;
}

export interface StageView {
  name: string;
  param: string;
  range: string;
  training: string;
  pending: string;
  table: Table;
  best: string;
}

export interface SearchView {
  param: string;
  stages: StageView[];
  figure: FigureRef | null;
}

export interface FinalView {
  run: boolean;
  text: string;
  figure: FigureRef | null;
  table: Table | null;
}

export interface ReportModel {
  kind: string;
  name: string;
  /** The experiment file as a user types it: experiments/NAME.yaml. */
  file: string;
  title: string;
  description: string;
  dataLine: string;
  missing: { id: string; reason: string }[];
  missingCount: number;
  plannedCount: number;
  hyperparameters: Table;
  gradientCheck: { tables: { title: string; table: Table }[]; summary: string } | null;
  groups: GroupView[];
  lrRange: LrRangeView[];
  searches: SearchView[];
  final: FinalView | null;
  results: Table;
  findings: string[];
  timing: Table;
  timingSummary: string;
  provenance: Table;
  charts: Chart[];
  weights: WeightsRequest[];
}

const trainResult = (g: Gathered, t: Trial): TrainResult | undefined => {
  const r = g.result(t.hash);
  return r?.kind === 'train' ? r : undefined;
};

function statusText(r: StoredResult | undefined): string {
  if (!r) return NOT_RUN;
  if (r.kind === 'train' && r.status === 'diverged') return `diverged${r.message ? `: ${md(r.message)}` : ''}`;
  return 'ok';
}

function layers(c: TrialConfig): string {
  return `${c.model.hidden.length + 1}-layer`;
}

function initText(c: TrialConfig): string {
  return c.model.init === 'normal' ? `N(0, ${num(c.model.init_sigma)}²)` : c.model.init === 'he' ? 'He' : c.model.init === 'fan_in' ? '1/√fan-in' : c.model.init;
}

function scheduleText(c: TrialConfig): { kind: string; eta: string } {
  const s = c.schedule;
  switch (s.kind) {
    case 'constant':
      return { kind: 'constant', eta: num(s.eta) };
    case 'step':
      return { kind: `step ×${num(s.factor)} every ${num(s.every)} epochs`, eta: num(s.eta) };
    case 'cyclic':
      return { kind: `cyclic (${s.policy})`, eta: `${num(s.eta_min)} – ${num(s.eta_max)}` };
    case 'lr_range':
      return { kind: `LR range test (${s.curve})`, eta: `${num(s.eta_min)} → ${num(s.eta_max)}` };
  }
}

/** One row of the hyperparameter table. */
function hyperRow(label: string, c: TrialConfig, searched?: string): string[] {
  const L = trainingLength(c);
  const sizes = splitSizes(c);
  const sch = scheduleText(c);
  const cycles = L.stepSize ? num(Number((L.totalSteps / (2 * L.stepSize)).toFixed(2))) : '–';
  const lambda = searched === 'training.lambda' ? 'searched' : num(c.training.lambda);
  return [
    label,
    c.model.hidden.length ? md(c.model.hidden.join(', ')) : 'none',
    c.model.batch_norm ? 'yes' : 'no',
    md(initText(c)),
    lambda,
    String(c.training.batch_size),
    md(sch.kind),
    md(sch.eta),
    L.stepSize ? int(L.stepSize) : '–',
    int(L.totalSteps),
    cycles,
    num(Number(L.epochs.toFixed(2))),
    `${int(sizes.train)} / ${int(sizes.validation)}`,
  ];
}

const HYPER_HEADER = ['run', 'hidden', 'BN', 'init', 'λ', 'batch', 'schedule', 'η', 'n_s', 'steps', 'cycles', 'epochs', 'train / val images'];

/** Dotted paths where two configs differ (leaves; arrays compared whole). */
function differingPaths(a: unknown, b: unknown, prefix = ''): string[] {
  const isObj = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(a) && isObj(b)) {
    const keys = [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort(byText);
    return keys.flatMap((k) => differingPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k));
  }
  return canonicalJson(a ?? null) === canonicalJson(b ?? null) ? [] : [prefix];
}

function getPath(c: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), c);
}

const PATH_LABELS: Record<string, string> = {
  'training.lambda': 'λ',
  'schedule.eta': 'η',
  'schedule.eta_min': 'η_min',
  'schedule.eta_max': 'η_max',
  'schedule.step_size': 'n_s',
  'model.init_sigma': 'σ',
  'training.cycles': 'cycles',
  'training.epochs': 'epochs',
  'training.batch_size': 'batch size',
  'model.dropout': 'dropout',
};

/** "λ = 0.1", "with BN", "the 9-layer network". */
function settingText(path: string, value: unknown): string {
  if (path === 'model.batch_norm') return value ? 'with batch normalization' : 'without batch normalization';
  if (path === 'model.hidden') return `the ${(value as number[]).length + 1}-layer network`;
  if (path === 'schedule.from') return value ? `η bounds from the LR range test ${value}` : 'η bounds as written';
  const label = PATH_LABELS[path] ?? path;
  return `${label} = ${typeof value === 'number' ? num(value) : Array.isArray(value) ? `[${value.join(', ')}]` : String(value)}`;
}

function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (Array.isArray(a) && Array.isArray(b)) return a.length - b.length || byText(canonicalJson(a), canonicalJson(b));
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return byText(canonicalJson(a), canonicalJson(b));
}

function joinList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function chance(acc: number, classes: number): string {
  return acc < 1 / classes + 0.02 ? ' (chance level)' : '';
}

/**
 * Sentences comparing a group's variants that differ in one setting: batch normalization against
 * none, and chains of values (σ, λ, η) with the accuracy each reached.
 */
function groupFindings(g: Gathered, variants: Variant[], classes: number): string[] {
  const done = variants.filter((v) => headlineOf(g, variantTrial(g, v.name)));
  if (done.length < 2) return [];
  const paths = new Set<string>();
  for (const a of done) for (const b of done) differingPaths(a.config, b.config).forEach((p) => paths.add(p));
  const out: string[] = [];
  for (const path of [...paths].sort(byText)) {
    const families = new Map<string, Variant[]>();
    for (const v of done) {
      const rest = structuredClone(v.config) as unknown as Record<string, unknown>;
      const keys = path.split('.');
      delete (getPath(rest, keys.slice(0, -1).join('.')) as Record<string, unknown>)[keys.at(-1)!];
      const key = canonicalJson(rest);
      families.set(key, [...(families.get(key) ?? []), v]);
    }
    for (const fam of families.values()) {
      if (fam.length < 2) continue;
      fam.sort((a, b) => compareValues(getPath(a.config, path), getPath(b.config, path)));
      const acc = (v: Variant) => headlineOf(g, variantTrial(g, v.name))!;
      const split = acc(fam[0]).split;
      const others = [...paths].filter((p) => p !== path && p !== 'model.init' && fam.every((v) => canonicalJson(getPath(v.config, p)) === canonicalJson(getPath(fam[0].config, p))));
      const context = others
        .filter((p) => p !== 'model.hidden' || path !== 'model.batch_norm')
        .filter((p) => !(p === 'model.init_sigma' && fam[0].config.model.init !== 'normal'))
        .map((p) => settingText(p, getPath(fam[0].config, p)));
      const prefix = context.length ? `${joinList(context.map((c) => (/^(with|without|the) /.test(c) ? c : `with ${c}`)))}, ` : '';
      if (path === 'model.batch_norm' && fam.length === 2) {
        const [off, on] = fam;
        const [ha, hb] = [acc(off), acc(on)];
        const [a, b] = [ha.value, hb.value];
        const verb = b > a ? 'raised' : b < a ? 'lowered' : 'left';
        const net = `the ${layers(fam[0].config)} network's ${split} accuracy`;
        out.push(
          verb === 'left'
            ? `${prefix}batch normalization left ${net} at ${ha.text}.`
            : `${prefix}batch normalization ${verb} ${net} from ${ha.text}${chance(a, classes)} to ${hb.text}${chance(b, classes)} (${b > a ? '+' : '−'}${(Math.abs(b - a) * 100).toFixed(2)} points${noiseNote(ha.spread, hb.spread)}).`,
        );
      } else {
        const parts = fam.map((v) => {
          const a = acc(v);
          const where = path === 'model.hidden' ? `for ${settingText(path, getPath(v.config, path))}` : `at ${settingText(path, getPath(v.config, path))}`;
          return `${a.text}${chance(a.value, classes)} ${where}`;
        });
        out.push(`${prefix}${split} accuracy was ${joinList(parts)}.`);
      }
    }
  }
  return out.map((s) => md(capitalize(s)));
}

/** Upper-cases a leading ASCII letter only (σ stays σ). */
function capitalize(s: string): string {
  return /^[a-z]/.test(s) ? s[0].toUpperCase() + s.slice(1) : s;
}

function variantTrial(g: Gathered, name: string): TrainTrial | undefined {
  return g.plan.trials.find((t): t is TrainTrial => t.kind === 'train' && t.role === 'variant' && t.variant === name);
}

/** A table of the headline accuracy over two settings of a group (e.g. σ × BN), when the group is a full grid of them. */
function pivotTable(g: Gathered, variants: Variant[]): Table | null {
  if (variants.length < 4) return null;
  const paths = new Set<string>();
  for (const a of variants) for (const b of variants) differingPaths(a.config, b.config).forEach((p) => paths.add(p));
  paths.delete('model.init');
  const list = [...paths].sort(byText);
  if (list.length !== 2) return null;
  let [rowPath, colPath] = list;
  if (rowPath === 'model.batch_norm') [rowPath, colPath] = [colPath, rowPath];
  const distinct = (p: string) => [...new Map(variants.map((v) => [canonicalJson(getPath(v.config, p)), getPath(v.config, p)])).values()].sort(compareValues);
  const rowsV = distinct(rowPath);
  const colsV = distinct(colPath);
  if (colPath === 'model.batch_norm') colsV.reverse();
  if (rowsV.length * colsV.length !== variants.length) return null;
  const label = (p: string, v: unknown) => (p === 'model.batch_norm' ? (v ? 'with BN' : 'without BN') : p === 'model.hidden' ? `${(v as number[]).length + 1}-layer [${(v as number[]).join(', ')}]` : settingText(p, v));
  let split = 'test';
  const rows = rowsV.map((rv) => [
    md(label(rowPath, rv)),
    ...colsV.map((cv) => {
      const v = variants.find((x) => canonicalJson(getPath(x.config, rowPath)) === canonicalJson(rv) && canonicalJson(getPath(x.config, colPath)) === canonicalJson(cv));
      const h = v ? headlineOf(g, variantTrial(g, v.name)) : null;
      if (h?.split === 'validation') split = 'validation';
      return h ? h.text : NOT_RUN;
    }),
  ]);
  return { header: ['', ...colsV.map((cv) => md(`${label(colPath, cv)} (${split} acc.)`))], align: ['l', ...colsV.map(() => 'r')], rows };
}

function lengthText(c: TrialConfig): string {
  const L = trainingLength(c);
  return L.stepSize ? `${plural(Number((L.totalSteps / (2 * L.stepSize)).toFixed(2)), 'cycle')} with n_s = ${L.stepSize}` : plural(Number(L.epochs.toFixed(2)), 'epoch');
}

function metricsLine(r: TrainResult): string {
  const parts = [`training accuracy ${pct(r.final.train.accuracy)}`];
  if (r.final.validation) parts.push(`validation ${pct(r.final.validation.accuracy)}`);
  if (r.final.test) parts.push(`test ${pct(r.final.test.accuracy)}`);
  const loss = r.final.validation ? `; final validation loss ${dec(r.final.validation.loss)}, cost ${dec(r.final.validation.cost)}` : `; final training loss ${dec(r.final.train.loss)}, cost ${dec(r.final.train.cost)}`;
  return `${parts.join(', ')}${loss}; ${int(r.steps)} update steps in ${seconds(r.seconds)}.`;
}

export function buildModel(g: Gathered): ReportModel {
  const { exp, plan } = g;
  const charts: Chart[] = [];
  const weights: WeightsRequest[] = [];
  const facts = SOURCES[exp.base.dataset.source];
  const addChart = (name: string, caption: string, spec: Record<string, unknown>): FigureRef => {
    charts.push({ name, caption, spec });
    return { file: `assets/${name}.svg`, caption: md(caption) };
  };

  // Title, description, data line.
  const dataDescriptions = [...new Set([...g.stored.values()].map((s) => s.result.data).filter(Boolean))].sort(byText);
  const sizes = splitSizes(exp.base);
  const ds = exp.base.dataset;
  const dataLine = md(
    `${dataDescriptions.length ? dataDescriptions.join('; ') : facts.label}. Training: ${int(sizes.train)} images (${ds.train.join(', ')}${ds.validation.holdout ? `, less the last ${ds.validation.holdout} for validation` : ''}${ds.subsample ? `, subsampled to ${ds.subsample}` : ''}); validation: ${int(sizes.validation)} images (${ds.validation.parts ? ds.validation.parts.join(', ') : 'held out'}); test: ${int(sizes.test)} images (${ds.test.join(', ')}). Pre-processing: ${exp.base.preprocess === 'standardize' ? 'subtract the training mean and divide by the training standard deviation, per dimension' : 'scale to [0, 1]'}.`,
  );

  // Hyperparameters.
  // A variant's planned config: with the η bounds its LR range test chose, where it takes them.
  const hyperRows: string[][] = exp.variants.map((v) => hyperRow(md(v.name), variantTrial(g, v.name)?.config ?? v.config));
  for (const s of plan.stages) {
    const first = plan.trials.find((t): t is TrainTrial => t.kind === 'train' && t.role === 'search' && t.stage === s.name);
    if (first) hyperRows.push(hyperRow(md(`search ${s.name}`), first.config, s.param));
  }
  const finalTrial = plan.trials.find((t): t is TrainTrial => t.kind === 'train' && t.role === 'final');
  if (finalTrial) hyperRows.push(hyperRow('final', finalTrial.config));
  const hyperparameters: Table = { header: HYPER_HEADER, align: ['l', 'l', 'l', 'l', 'r', 'r', 'l', 'l', 'r', 'r', 'r', 'r', 'r'], rows: hyperRows };

  // Gradient checks.
  const gcTrials = plan.trials.filter((t): t is GradientCheckTrial => t.kind === 'gradient_check');
  let gradientCheck: ReportModel['gradientCheck'] = null;
  if (gcTrials.length) {
    const rows: string[][] = [];
    let worst: { v: number; where: string } | null = null;
    let kinks = 0;
    for (const t of gcTrials) {
      const r = g.result(t.hash) as GradientCheckResult | undefined;
      const net = `${t.config.network.hidden.length + 1}-layer${t.config.network.hidden.length ? ` [${t.config.network.hidden.join(', ')}]` : ''}${t.config.network.batch_norm ? ' with BN' : ''}`;
      if (!r) {
        rows.push([md(net), '–', NOT_RUN, '', '']);
        continue;
      }
      for (const row of r.rows) {
        rows.push([md(net), md(row.tensor), sci(row.maxRel), sci(row.meanRel), sci(row.maxAbs)]);
        kinks += row.kinks ?? 0;
        if (!worst || row.maxRel > worst.v) worst = { v: row.maxRel, where: `${row.tensor} of the ${net} network` };
      }
    }
    const gc = exp.gradientCheck!;
    const bound = worst ? 10 ** Math.ceil(Math.log10(Math.max(worst.v, 1e-300)) + (Number.isInteger(Math.log10(worst.v)) ? 1 : 0)) : null;
    const summary = md(
      `Analytic gradients against centred differences (h = ${num(gc.h)}) on ${gc.samples} samples and the first ${gc.dims} input dimensions, λ = ${num(gc.lambda)}; relative error |g_a − g_n| / max(ε, |g_a| + |g_n|).` +
        (worst ? ` The largest relative error is ${sci(worst.v)} (${worst.where}): every relative error is below ${sci(bound!)}.` : '') +
        (kinks ? ` ${kinks} ${kinks === 1 ? 'entry was' : 'entries were'} not compared: a ReLU kink lies within ±h of ${kinks === 1 ? 'it' : 'them'}, so the difference quotient is not a derivative there.` : ''),
    );
    gradientCheck = { tables: [{ title: '', table: { header: ['network', 'tensor', 'max relative error', 'mean relative error', 'max absolute error'], align: ['l', 'l', 'r', 'r', 'r'], rows } }], summary };
  }

  // Variant groups (LR range tests get their own section).
  const groupsInOrder: string[] = [];
  for (const v of exp.variants) if (v.config.schedule.kind !== 'lr_range' && !groupsInOrder.includes(v.group)) groupsInOrder.push(v.group);
  const groups: GroupView[] = groupsInOrder.map((name) => {
    const members = exp.variants.filter((v) => v.group === name && v.config.schedule.kind !== 'lr_range');
    const axis = curveAxis(members[0].config.schedule.kind);
    const series = members
      .map((v) => ({ variant: v.name, ...repeatCurves(g, variantTrial(g, v.name)) }))
      .filter((s) => s.points.length);
    const overlaySplit = series.some((s) => s.points.some((p) => p.validation)) ? 'validation' : 'training';
    const bands = series.flatMap((s) => bandRows(s.runs, axis, { variant: s.variant, split: overlaySplit === 'validation' ? 'validation' : 'train' }));
    const overlay =
      series.length >= 2
        ? addChart(`group-${slug(name)}`, `${capitalize(name)}: the variants compared, ${overlaySplit} loss and accuracy against the ${axis.title}${bands.length ? ' (mean of the repeats, band ±1 sd)' : ''}.`, withBands(overlaySpec(series, axis, `${name}`), bands))
        : null;
    const shared = (v: Variant) => !v.description || members.filter((m) => m.description === v.description).length > 1;
    const variants: VariantView[] = members.map((v) => {
      const t = variantTrial(g, v.name);
      const r = t && trainResult(g, t);
      const { points: pts, runs } = repeatCurves(g, t);
      const vAxis = curveAxis(v.config.schedule.kind);
      const mean = runs.length > 1 ? ` (mean of ${runs.length} seeds, band ±1 sd)` : '';
      const figure = pts.length
        ? addChart(`curves-${slug(v.name)}`, `${v.name}: cost, loss and accuracy on the training and validation sets${mean}, and the learning rate, against the ${vAxis.title}.`, withBands(curvesSpec(pts, vAxis, v.name), bandRows(runs, vAxis)))
        : null;
      let w: WeightsView | null = null;
      if (exp.report.weights && v.config.model.hidden.length === 0 && t && r) {
        const names = CLASS_NAMES[v.config.dataset.source] ?? Array.from({ length: facts.classes }, (_, i) => String(i));
        const files = names.map((c) => `assets/weights-${slug(v.name)}-${slug(c)}.png`);
        w = { images: files.map((file, i) => ({ file, label: md(names[i]) })) };
        weights.push({ hash: t.hash, variant: v.name, d: facts.d, classes: facts.classes, files, view: w });
      }
      return {
        name: md(v.name),
        title: md(shared(v) ? v.name : v.description!),
        description: md(v.description ?? ''),
        run: !!r,
        status: t ? statusText(g.result(t.hash)) : NOT_RUN,
        figure,
        summary: t && r ? md(capitalize(metricsLine(r)) + repeatsLine(g, t)) : '',
        weights: w,
      };
    });
    return {
      name: md(name),
      title: md(capitalize(name)),
      description: md(members.find((m) => m.description)?.description && new Set(members.map((m) => m.description)).size === 1 ? members[0].description! : ''),
      overlay,
      pivot: pivotTable(g, members),
      findings: groupFindings(g, members, facts.classes),
      variants,
    };
  });

  // LR range tests.
  const lrRange: LrRangeView[] = exp.variants
    .filter((v) => v.config.schedule.kind === 'lr_range')
    .map((v) => {
      const t = variantTrial(g, v.name)!;
      const { points: pts, runs } = repeatCurves(g, t);
      const bounds = chooseLrBounds(pts);
      const s = v.config.schedule;
      const L = trainingLength(v.config);
      const figure = pts.length ? addChart(`lr-range-${slug(v.name)}`, `${v.name}: accuracy and loss against the learning rate η (log scale), with the chosen η_min and η_max.`, lrRangeSpec(pts, bounds, v.name)) : null;
      const choice = !pts.length
        ? ''
        : bounds
          ? `η rose ${s.curve === 'exponential' ? 'exponentially' : 'linearly'} from ${num(s.eta_min)} to ${num(s.eta_max)} over ${int(L.totalSteps)} update steps (${plural(Number(L.epochs.toFixed(2)), 'epoch')}). ${capitalize(bounds.split)} accuracy started at ${pct(bounds.startAccuracy)} and peaked at ${pct(bounds.peakAccuracy)}; the rule gives η_min = ${num(Number(bounds.etaMin.toPrecision(2)))} and η_max = ${num(Number(bounds.etaMax.toPrecision(2)))}${runs.length > 1 ? ` (from the mean curve of ${runs.length} seeds)` : ''}.${handOverText(g, v.name)}`
          : 'Accuracy never rose above its starting value, so the rule gives no bounds.';
      return { name: md(v.name), title: md(v.description ?? v.name), description: md(v.description ?? ''), run: !!g.result(t.hash), figure, rule: md(LR_RANGE_RULE), choice: md(choice) };
    });

  // Searches, one view per searched parameter.
  const searches: SearchView[] = [];
  const params = [...new Set(plan.stages.map((s) => s.param))];
  for (const param of params) {
    const stages = plan.stages.filter((s) => s.param === param);
    const label = PATH_LABELS[param] ?? param;
    const points: { stage: string; value: number; accuracy: number }[] = [];
    const views: StageView[] = stages.map((s) => {
      const trials = plan.trials.filter((t): t is TrainTrial => t.kind === 'train' && t.role === 'search' && t.stage === s.name);
      // One row per value: its first repeat stands for it, in the store's ranking (by the mean of its repeats).
      const ranking = rankStage(trials, (t) => trainResult(g, t));
      const rankOf = (t: TrainTrial) => ranking.find((x) => x.trial.index === t.index);
      const rows = trials.filter((t) => t.repeat === 1).map((t) => ({ t, r: trainResult(g, t), val: repeatSpread(g, t, PICK.validation), rank: rankOf(t) }));
      const position = (x: (typeof rows)[number]) => (x.rank ? ranking.indexOf(x.rank) : ranking.length);
      const ranked = rows.filter((x) => x.r).sort((a, b) => position(a) - position(b));
      for (const { t, val, rank } of ranked) if (typeof t.value === 'number' && val && rank?.rank) points.push({ stage: s.name, value: t.value, accuracy: val.mean });
      const tableRows = ranked.map(({ t, r, val, rank }) => [rank?.rank ? String(rank.rank) : '–', md(num(t.value)), spreadText(val, t.repeats), accText(g, t, PICK.test), seconds(repeatSpread(g, t, PICK.seconds)?.mean), r!.status === 'ok' ? '' : 'diverged']);
      for (const { t } of rows.filter((x) => !x.r)) tableRows.push(['–', md(num(t.value)), NOT_RUN, '', '', '']);
      const how = s.kind === 'grid' ? `a grid of ${s.trials} values` : `${s.trials} values drawn ${s.distribution === 'log_uniform' ? 'log-uniformly' : s.distribution === 'uniform' ? 'uniformly' : 'from a list'}`;
      const range = s.pending
        ? `${label}: range derived from the best ${s.from!.best} trials of stage "${s.from!.stage}" once that stage has finished.`
        : s.from
          ? `${label}: ${how} from [${num(s.range![0])}, ${num(s.range![1])}], the range spanned by the best ${s.from.best} values of stage "${s.from.stage}" (${s.from.bestValues.map(num).join(', ')})${s.from.widen !== 1 ? `, widened ×${num(s.from.widen)}` : ''}.`
          : s.range
            ? `${label}: ${how} from [${num(s.range[0])}, ${num(s.range[1])}].`
            : `${label}: ${how}: ${(s.values ?? []).map(num).join(', ')}.`;
      let training = '';
      if (trials[0]) {
        const c = trials[0].config;
        const L = trainingLength(c);
        const len = lengthText(c);
        training = `Each value of the ${layers(c)} network${c.model.batch_norm ? ' with BN' : ''} trained for ${len} (${int(L.totalSteps)} update steps) on ${int(L.n)} images, validated on ${int(splitSizes(c).validation)}.`;
      }
      const top = ranked[0]?.rank?.rank === 1 ? ranked[0] : undefined;
      const best = top && top.val ? `Best: ${label} = ${num(top.t.value)} with ${spreadText(top.val, top.t.repeats)} validation accuracy${top.t.repeats > 1 ? ' (mean ± sd of its repeats)' : ''}.` : '';
      return {
        name: md(s.name),
        param: md(label),
        range: md(range),
        training: md(training),
        pending: s.pending ? md(`Stage "${s.name}" is planned once stage "${s.from!.stage}" has finished; ${NOT_RUN}.`) : '',
        table: { header: ['rank', md(label), 'validation acc.', 'test acc.', 'time', ''], align: ['r', 'r', 'r', 'r', 'r', 'l'], rows: tableRows },
        best: md(best),
      };
    });
    const log = stages.some((s) => s.distribution === 'log_uniform');
    const figure = points.length ? addChart(`search-${slug(param)}`, `The ${label} search: validation accuracy against ${label}${log ? ' (log scale)' : ''}, one colour and shape per stage.`, searchSpec(points, label, log, stages.map((s) => s.name), `${label} search`)) : null;
    searches.push({ param: md(label), stages: views, figure });
  }

  // Final.
  let final: FinalView | null = null;
  if (exp.final) {
    const label = finalTrial ? (PATH_LABELS[finalTrial.param!] ?? finalTrial.param!) : '';
    const r = finalTrial ? trainResult(g, finalTrial) : undefined;
    if (!finalTrial) final = { run: false, text: md(`The final network retrains the best trial of the last search stage once it has finished; ${NOT_RUN}.`), figure: null, table: null };
    else {
      const c = finalTrial.config;
      const twin = plan.trials.find((t) => t.hash === finalTrial.hash && t !== finalTrial);
      const L = trainingLength(c);
      const len = lengthText(c);
      const { points: pts, runs } = repeatCurves(g, finalTrial);
      const axis = curveAxis(c.schedule.kind);
      const acc = (pick: (typeof PICK)['test']) => accText(g, finalTrial, pick);
      const text =
        `The best value of stage "${finalTrial.stage}", ${label} = ${num(finalTrial.value)}, retrained on ${int(L.n)} images (validation ${int(splitSizes(c).validation)}) for ${len}, ${int(L.totalSteps)} update steps` +
        (r ? ` (${seconds(r.seconds)}): test accuracy ${acc(PICK.test)}, validation ${acc(PICK.validation)}${finalTrial.repeats > 1 ? ` (mean ± sd over ${finalTrial.repeats} seeds)` : ''}.` : `; ${NOT_RUN}.`) +
        (twin ? ` Its configuration is that of ${twin.id} (the stage already trained the best value this long on these data), so that trial is the final network.` : '');
      final = {
        run: !!r,
        text: md(text),
        figure: pts.length ? addChart('curves-final', `Final network (${label} = ${num(finalTrial.value)}): cost, loss and accuracy on the training and validation sets${runs.length > 1 ? ` (mean of ${runs.length} seeds, band ±1 sd)` : ''}, and the learning rate, against the ${axis.title}.`, withBands(curvesSpec(pts, axis, `final (${label} = ${num(finalTrial.value)})`), bandRows(runs, axis))) : null,
        table: r ? { header: ['', 'training', 'validation', 'test'], align: ['l', 'r', 'r', 'r'], rows: [['accuracy', acc(PICK.train), acc(PICK.validation), acc(PICK.test)], ['loss', dec(r.final.train.loss), dec(r.final.validation?.loss), dec(r.final.test?.loss)], ['cost', dec(r.final.train.cost), dec(r.final.validation?.cost), dec(r.final.test?.cost)]] } : null,
      };
    }
  }

  // Results: one row per variant and the final network.
  const resultRows: string[][] = [];
  const resultEntries: { label: string; r: TrainResult | undefined; t: TrainTrial | undefined }[] = [];
  for (const v of exp.variants) {
    if (v.config.schedule.kind === 'lr_range') continue;
    const t = variantTrial(g, v.name);
    resultEntries.push({ label: v.description && exp.report.kind === 'assignment1' ? v.description : v.name, r: t && trainResult(g, t), t });
  }
  if (finalTrial) resultEntries.push({ label: `final (${PATH_LABELS[finalTrial.param!] ?? finalTrial.param} = ${num(finalTrial.value)})`, r: trainResult(g, finalTrial), t: finalTrial });
  // Accuracies and time are the mean ± sd (n) of a setting's repeats where it has several.
  for (const { label, r, t } of resultEntries) {
    resultRows.push(r && t ? [md(label), accText(g, t, PICK.train), accText(g, t, PICK.validation), accText(g, t, PICK.test), seconds(repeatSpread(g, t, PICK.seconds)?.mean), r.status === 'ok' ? 'ok' : 'diverged'] : [md(label), '–', '–', '–', '–', NOT_RUN]);
  }
  const results: Table = { header: ['run', 'training acc.', 'validation acc.', 'test acc.', 'time', 'status'], align: ['l', 'r', 'r', 'r', 'r', 'l'], rows: resultRows };
  const findings: string[] = [];
  const scored = resultEntries.map((e) => ({ ...e, h: headlineOf(g, e.t) })).filter((e) => e.h);
  if (scored.length >= 2) {
    const sorted = [...scored].sort((a, b) => b.h!.value - a.h!.value);
    const best = sorted[0];
    const worst = sorted.at(-1)!;
    const split = best.h!.split;
    findings.push(md(`The highest ${split} accuracy, ${best.h!.text}, came from ${best.label}; the lowest, ${worst.h!.text}${chance(worst.h!.value, facts.classes)}, from ${worst.label}.`));
  }
  const diverged = resultEntries.filter((e) => e.r?.status === 'diverged').map((e) => e.label);
  if (diverged.length) findings.push(md(`${joinList(diverged)} diverged.`));

  // Time per trial.
  const timingRows: string[][] = [];
  let total = 0;
  // A trial whose configuration equals an earlier one's (a final that retrains exactly the best
  // search trial) is that trial: shown, but neither counted nor timed twice.
  const firstId = new Map<string, string>();
  for (const t of plan.trials) {
    const r = g.result(t.hash);
    const same = firstId.get(t.hash);
    if (same) {
      timingRows.push([md(t.id), md(`the trial ${same}`), '–', '–', '', '']);
      continue;
    }
    firstId.set(t.hash, t.id);
    const what = t.kind === 'gradient_check' ? 'gradient check' : t.role === 'search' ? `${PATH_LABELS[t.param!] ?? t.param} = ${num(t.value)}` : t.role === 'final' ? 'final' : t.config.schedule.kind === 'lr_range' ? 'LR range test' : 'variant';
    if (!r) {
      timingRows.push([md(t.id), md(what), '–', NOT_RUN, '', '']);
      continue;
    }
    total += r.seconds;
    const steps = r.kind === 'train' ? r.steps : 0;
    timingRows.push([md(t.id), md(what), r.kind === 'train' ? int(steps) : '–', seconds(r.seconds), r.kind === 'train' && r.seconds > 0 ? int(steps / r.seconds) : '–', String(r.threads)]);
  }
  const timing: Table = { header: ['trial', 'what', 'steps', 'time', 'steps/s', 'threads'], align: ['l', 'l', 'r', 'r', 'r', 'r'], rows: timingRows };
  const planned = firstId.size;
  const timingSummary = md(`${g.stored.size} of ${planned} trials stored; ${seconds(total)} of training and checking in all (wall-clock time of each trial, summed).`);

  // Provenance.
  const results_ = [...g.stored.values()].map((s) => s.result);
  const distinct = (f: (r: StoredResult) => string) => [...new Set(results_.map(f))].sort(byText).join('; ');
  const started = results_.map((r) => r.startedAt).sort(byText)[0];
  const finished = results_.map((r) => r.finishedAt).sort(byText).at(-1);
  const provenance: Table = {
    header: ['what', 'value'],
    align: ['l', 'l'],
    rows: [
      ['experiment file', md(`${basename(dirname(exp.file))}/${basename(exp.file)}`)],
      ['config hash', md(`${sha256(canonicalJson(exp.value)).slice(0, 16)} (sha256 of the resolved configuration, canonical JSON)`)],
      ['code version', md(distinct((r) => r.codeVersion))],
      ['engine version', md(distinct((r) => r.engineVersion))],
      ['data fingerprint', md(distinct((r) => r.dataFingerprint))],
      ['data', md(distinct((r) => r.data))],
      ['machine', md(distinct((r) => `${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.os}, Node ${r.machine.node}`))],
      ['BLAS', md(distinct((r) => (r.blas ? `OpenBLAS ${r.blas.version}, ${r.blas.core} kernels (${r.blas.reason})` : 'not recorded')))],
      ['threads per trial', md(distinct((r) => String(r.threads)))],
      ['trials', md(`${g.stored.size} stored of ${planned} planned${plan.pending.length ? `, ${plan.pending.length} to be planned once earlier stages finish` : ''}`)],
      ['runs made', md(`${started} … ${finished}`)],
    ],
  };

  const missing = [
    ...g.missing.map((t) => ({ id: md(t.id), reason: NOT_RUN })),
    ...plan.pending.map((p) => ({ id: md(p.id), reason: md(`${NOT_RUN}: ${p.reason}`) })),
  ];

  return {
    kind: exp.report.kind,
    name: md(exp.name),
    file: md(`${basename(dirname(exp.file))}/${basename(exp.file)}`),
    title: md(exp.title),
    description: md(exp.description?.trim() ?? ''),
    dataLine,
    missing,
    missingCount: missing.length,
    plannedCount: plan.trials.length,
    hyperparameters,
    gradientCheck,
    groups,
    lrRange,
    searches,
    final,
    results,
    findings,
    timing,
    timingSummary,
    provenance,
    charts,
    weights,
  };
}

function sci(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const [m, e] = x.toExponential(2).split('e');
  return `${m}e${Number(e)}`;
}

export type { CurvePoint };
