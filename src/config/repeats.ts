// Repeats and the LR range hand-over, on the config side: the seed of each repeat, the number of
// repeats of each variant, stage and final, and the rules (with their messages) that check
// `repeats` and `schedule.from`. Planning the trials is expand.ts's job; statistics are the report's.
import { sha256 } from './canonical.ts';
import type { Path, SourceMap } from './load.ts';
import { didYouMean, errorAt } from './messages.ts';
import type { ConfigError } from '../errors.ts';
import type { TrialConfig, Variant } from './resolve.ts';
import type { TrainTrial } from './expand.ts';

/**
 * Seed of repeat k (1-based) of a setting whose seed is `seed`: repeat 1 is the seed itself (so a
 * file that adds repeats keeps every trial it already had), repeat k > 1 the first 32 bits of
 * sha256("seed:repeat:k"). Every setting uses the same seeds, so settings are compared seed by seed.
 */
export function repeatSeed(seed: number, repeat: number): number {
  if (repeat === 1) return seed;
  return parseInt(sha256(`${seed}:repeat:${repeat}`).slice(0, 8), 16);
}

/** The config of repeat k of a setting. */
export function repeatConfig(config: TrialConfig, repeat: number): TrialConfig {
  return repeat === 1 ? config : { ...config, seed: repeatSeed(config.seed, repeat) };
}

/** Id suffix of repeat k: none for repeat 1, "/r2", "/r3"… after. */
export function repeatSuffix(repeat: number): string {
  return repeat === 1 ? '' : `/r${repeat}`;
}

export const MESSAGES = {
  fromNotVariant: (where: string, name: string, names: string[]) =>
    `${where}schedule.from "${name}" is not a variant${didYouMean(name, names) || (names.length ? `; variants: ${names.join(', ')}` : '')}`,
  fromNotRangeTest: (where: string, name: string, kind: string) =>
    `${where}schedule.from "${name}" must name an LR range test (a variant with schedule.kind: lr_range); "${name}" has schedule.kind ${kind}`,
  fromNeedsBounds: (where: string, kind: string) =>
    `${where}schedule.from takes eta_min and eta_max from an LR range test, so it needs schedule.kind cyclic; got schedule.kind ${kind}`,
};

/**
 * Checks the `schedule.from` of every variant against the variants: it must name an LR range
 * test, and the schedule that uses it must be cyclic (the kind with eta_min and eta_max).
 */
export function checkLrRangeFrom(configs: { label: string; config: TrialConfig; at: Path }[], variants: Variant[], sources: SourceMap): ConfigError[] {
  const out: ConfigError[] = [];
  const names = variants.map((v) => v.name);
  for (const { label, config, at } of configs) {
    const from = config.schedule.from;
    if (from === undefined || config.schedule.kind === 'lr_range') continue;
    const where = label ? `${label}: ` : '';
    const source = variants.find((v) => v.name === from);
    if (!source) out.push(errorAt(sources, at, MESSAGES.fromNotVariant(where, from, names)));
    else if (source.config.schedule.kind !== 'lr_range') out.push(errorAt(sources, at, MESSAGES.fromNotRangeTest(where, from, source.config.schedule.kind)));
    else if (config.schedule.kind !== 'cyclic') out.push(errorAt(sources, at, MESSAGES.fromNeedsBounds(where, config.schedule.kind)));
  }
  return out;
}

/** The trials that are repeats of the same setting as `t` (t among them), in repeat order. */
export function repeatsOf<T extends { kind: string }>(trials: T[], t: T): T[] {
  const key = (x: T) => {
    const tt = x as unknown as TrainTrial;
    return x.kind === 'train' ? `${tt.role}|${tt.variant}|${tt.stage ?? ''}|${tt.index ?? ''}` : `${x.kind}|${(x as unknown as { id: string }).id}`;
  };
  const k = key(t);
  return trials.filter((x) => key(x) === k);
}
