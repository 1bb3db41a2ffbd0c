// Rules of the experiment's structure: overrides that must name settings, variants: entries and
// their names, search stages and what they refer to, final, and the gradient check's size.
import { SOURCES } from '../../data/catalog.ts';
import type { Final, Search, VariantEntry } from '../experiment-types.ts';
import type { Path } from '../load.ts';
import { MAX_MATRIX_VARIANTS, messages as limitMessages } from '../limits.ts';
import { didYouMean, didYouMeanPath, showPath } from '../messages.ts';
import { keysAt, schemaAt } from '../schema.ts';
import type { TrialConfig } from '../trial.ts';
import { rule, suggestOrList, type Rule } from './rule.ts';

/** The overrides of a variant, a search stage or final: `where` starts the message ("final.set: "). */
export interface OverrideSubject {
  where: string;
  /** Path of the map the keys are in. */
  at: Path;
  set: Record<string, unknown> | undefined;
}

/** Whether a dotted path (an override's key) names a setting of the format. */
export function isSetting(dotted: string): boolean {
  return schemaAt(dotted.split('.')) !== undefined;
}

export const OVERRIDE_IS_SETTING = rule({
  name: 'override-is-setting',
  checks: 'each key of a set: map (and each --set flag) is a path to a setting',
  message: (where: string, key: string) => `${where}"${key}" is not a setting${didYouMeanPath(key, keysAt)}`,
  find: (s: OverrideSubject, report) => {
    for (const key of Object.keys(s.set ?? {})) if (!isSetting(key)) report([...s.at, key], s.where, key);
  },
  atKey: true,
});

/** One entry of `variants:` as written, before a matrix is expanded. */
export interface VariantEntrySubject {
  entry: VariantEntry;
  i: number;
}

/** Rules of a variants: entry; an entry that breaks one is not expanded. */
export const VARIANT_ENTRY_RULES: Rule<VariantEntrySubject>[] = [
  rule({
    name: 'variant-name-or-matrix',
    checks: 'a variants: entry gives either name (with set) or matrix',
    message: (i: number, both: boolean) =>
      `variants[${i}] needs either name (with set) or matrix, not ${both ? 'both' : 'neither'}`,
    find: ({ entry, i }, report) => {
      if ((entry.matrix !== undefined) === (entry.name !== undefined))
        report(['variants', i], i, entry.matrix !== undefined);
    },
  }),
  rule({
    name: 'matrix-size',
    checks: `a matrix makes at most ${MAX_MATRIX_VARIANTS} variants`,
    message: (where: string, sizes: number[]) => limitMessages.matrixTooLarge(where, sizes),
    find: ({ entry, i }, report) => {
      if (entry.matrix === undefined || entry.name !== undefined) return;
      const sizes = Object.values(entry.matrix).map((values) => Object.keys(values).length);
      if (sizes.reduce((a, b) => a * b, 1) > MAX_MATRIX_VARIANTS)
        report(['variants', i, 'matrix'], `variants[${i}].matrix`, sizes);
    },
  }),
];

/** A variant after expansion, and the variants before it. */
export interface VariantSubject {
  variant: { name: string; path: Path };
  earlier: { name: string; path: Path }[];
}

export const VARIANT_RULES: Rule<VariantSubject>[] = [
  rule({
    name: 'variant-name-unique',
    checks: 'no two variants share a name',
    message: (name: string, also: Path) =>
      `variant name "${name}" is used twice (also at ${showPath(also)}); names must be unique`,
    find: ({ variant, earlier }, report) => {
      const other = earlier.filter((v) => v.name === variant.name).at(-1);
      if (other) report(variant.path, variant.name, other.path);
    },
  }),
];

/** A search stage with defaults filled in, its index, and the names it may refer to. */
export interface StageSubject {
  stage: Search & Required<Pick<Search, 'name' | 'param' | 'distribution'>>;
  i: number;
  stageNames: string[];
  variantNames: string[];
}

const stageAt = (i: number, ...p: Path): Path => ['searches', i, ...p];

export const STAGE_RULES: Rule<StageSubject>[] = [
  rule({
    name: 'stage-name-unique',
    checks: 'no two search stages share a name',
    message: (i: number, name: string) =>
      `searches[${i}].name "${name}" is used by an earlier stage; stage names must be unique`,
    find: ({ stage, i, stageNames }, report) => {
      if (stageNames.indexOf(stage.name) !== i) report(stageAt(i, 'name'), i, stage.name);
    },
  }),
  rule({
    name: 'stage-variant-exists',
    checks: "a stage's variant names a variant",
    message: (i: number, name: string, names: string[]) =>
      `searches[${i}].variant "${name}" is not a variant${suggestOrList(name, names, 'variants')}`,
    find: ({ stage, i, variantNames }, report) => {
      if (stage.variant !== undefined && !variantNames.includes(stage.variant))
        report(stageAt(i, 'variant'), i, stage.variant, variantNames);
    },
  }),
  rule({
    name: 'param-is-setting',
    checks: "a stage's param is a path to a setting",
    message: (i: number, param: string) =>
      `searches[${i}].param "${param}" is not a setting${didYouMeanPath(param, keysAt)}`,
    find: ({ stage, i }, report) => {
      if (!isSetting(stage.param)) report(stageAt(i, 'param'), i, stage.param);
    },
  }),
  rule({
    name: 'param-is-number',
    checks: 'a stage that draws from a range searches a numeric setting',
    message: (i: number, param: string) =>
      `searches[${i}].param "${param}" is not a number; search it with distribution: choice and values`,
    find: ({ stage, i }, report) => {
      const target = schemaAt(stage.param.split('.'));
      if (target && stage.distribution !== 'choice' && target.type !== 'number' && target.type !== 'integer')
        report(stageAt(i, 'param'), i, stage.param);
    },
  }),
  rule({
    name: 'stage-values-source',
    checks: 'a stage gives exactly one of range, values and from',
    message: (i: number, name: string, given: string[]) =>
      `searches[${i}] ("${name}") needs exactly one of range, values or from; got ${given.length ? given.join(' and ') : 'none'}`,
    find: ({ stage, i }, report) => {
      const given = (['range', 'values', 'from'] as const).filter((k) => stage[k] !== undefined);
      if (given.length !== 1) report(stageAt(i), i, stage.name, given);
    },
  }),
  rule({
    name: 'choice-needs-values',
    checks: 'distribution: choice comes with values',
    message: (i: number) => `searches[${i}].distribution choice needs values: [...]`,
    find: ({ stage, i }, report) => {
      if (stage.distribution === 'choice' && stage.values === undefined) report(stageAt(i, 'distribution'), i);
    },
  }),
  rule({
    name: 'range-order',
    checks: "a stage's range is [low, high] with low < high",
    message: (i: number, lo: number, hi: number) =>
      `searches[${i}].range must be [low, high] with low < high; got [${lo}, ${hi}]`,
    find: ({ stage, i }, report) => {
      if (stage.range && !(stage.range[0] < stage.range[1])) report(stageAt(i, 'range'), i, ...stage.range);
    },
  }),
  rule({
    name: 'log-range-positive',
    checks: 'a log_uniform range is positive',
    message: (i: number, lo: number, hi: number) =>
      `searches[${i}].range must be positive for log_uniform; got [${lo}, ${hi}] (use distribution: uniform, or a low bound like 1e-6)`,
    find: ({ stage, i }, report) => {
      const r = stage.range;
      if (r && r[0] < r[1] && stage.distribution === 'log_uniform' && r[0] <= 0)
        report(stageAt(i, 'range', 0), i, ...r);
    },
  }),
  rule({
    name: 'from-stage-exists',
    checks: "a stage's from.stage names a search stage",
    message: (i: number, name: string, names: string[]) =>
      `searches[${i}].from.stage "${name}" is not a search stage${didYouMean(name, names)}`,
    find: ({ stage, i, stageNames }, report) => {
      if (stage.from && !stageNames.includes(stage.from.stage))
        report(stageAt(i, 'from', 'stage'), i, stage.from.stage, stageNames);
    },
  }),
  rule({
    name: 'from-stage-earlier',
    checks: "a stage's from.stage comes before it",
    message: (i: number, from: string, name: string) =>
      `searches[${i}].from.stage "${from}" must be an earlier stage than "${name}"`,
    find: ({ stage, i, stageNames }, report) => {
      if (stage.from && stageNames.indexOf(stage.from.stage) >= i)
        report(stageAt(i, 'from', 'stage'), i, stage.from.stage, stage.name);
    },
  }),
];

/** The final section and the stage names it may refer to. */
export interface FinalSubject {
  final: Final;
  stageNames: string[];
}

export const FINAL_RULES: Rule<FinalSubject>[] = [
  rule({
    name: 'final-needs-search',
    checks: 'an experiment with final has searches',
    message: () => 'final retrains the best trial of a search, but the experiment has no searches',
    find: ({ stageNames }, report) => {
      if (!stageNames.length) report(['final']);
    },
  }),
  rule({
    name: 'final-from-exists',
    checks: 'final.from names a search stage',
    message: (name: string, names: string[]) => `final.from "${name}" is not a search stage${didYouMean(name, names)}`,
    find: ({ final, stageNames }, report) => {
      if (stageNames.length && final.from !== undefined && !stageNames.includes(final.from))
        report(['final', 'from'], final.from, stageNames);
    },
  }),
];

/** The gradient check's settings and the base config's data. */
export interface GradientCheckSubject {
  dims: number;
  config: TrialConfig;
}

export const GRADIENT_CHECK_RULES: Rule<GradientCheckSubject>[] = [
  rule({
    name: 'check-dims-within-input',
    checks: 'gradient_check.dims is at most the input dimension',
    message: (d: number, dims: number) => `gradient_check.dims must be at most the input dimension (${d}); got ${dims}`,
    find: ({ dims, config }, report) => {
      const { d } = SOURCES[config.dataset.source];
      if (dims > d) report(['gradient_check', 'dims'], d, dims);
    },
  }),
];
