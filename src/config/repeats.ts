// Repeats on the config side: the seed of each repeat, its config and id suffix, and which trials
// are repeats of one setting. The rules that check schedule.from are in rules/trial.ts; planning
// the trials is expand.ts's job; statistics are the report's.
import { sha256 } from './canonical.ts';
import type { TrialConfig } from './trial.ts';
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

/** The trials that are repeats of the same setting as `t` (t among them), in repeat order. */
export function repeatsOf<T extends { kind: string }>(trials: T[], t: T): T[] {
  const key = (x: T) => {
    const tt = x as unknown as TrainTrial;
    return x.kind === 'train'
      ? `${tt.role}|${tt.variant}|${tt.stage ?? ''}|${tt.index ?? ''}`
      : `${x.kind}|${(x as unknown as { id: string }).id}`;
  };
  const k = key(t);
  return trials.filter((x) => key(x) === k);
}
