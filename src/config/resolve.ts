// From an experiment file to a resolved experiment: load (with extends), apply --set overrides,
// check the schema and the rules across fields, fill in defaults, and expand variants into trial
// configs. Search values and trial hashes are expand.ts's job; training is the runner's.
import { ConfigError, ConfigErrors, echo } from '../errors.ts';
import type { Final, NnlabExperiment, Search } from './experiment-types.ts';
import { deepMerge, isPlainObject, loadConfig, parseSetFlag, SourceMap, type Path } from './load.ts';
import { ajvMessage, didYouMean, didYouMeanPath, errorAt, propertyNameMessage, showPath } from './messages.ts';
import { checkExperiment, fillDefaults, keysAt, schemaAt } from './schema.ts';
import { SOURCES } from './datasets.ts';
import { MAX_MATRIX_VARIANTS, messages as limitMessages } from './limits.ts';
import { checkLrRangeFrom } from './repeats.ts';

/** The sections that make one trainable configuration (what a trial hash covers). */
export const TRIAL_SECTIONS = ['seed', 'dataset', 'preprocess', 'model', 'training', 'schedule', 'record'] as const;

/** One trainable configuration with every default filled in. */
export interface TrialConfig {
  seed: number;
  dataset: {
    source: 'cifar10' | 'fashion_mnist' | 'mnist';
    root?: string;
    train: string[];
    validation: { parts?: string[]; holdout?: number };
    test: string[];
    subsample?: number;
  };
  preprocess: 'standardize' | 'scale';
  model: {
    hidden: number[];
    batch_norm: boolean;
    bn_alpha: number;
    init: 'normal' | 'fan_in' | 'he' | 'xavier';
    init_sigma: number;
    dropout: number;
    loss: 'cross_entropy' | 'svm';
  };
  training: {
    batch_size: number;
    lambda: number;
    momentum: number;
    precision: 'float32' | 'float64';
    cycles?: number;
    epochs?: number;
    steps?: number;
    shuffle: boolean;
    augmentation: { noise: number; flip: boolean; translate: number };
  };
  schedule: {
    kind: 'constant' | 'step' | 'cyclic' | 'lr_range';
    eta: number;
    factor: number;
    every: number;
    eta_min: number;
    eta_max: number;
    step_size?: number;
    step_size_epochs: number;
    policy: 'triangular' | 'triangular2' | 'exp_range';
    gamma: number;
    curve: 'linear' | 'exponential';
    /** The LR range test variant that chooses eta_min and eta_max (filled in by expand.ts). */
    from?: string;
  };
  record: { per_cycle?: number; per_epoch?: number; subset: number };
}

export interface Variant {
  name: string;
  group: string;
  description?: string;
  /** Dotted path → value, as written (a matrix variant merges its axes' overrides). */
  set: Record<string, unknown>;
  config: TrialConfig;
  /** Where the variant is declared, for messages. */
  path: Path;
  /** Trainings of the variant, each with its own seed (repeats.ts). */
  repeats: number;
}

export interface ResolvedExperiment {
  file: string;
  files: string[];
  name: string;
  title: string;
  description?: string;
  /** The experiment's repeats: the default of every variant, stage and final. */
  repeats: number;
  /** The whole experiment with defaults filled in (what `nnlab resolve` prints). */
  value: Required<Pick<NnlabExperiment, 'name' | 'seed'>> & NnlabExperiment;
  base: TrialConfig;
  variants: Variant[];
  searches: (Search & Required<Pick<Search, 'name' | 'param' | 'kind' | 'distribution' | 'trials'>>)[];
  final?: Final;
  gradientCheck?: NonNullable<NnlabExperiment['gradient_check']>;
  report: { kind: 'assignment1' | 'assignment2' | 'assignment3' | 'generic'; weights: boolean; pdf: boolean };
  sources: SourceMap;
}

const clone = <T>(v: T): T => structuredClone(v);

/** Sets a dotted path in an object, creating maps on the way. */
export function setPath(obj: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let cur: Record<string, unknown> = obj;
  for (const k of keys.slice(0, -1)) {
    if (!isPlainObject(cur[k])) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]] = value;
}

/** Path of keys into the schema for a dotted override path. */
function overridePathExists(dotted: string): boolean {
  return schemaAt(dotted.split('.')) !== undefined;
}

function checkSchema(value: unknown, sources: SourceMap): ConfigError[] {
  if (checkExperiment(value)) return [];
  const out: ConfigError[] = [];
  const seen = new Set<string>();
  for (const err of checkExperiment.errors ?? []) {
    const named = propertyNameMessage(err);
    const m = named ? { ...named, atKey: true } : ajvMessage(err, value);
    if (!m) continue;
    const e = errorAt(sources, m.path, m.text, m.atKey);
    if (!seen.has(e.message)) {
      seen.add(e.message);
      out.push(e);
    }
  }
  return out;
}

/** Validates a trial config (a variant, a search stage's base) built from overrides. */
function checkTrial(config: Record<string, unknown>, sources: SourceMap, at: Path, label: string, overrideKeys: string[] = []): ConfigError[] {
  const probe = { name: 'probe', ...config };
  if (checkExperiment(probe)) return [];
  const out: ConfigError[] = [];
  for (const err of checkExperiment.errors ?? []) {
    const m = ajvMessage(err, probe);
    if (!m) continue;
    // Point at the override that put the bad value there, when one did.
    const dotted = m.path.filter((k) => typeof k === 'string').join('.');
    const key = overrideKeys.find((k) => dotted === k || dotted.startsWith(k + '.'));
    const pos = key ? [...at, key] : at;
    if (!out.some((e) => e.detail === `${label}: ${m.text}`)) out.push(errorAt(sources, pos, `${label}: ${m.text}`));
  }
  return out;
}

function withDefaults(config: Record<string, unknown>): TrialConfig {
  const copy = clone({ name: 'probe', ...config }) as Record<string, unknown>;
  fillDefaults(copy);
  const out: Record<string, unknown> = {};
  for (const k of TRIAL_SECTIONS) out[k] = copy[k];
  return out as unknown as TrialConfig;
}

function applyOverrides(base: Record<string, unknown>, set: Record<string, unknown>): Record<string, unknown> {
  let out = clone(base);
  for (const [path, value] of Object.entries(set)) {
    const patch: Record<string, unknown> = {};
    setPath(patch, path, clone(value));
    out = deepMerge(out, patch) as Record<string, unknown>;
  }
  return out;
}

/** Training images after the holdout and subsampling; validation images. */
export function splitSizes(config: TrialConfig): { train: number; validation: number; test: number } {
  const facts = SOURCES[config.dataset.source];
  const count = (parts: string[] | undefined) => (parts ?? []).reduce((s, p) => s + (facts.parts[p] ?? 0), 0);
  let train = count(config.dataset.train);
  let validation = count(config.dataset.validation.parts);
  if (config.dataset.validation.holdout) {
    validation = config.dataset.validation.holdout;
    train -= validation;
  }
  if (config.dataset.subsample) train = Math.min(train, config.dataset.subsample);
  return { train, validation, test: count(config.dataset.test) };
}

/** Rules across fields of one trial config; messages name the path relative to the experiment. */
function checkTrialRules(c: TrialConfig, sources: SourceMap, at: Path | null, label: string): ConfigError[] {
  const out: ConfigError[] = [];
  const err = (path: Path, text: string) => out.push(errorAt(sources, at ?? path, label ? `${label}: ${text}` : text));
  const facts = SOURCES[c.dataset.source];
  const partNames = Object.keys(facts.parts);
  for (const split of ['train', 'test'] as const) {
    c.dataset[split].forEach((p, i) => {
      if (!(p in facts.parts)) err(['dataset', split, i], `dataset.${split}[${i}] is not a part of ${c.dataset.source}: "${p}"${didYouMean(p, partNames) || `; parts: ${partNames.join(', ')}`}`);
    });
  }
  const v = c.dataset.validation;
  if ((v.parts === undefined) === (v.holdout === undefined)) {
    err(['dataset', 'validation'], 'dataset.validation needs exactly one of parts (e.g. [data_batch_2]) or holdout (e.g. 5000)');
  }
  v.parts?.forEach((p, i) => {
    if (!(p in facts.parts)) err(['dataset', 'validation', 'parts', i], `dataset.validation.parts[${i}] is not a part of ${c.dataset.source}: "${p}"${didYouMean(p, partNames) || `; parts: ${partNames.join(', ')}`}`);
    else if (c.dataset.train.includes(p)) err(['dataset', 'validation', 'parts', i], `dataset.validation.parts[${i}] "${p}" is also a training part; use dataset.validation.holdout to validate on held-out training images`);
  });
  const trainTotal = c.dataset.train.reduce((s, p) => s + (facts.parts[p] ?? 0), 0);
  if (v.holdout !== undefined && v.holdout >= trainTotal) {
    err(['dataset', 'validation', 'holdout'], `dataset.validation.holdout must be smaller than the training split (${trainTotal} images); got ${v.holdout}`);
  }
  const sizes = splitSizes(c);
  if (sizes.train > 0 && c.training.batch_size > sizes.train) {
    err(['training', 'batch_size'], `training.batch_size must be at most the training split's size (${sizes.train} images); got ${c.training.batch_size}`);
  }
  const lengths = (['cycles', 'epochs', 'steps'] as const).filter((k) => c.training[k] !== undefined);
  if (lengths.length !== 1) {
    err(['training'], lengths.length ? `training gives ${lengths.join(' and ')}; give only one of cycles, epochs or steps` : 'training needs its length: one of cycles (cyclic schedule), epochs or steps');
  }
  if (c.training.cycles !== undefined && c.schedule.kind !== 'cyclic') {
    err(['training', 'cycles'], `training.cycles needs schedule.kind: cyclic; got schedule.kind "${c.schedule.kind}" (use epochs or steps)`);
  }
  if ((c.schedule.kind === 'cyclic' || c.schedule.kind === 'lr_range') && !(c.schedule.eta_min < c.schedule.eta_max)) {
    err(['schedule', 'eta_max'], `schedule.eta_max must be greater than eta_min (${c.schedule.eta_min}); got ${c.schedule.eta_max}`);
  }
  if (c.record.per_cycle !== undefined && c.schedule.kind !== 'cyclic') {
    err(['record', 'per_cycle'], `record.per_cycle needs schedule.kind: cyclic; use record.per_epoch`);
  }
  const aug = c.training.augmentation;
  if ((aug.flip || aug.translate > 0) && facts.d !== 3072) {
    err(['training', 'augmentation'], `training.augmentation flip and translate need 32×32×3 images; ${c.dataset.source} has ${facts.d} dimensions`);
  }
  return out;
}

function expandVariants(value: NnlabExperiment, sources: SourceMap, errors: ConfigError[]): Omit<Variant, 'config'>[] {
  const out: Omit<Variant, 'config'>[] = [];
  (value.variants ?? []).forEach((entry, i) => {
    const hasMatrix = entry.matrix !== undefined;
    if (hasMatrix === (entry.name !== undefined)) {
      errors.push(errorAt(sources, ['variants', i], `variants[${i}] needs either name (with set) or matrix, not ${hasMatrix ? 'both' : 'neither'}`));
      return;
    }
    const group = entry.group ?? 'variants';
    if (!hasMatrix) {
      out.push({ name: entry.name!, group, description: entry.description, set: entry.set ?? {}, path: ['variants', i], repeats: entry.repeats ?? value.repeats ?? 1 });
      return;
    }
    const sizes = Object.values(entry.matrix!).map((values) => Object.keys(values).length);
    if (sizes.reduce((a, b) => a * b, 1) > MAX_MATRIX_VARIANTS) {
      errors.push(errorAt(sources, ['variants', i, 'matrix'], limitMessages.matrixTooLarge(`variants[${i}].matrix`, sizes)));
      return;
    }
    let combos: { name: string[]; set: Record<string, unknown> }[] = [{ name: [], set: {} }];
    for (const values of Object.values(entry.matrix!)) {
      const next: typeof combos = [];
      for (const c of combos) {
        for (const [valueName, set] of Object.entries(values)) next.push({ name: [...c.name, valueName], set: { ...c.set, ...(set as object) } });
      }
      combos = next;
    }
    for (const c of combos) out.push({ name: c.name.join('-'), group, description: entry.description, set: c.set, path: ['variants', i, 'matrix'], repeats: entry.repeats ?? value.repeats ?? 1 });
  });
  if (!out.length) out.push({ name: 'base', group: 'variants', set: {}, path: [], repeats: value.repeats ?? 1 });
  const seen = new Map<string, Path>();
  for (const v of out) {
    if (seen.has(v.name)) errors.push(errorAt(sources, v.path, `variant name "${v.name}" is used twice (also at ${showPath(seen.get(v.name)!)}); names must be unique`));
    seen.set(v.name, v.path);
    for (const key of Object.keys(v.set)) {
      if (!overridePathExists(key)) {
        errors.push(errorAt(sources, [...v.path, ...(v.path.at(-1) === 'matrix' ? [] : ['set']), key], `variant "${v.name}": "${key}" is not a setting${didYouMeanPath(key, keysAt)}`, true));
      }
    }
  }
  return out;
}

function sortErrors(errors: ConfigError[]): ConfigError[] {
  return [...errors].sort((a, b) => (a.file === b.file ? a.line - b.line || a.column - b.column : a.file < b.file ? -1 : 1));
}

export interface ResolveOptions {
  /** `--set path=value` flags, applied after the file (and what it extends). */
  set?: string[];
}

/** Loads, checks and resolves FILE; throws ConfigErrors listing every problem found. */
export function resolveExperiment(file: string, opts: ResolveOptions = {}): ResolvedExperiment {
  const loaded = loadConfig(file);
  const { sources } = loaded;
  let value: Record<string, unknown> = loaded.value;
  for (const flag of opts.set ?? []) {
    const { path, value: v } = parseSetFlag(flag);
    const keys = path.split('.');
    if (!schemaAt(keys)) {
      throw new ConfigErrors([new ConfigError('--set', 1, 1, `"${path}" is not a setting${didYouMeanPath(path, keysAt)}`)]);
    }
    value = applyOverrides(value, { [path]: v });
    sources.clear(keys);
    sources.set(keys, { file: `--set ${echo(flag)}`, line: 1, column: 1 });
  }

  const schemaErrors = checkSchema(value, sources);
  if (schemaErrors.length) throw new ConfigErrors(sortErrors(schemaErrors));

  const exp = value as unknown as NnlabExperiment;
  const errors: ConfigError[] = [];
  const baseRaw: Record<string, unknown> = {};
  for (const k of TRIAL_SECTIONS) if (k in value) baseRaw[k] = clone(value[k]);
  const base = withDefaults(baseRaw);
  errors.push(...checkTrialRules(base, sources, null, ''));

  const variantDecls = expandVariants(exp, sources, errors);
  const variants: Variant[] = [];
  for (const v of variantDecls) {
    if (Object.keys(v.set).some((k) => !overridePathExists(k))) continue;
    const raw = applyOverrides(baseRaw, v.set);
    const setPathOf = v.path.at(-1) === 'matrix' ? v.path : [...v.path, 'set'];
    const schemaErrs = checkTrial(raw, sources, setPathOf, `variant "${v.name}"`, Object.keys(v.set));
    errors.push(...schemaErrs);
    if (schemaErrs.length) continue;
    const config = withDefaults(raw);
    if (v.set && Object.keys(v.set).length) errors.push(...checkTrialRules(config, sources, v.path, `variant "${v.name}"`).filter((e) => !errors.some((x) => x.detail.endsWith(e.detail.split(': ').slice(1).join(': ')))));
    variants.push({ ...v, config });
  }

  const filled = clone(value);
  fillDefaults(filled);
  const searches = ((filled.searches as Search[]) ?? []) as ResolvedExperiment['searches'];
  const stageNames = searches.map((s) => s.name);
  searches.forEach((s, i) => {
    const at = (...p: Path) => ['searches', i, ...p];
    if (stageNames.indexOf(s.name) !== i) errors.push(errorAt(sources, at('name'), `searches[${i}].name "${s.name}" is used by an earlier stage; stage names must be unique`));
    if (s.variant !== undefined && !variants.some((v) => v.name === s.variant)) {
      errors.push(errorAt(sources, at('variant'), `searches[${i}].variant "${s.variant}" is not a variant${didYouMean(s.variant, variants.map((v) => v.name)) || `; variants: ${variants.map((v) => v.name).join(', ')}`}`));
    }
    const keys = s.param.split('.');
    const target = schemaAt(keys);
    if (!target) {
      errors.push(errorAt(sources, at('param'), `searches[${i}].param "${s.param}" is not a setting${didYouMeanPath(s.param, keysAt)}`));
    } else if (s.distribution !== 'choice' && target.type !== 'number' && target.type !== 'integer') {
      errors.push(errorAt(sources, at('param'), `searches[${i}].param "${s.param}" is not a number; search it with distribution: choice and values`));
    }
    const given = (['range', 'values', 'from'] as const).filter((k) => s[k] !== undefined);
    if (given.length !== 1) {
      errors.push(errorAt(sources, at(), `searches[${i}] ("${s.name}") needs exactly one of range, values or from; got ${given.length ? given.join(' and ') : 'none'}`));
    }
    if (s.distribution === 'choice' && s.values === undefined) errors.push(errorAt(sources, at('distribution'), `searches[${i}].distribution choice needs values: [...]`));
    if (s.range) {
      const [lo, hi] = s.range;
      if (!(lo < hi)) errors.push(errorAt(sources, at('range'), `searches[${i}].range must be [low, high] with low < high; got [${lo}, ${hi}]`));
      else if (s.distribution === 'log_uniform' && lo <= 0) errors.push(errorAt(sources, at('range', 0), `searches[${i}].range must be positive for log_uniform; got [${lo}, ${hi}] (use distribution: uniform, or a low bound like 1e-6)`));
    }
    if (s.from && stageNames.indexOf(s.from.stage) < 0) {
      errors.push(errorAt(sources, at('from', 'stage'), `searches[${i}].from.stage "${s.from.stage}" is not a search stage${didYouMean(s.from.stage, stageNames)}`));
    } else if (s.from && stageNames.indexOf(s.from.stage) >= i) {
      errors.push(errorAt(sources, at('from', 'stage'), `searches[${i}].from.stage "${s.from.stage}" must be an earlier stage than "${s.name}"`));
    }
    for (const key of Object.keys(s.set ?? {})) {
      if (!overridePathExists(key)) errors.push(errorAt(sources, [...at('set'), key], `searches[${i}].set: "${key}" is not a setting${didYouMeanPath(key, keysAt)}`, true));
    }
    if (!errors.length) {
      const variant = variants.find((v) => v.name === (s.variant ?? variants[0].name))!;
      const raw = applyOverrides(applyOverrides(baseRaw, variant.set), s.set ?? {});
      const errs = checkTrial(raw, sources, at('set'), `search "${s.name}"`);
      errors.push(...errs);
      if (!errs.length) errors.push(...checkTrialRules(withDefaults(raw), sources, at(), `search "${s.name}"`));
    }
  });
  // schedule.from where a file writes it: the base, and variants and stages that set the schedule.
  const setsSchedule = (set: Record<string, unknown> | undefined) => Object.keys(set ?? {}).some((k) => k === 'schedule' || k.startsWith('schedule.'));
  const fromChecks = [
    ...(base.schedule.from !== undefined ? [{ label: '', config: base, at: ['schedule', 'from'] as Path }] : []),
    ...variants.filter((v) => setsSchedule(v.set)).map((v) => ({ label: `variant "${v.name}"`, config: v.config, at: v.path })),
  ];
  if (!errors.length) searches.forEach((s, i) => setsSchedule(s.set) && fromChecks.push({ label: `search "${s.name}"`, config: stageConfig({ variants } as ResolvedExperiment, s), at: ['searches', i, 'set'] }));
  errors.push(...checkLrRangeFrom(fromChecks, variants, sources));
  const final = filled.final as Final | undefined;
  if (final) {
    if (!searches.length) errors.push(errorAt(sources, ['final'], 'final retrains the best trial of a search, but the experiment has no searches'));
    else if (final.from !== undefined && !stageNames.includes(final.from)) errors.push(errorAt(sources, ['final', 'from'], `final.from "${final.from}" is not a search stage${didYouMean(final.from, stageNames)}`));
    for (const key of Object.keys(final.set ?? {})) {
      if (!overridePathExists(key)) errors.push(errorAt(sources, ['final', 'set', key], `final.set: "${key}" is not a setting${didYouMeanPath(key, keysAt)}`, true));
    }
  }
  if (errors.length) throw new ConfigErrors(sortErrors(errors));

  const gc = filled.gradient_check as ResolvedExperiment['gradientCheck'];
  if (gc && gc.dims! > SOURCES[base.dataset.source].d) {
    throw new ConfigErrors([errorAt(sources, ['gradient_check', 'dims'], `gradient_check.dims must be at most the input dimension (${SOURCES[base.dataset.source].d}); got ${gc.dims}`)]);
  }
  return {
    file: sources.rootFile,
    files: loaded.files,
    name: exp.name,
    title: exp.title ?? exp.name,
    description: exp.description,
    repeats: exp.repeats ?? 1,
    value: filled as unknown as ResolvedExperiment['value'],
    base,
    variants,
    searches,
    final,
    gradientCheck: gc,
    report: filled.report as ResolvedExperiment['report'],
    sources,
  };
}

/** A search stage's starting configuration (its variant, then its own overrides) as raw YAML values. */
export function stageConfig(exp: ResolvedExperiment, stage: Search): TrialConfig {
  const variant = exp.variants.find((v) => v.name === (stage.variant ?? exp.variants[0].name))!;
  return withDefaults(applyOverrides(variant.config as unknown as Record<string, unknown>, stage.set ?? {}));
}

/** A config with overrides applied and defaults filled (used for search trials and final). */
export function override(config: TrialConfig, set: Record<string, unknown>): TrialConfig {
  return withDefaults(applyOverrides(config as unknown as Record<string, unknown>, set));
}
