// From an experiment file to a resolved experiment: load (with extends), apply --set overrides,
// check the schema and the rules across fields, fill in defaults, and expand variants into trial
// configs. Search values and trial hashes are expand.ts's job; training is the runner's.
import { ConfigError, ConfigErrors, echo } from '../errors.ts';
import type { Final, NnlabExperiment, Search } from './experiment-types.ts';
import { deepMerge, isPlainObject, loadConfig, parseSetFlag, SourceMap, type Path } from './load.ts';
import { ajvMessage, errorAt, propertyNameMessage } from './messages.ts';
import { checkExperiment, fillDefaults } from './schema.ts';
import { TRIAL_SECTIONS, type TrialConfig } from './trial.ts';
import {
  applyRules,
  FINAL_RULES,
  FROM_RULES,
  GRADIENT_CHECK_RULES,
  isSetting,
  OVERRIDE_IS_SETTING,
  STAGE_RULES,
  TRIAL_RULES,
  VARIANT_ENTRY_RULES,
  VARIANT_RULES,
  type FromSubject,
} from './rules/index.ts';

export { TRIAL_SECTIONS, splitSizes, type TrialConfig } from './trial.ts';

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
  report: {
    kind: 'assignment1' | 'assignment2' | 'assignment3' | 'generic';
    weights: boolean;
    pdf: boolean;
    alpha: number;
  };
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
function checkTrial(
  config: Record<string, unknown>,
  sources: SourceMap,
  at: Path,
  label: string,
  overrideKeys: string[] = [],
): ConfigError[] {
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

/** Where a variant's overrides are written: its set: map, or the matrix that made it. */
const setPathOf = (v: { path: Path }): Path => (v.path.at(-1) === 'matrix' ? v.path : [...v.path, 'set']);

function expandVariants(value: NnlabExperiment, sources: SourceMap, errors: ConfigError[]): Omit<Variant, 'config'>[] {
  const out: Omit<Variant, 'config'>[] = [];
  (value.variants ?? []).forEach((entry, i) => {
    const problems = applyRules(VARIANT_ENTRY_RULES, { entry, i }, sources);
    errors.push(...problems);
    if (problems.length) return;
    const group = entry.group ?? 'variants';
    const repeats = entry.repeats ?? value.repeats ?? 1;
    if (!entry.matrix) {
      out.push({
        name: entry.name!,
        group,
        description: entry.description,
        set: entry.set ?? {},
        path: ['variants', i],
        repeats,
      });
      return;
    }
    let combos: { name: string[]; set: Record<string, unknown> }[] = [{ name: [], set: {} }];
    for (const values of Object.values(entry.matrix)) {
      const next: typeof combos = [];
      for (const c of combos) {
        for (const [valueName, set] of Object.entries(values))
          next.push({ name: [...c.name, valueName], set: { ...c.set, ...(set as object) } });
      }
      combos = next;
    }
    for (const c of combos)
      out.push({
        name: c.name.join('-'),
        group,
        description: entry.description,
        set: c.set,
        path: ['variants', i, 'matrix'],
        repeats,
      });
  });
  if (!out.length) out.push({ name: 'base', group: 'variants', set: {}, path: [], repeats: value.repeats ?? 1 });
  out.forEach((v, k) => {
    errors.push(...applyRules(VARIANT_RULES, { variant: v, earlier: out.slice(0, k) }, sources));
    errors.push(
      ...applyRules([OVERRIDE_IS_SETTING], { where: `variant "${v.name}": `, at: setPathOf(v), set: v.set }, sources),
    );
  });
  return out;
}

function sortErrors(errors: ConfigError[]): ConfigError[] {
  return [...errors].sort((a, b) =>
    a.file === b.file ? a.line - b.line || a.column - b.column : a.file < b.file ? -1 : 1,
  );
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
    if (!isSetting(path))
      throw new ConfigErrors([new ConfigError('--set', 1, 1, OVERRIDE_IS_SETTING.message('', path))]);
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
  errors.push(...applyRules(TRIAL_RULES, base, sources));

  const variantDecls = expandVariants(exp, sources, errors);
  const variants: Variant[] = [];
  for (const v of variantDecls) {
    if (Object.keys(v.set).some((k) => !isSetting(k))) continue;
    const raw = applyOverrides(baseRaw, v.set);
    const schemaErrs = checkTrial(raw, sources, setPathOf(v), `variant "${v.name}"`, Object.keys(v.set));
    errors.push(...schemaErrs);
    if (schemaErrs.length) continue;
    const config = withDefaults(raw);
    // A variant's own overrides can break a rule; one the base breaks already is reported once, at the base.
    if (Object.keys(v.set).length)
      errors.push(
        ...applyRules(TRIAL_RULES, config, sources, { at: v.path, label: `variant "${v.name}"` }).filter(
          (e) => !errors.some((x) => x.detail.endsWith(e.detail.split(': ').slice(1).join(': '))),
        ),
      );
    variants.push({ ...v, config });
  }

  const filled = clone(value);
  fillDefaults(filled);
  const searches = ((filled.searches as Search[]) ?? []) as ResolvedExperiment['searches'];
  const stageNames = searches.map((s) => s.name);
  const variantNames = variants.map((v) => v.name);
  searches.forEach((stage, i) => {
    const at = (...p: Path) => ['searches', i, ...p];
    errors.push(...applyRules(STAGE_RULES, { stage, i, stageNames, variantNames }, sources));
    errors.push(
      ...applyRules([OVERRIDE_IS_SETTING], { where: `searches[${i}].set: `, at: at('set'), set: stage.set }, sources),
    );
    if (!errors.length) {
      const variant = variants.find((v) => v.name === (stage.variant ?? variants[0].name))!;
      const raw = applyOverrides(applyOverrides(baseRaw, variant.set), stage.set ?? {});
      const errs = checkTrial(raw, sources, at('set'), `search "${stage.name}"`);
      errors.push(...errs);
      if (!errs.length)
        errors.push(
          ...applyRules(TRIAL_RULES, withDefaults(raw), sources, { at: at(), label: `search "${stage.name}"` }),
        );
    }
  });
  // schedule.from where a file writes it: the base, and variants and stages that set the schedule.
  const setsSchedule = (set: Record<string, unknown> | undefined) =>
    Object.keys(set ?? {}).some((k) => k === 'schedule' || k.startsWith('schedule.'));
  const fromChecks: { label: string; subject: FromSubject; at: Path }[] = [
    ...(base.schedule.from !== undefined
      ? [{ label: '', subject: { config: base, variants }, at: ['schedule', 'from'] as Path }]
      : []),
    ...variants
      .filter((v) => setsSchedule(v.set))
      .map((v) => ({ label: `variant "${v.name}"`, subject: { config: v.config, variants }, at: v.path })),
  ];
  if (!errors.length) {
    searches.forEach(
      (s, i) =>
        setsSchedule(s.set) &&
        fromChecks.push({
          label: `search "${s.name}"`,
          subject: { config: stageConfig({ variants } as ResolvedExperiment, s), variants },
          at: ['searches', i, 'set'],
        }),
    );
  }
  for (const { label, subject, at } of fromChecks)
    errors.push(...applyRules(FROM_RULES, subject, sources, { at, label }));
  const final = filled.final as Final | undefined;
  if (final) {
    errors.push(...applyRules(FINAL_RULES, { final, stageNames }, sources));
    errors.push(
      ...applyRules([OVERRIDE_IS_SETTING], { where: 'final.set: ', at: ['final', 'set'], set: final.set }, sources),
    );
  }
  if (errors.length) throw new ConfigErrors(sortErrors(errors));

  const gc = filled.gradient_check as ResolvedExperiment['gradientCheck'];
  const gcErrors = gc ? applyRules(GRADIENT_CHECK_RULES, { dims: gc.dims!, config: base }, sources) : [];
  if (gcErrors.length) throw new ConfigErrors(gcErrors);
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
