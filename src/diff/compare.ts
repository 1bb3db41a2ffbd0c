// Compares two resolved experiments: settings added, removed and changed (with the file:line of
// each side), the expanded trials by hash, and the stored results of trials that differ. Reading
// the sides is sides.ts's job; printing the outcome, format.ts's.
import { join } from 'node:path';
import { canonicalJson } from '../config/canonical.ts';
import { planTrials, type Trial, type TrainTrial } from '../config/expand.ts';
import type { Path } from '../config/load.ts';
import { configDifferences } from '../config/walk.ts';
import { resolveExperiment, type ResolvedExperiment } from '../config/resolve.ts';
import { RunStore, runsDir, type TrainResult, type TrialRef } from '../store/store.ts';
import { bestOfStage, rankStage, stageSettled } from '../store/rank.ts';
import type { Side } from './sides.ts';
import { repeatsOf } from '../config/repeats.ts';
import { storedLrBounds } from '../runner/lr-range.ts';
import { spread, type Spread } from '../runner/repeat-stats.ts';
import {
  compareRepeats,
  compareSingleRuns,
  DEFAULT_ALPHA,
  describe,
  type Comparison,
  type Description,
  type Repeat,
} from '../stats/t-test.ts';

/** Engine version and data fingerprint used for both sides' hashes when no run is stored. */
export const CONFIG_ONLY = 'config-only';

export interface SettingChange {
  /** Dotted path, list items of named things by name: `searches[coarse].range`, `variants[2].set`. */
  path: string;
  change: 'added' | 'removed' | 'changed';
  old?: unknown;
  new?: unknown;
  /** `file:line:column` of each side, `default` for a value filled in from the schema. */
  oldAt?: string;
  newAt?: string;
}

export interface TrialEntry {
  id: string;
  hash: string;
  /** For a search trial: the searched setting and its value. */
  param?: string;
  value?: unknown;
}

export interface Metric {
  old: number;
  new: number;
  delta: number;
  /**
   * How the delta was judged (stats/t-test.ts): with repeats on both sides, their t-test (paired by
   * seed when the stored seeds match one to one, else Welch's; diverged repeats excluded and listed);
   * with one run on each side, a t-test against the seed-to-seed sd of the configs the store holds
   * with other seeds, when there are some. `a` is the old side, `b` the new; `result` has the test's
   * name, t, df, two-sided p and the (1 − alpha) CI of the delta.
   */
  comparison?: Comparison;
  /** The comparison's outcome in one bit: false when p < alpha (or a difference with no variation). */
  withinNoise?: boolean;
  /** With repeats: old and new are means; their sample sd and count per side. */
  repeats?: { old: Spread; new: Spread };
}

export interface ResultDelta {
  /** A trial id (`variant/one-cycle`, `final`) or `search/STAGE (best)`. */
  id: string;
  oldHash: string;
  newHash: string;
  validationAccuracy?: Metric;
  testAccuracy?: Metric;
  seconds?: Metric;
}

export interface FileDiff {
  old: string;
  new: string;
  /** `changed`, or `added`/`removed` when the file exists on one side only (--git). */
  status: 'changed' | 'unchanged' | 'added' | 'removed';
  semanticChange: boolean;
  hashes: { engineVersion: string; dataFingerprint: string; configOnly: boolean; from?: string };
  settings: SettingChange[];
  trials: {
    added: TrialEntry[];
    removed: TrialEntry[];
    /** Same id on both sides, different hash (a variant or the final retrains). */
    changed: { id: string; oldHash: string; newHash: string }[];
    unchanged: TrialEntry[];
  };
  /** Trials planned once earlier stages have results, per side. */
  pending: { old: string[]; new: string[] };
  results: ResultDelta[];
}

// --- settings -------------------------------------------------------------------------------

/** Where a value came from: its own position, a --set flag above it, or the schema's default. */
function origin(exp: ResolvedExperiment, path: Path, relabel: (s: string) => string): string {
  const own = exp.sources.get(path);
  const pos = own ?? exp.sources.locate(path);
  if (!own && !pos.file.startsWith('--set')) return 'default';
  if (pos.file.startsWith('--set')) return pos.file;
  return relabel(`${pos.file}:${pos.line}:${pos.column}`);
}

export function compareSettings(
  a: ResolvedExperiment,
  b: ResolvedExperiment,
  relabelA: (s: string) => string,
  relabelB: (s: string) => string,
): SettingChange[] {
  return configDifferences(a.value, b.value, { listItems: true }).map((d) => {
    const c: SettingChange = { path: d.path, change: d.a && d.b ? 'changed' : d.a ? 'removed' : 'added' };
    if (d.a) {
      c.old = d.a.value;
      c.oldAt = origin(a, d.a.at, relabelA);
    }
    if (d.b) {
      c.new = d.b.value;
      c.newAt = origin(b, d.b.at, relabelB);
    }
    return c;
  });
}

// --- trials and results ---------------------------------------------------------------------

/** Engine version and data fingerprint of the last run of either side, else placeholders. */
export function hashContext(stores: RunStore[]): FileDiff['hashes'] {
  for (const s of stores) {
    const plan = s.readPlan();
    if (plan?.engineVersion && plan.dataFingerprint)
      return {
        engineVersion: plan.engineVersion,
        dataFingerprint: plan.dataFingerprint,
        configOnly: false,
        from: join(s.root, 'plan.json'),
      };
  }
  return { engineVersion: CONFIG_ONLY, dataFingerprint: CONFIG_ONLY, configOnly: true };
}

/** A stored training result that finished (not diverged), every file checked; else null. */
function trainResult(store: RunStore, ref: TrialRef): TrainResult | null {
  const r = store.read(ref)?.result;
  return r?.kind === 'train' && r.status === 'ok' ? r : null;
}

const withoutSeed = (config: unknown) => canonicalJson({ ...(config as object), seed: undefined });

type SeedNoise = { validationAccuracy?: Description; testAccuracy?: Description; seconds?: Description };

/**
 * Seed-to-seed noise of every configuration the store holds more than one seed of:
 * key = config without its seed → { metric → mean, sd, n over its seeds }.
 */
function seedSpreads(store: RunStore, engineVersion: string): Map<string, SeedNoise> {
  const groups = new Map<string, TrainResult[]>();
  for (const hash of store.hashes()) {
    const stored = store.read(store.ref(hash));
    const r = stored?.result;
    if (
      !r ||
      r.kind !== 'train' ||
      r.status !== 'ok' ||
      (engineVersion !== CONFIG_ONLY && r.engineVersion !== engineVersion)
    )
      continue;
    const key = withoutSeed(stored.config);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const spreads = new Map<string, SeedNoise>();
  for (const [key, rs] of groups) {
    if (rs.length < 2) continue;
    const of = (xs: (number | undefined)[]) => describe(xs) ?? undefined;
    spreads.set(key, {
      validationAccuracy: of(rs.map((r) => r.final.validation?.accuracy)),
      testAccuracy: of(rs.map((r) => r.final.test?.accuracy)),
      seconds: of(rs.map((r) => r.seconds)),
    });
  }
  return spreads;
}

/** One measure of every stored repeat (seed from the stored config, diverged ones flagged). */
function repeatValues(store: RunStore, refs: TrialRef[], pick: (r: TrainResult) => number | undefined): Repeat[] {
  return refs.flatMap((ref) => {
    const s = store.read(ref);
    const r = s?.result;
    const value = r?.kind === 'train' ? pick(r) : undefined;
    // A diverged repeat is kept (flagged) even without the measure, so its exclusion is said.
    if (r?.kind !== 'train' || (value === undefined && r.status === 'ok')) return [];
    const seed = (s!.config as { seed?: unknown }).seed;
    return [{ value: value ?? NaN, seed: typeof seed === 'number' ? seed : undefined, diverged: r.status !== 'ok' }];
  });
}

const judged = (m: Metric, c: Comparison | null): Metric => {
  if (!c) return m;
  m.comparison = c;
  if (c.outcome !== 'no-estimate') m.withinNoise = c.outcome === 'within' || c.outcome === 'identical';
  return m;
};

/** A metric over the repeats of a setting on each side: means, judged by their t-test. */
function repeatMetric(old: Repeat[], now: Repeat[], alpha: number): Metric | undefined {
  const live = (rs: Repeat[]) => rs.filter((r) => !r.diverged).map((r) => r.value);
  const a = spread(live(old));
  const b = spread(live(now));
  if (!a || !b) return undefined;
  const m: Metric = { old: a.mean, new: b.mean, delta: b.mean - a.mean, repeats: { old: a, new: b } };
  return judged(m, compareRepeats(old, now, alpha));
}

/** A metric of one run per side, judged against the seed-to-seed sd of their configs' other stored seeds. */
function metric(
  old: number | undefined,
  now: number | undefined,
  noise: [Description | undefined, Description | undefined],
  alpha: number,
): Metric | undefined {
  if (old === undefined || now === undefined) return undefined;
  const m: Metric = { old, new: now, delta: now - old };
  return judged(m, compareSingleRuns(old, now, noise[0] ?? null, noise[1] ?? null, alpha));
}

function entry(t: Trial): TrialEntry {
  const e: TrialEntry = { id: t.id, hash: t.hash };
  if (t.kind === 'train' && t.role === 'search') {
    e.param = t.param;
    e.value = t.value;
  }
  return e;
}

/**
 * Trials of the two sides matched by name: same id and hash, unchanged; a variant, gradient check or
 * final whose hash changed, retrained (a pair whose results are compared). A name on one side only is
 * added or removed, unless its hash is the other side's under another name that side does not plan
 * any more (a renamed trial: the same computation, stored once). Names, not hashes, decide, so a
 * trial that shares its stored result with another on one side (a search value equal to a variant)
 * keeps its own match. Search trials are numbered, not named: a changed value is one trial removed
 * and one added.
 */
export function matchTrials(
  a: Trial[],
  b: Trial[],
): {
  unchanged: Trial[];
  added: Trial[];
  removed: Trial[];
  changed: FileDiff['trials']['changed'];
  pairs: [Trial, Trial][];
} {
  const byIdA = new Map(a.map((t) => [t.id, t]));
  const idsB = new Set(b.map((t) => t.id));
  const unchanged: Trial[] = [];
  const added: Trial[] = [];
  const changed: FileDiff['trials']['changed'] = [];
  const pairs: [Trial, Trial][] = [];
  const matched = new Set<string>(); // ids of A matched
  for (const t of b) {
    const old = byIdA.get(t.id);
    if (old && old.hash === t.hash) {
      unchanged.push(t);
      matched.add(old.id);
    } else if (old && !(t.kind === 'train' && t.role === 'search')) {
      changed.push({ id: t.id, oldHash: old.hash, newHash: t.hash });
      pairs.push([old, t]);
      matched.add(old.id);
    } else if (!old) {
      // Renamed: the hash of an A trial whose name B no longer has.
      const renamed = a.find((x) => x.hash === t.hash && !idsB.has(x.id) && !matched.has(x.id));
      if (renamed) {
        unchanged.push(t);
        matched.add(renamed.id);
      } else added.push(t);
    } else added.push(t);
  }
  const removed = a.filter((t) => !matched.has(t.id));
  return { unchanged, added, removed, changed, pairs };
}

export interface Resolved {
  side: Side;
  exp: ResolvedExperiment | null;
}

export function resolveSide(side: Side, set: string[] = []): ResolvedExperiment {
  return resolveExperiment(side.file, { set });
}

/** Everything that differs between two resolved experiments (either may be absent under --git). */
export function compareExperiments(a: Resolved, b: Resolved): FileDiff {
  const storeA = a.exp && new RunStore(runsDir(a.side.storeFile), a.exp.name);
  const storeB = b.exp && new RunStore(runsDir(b.side.storeFile), b.exp.name);
  const hashes = hashContext([storeB, storeA].filter((s): s is RunStore => s !== null));
  const ctx = { engineVersion: hashes.engineVersion, dataFingerprint: hashes.dataFingerprint };
  const planA = a.exp
    ? planTrials(a.exp, { ...ctx, bestOf: bestOfStage(storeA!), lrBounds: storedLrBounds(storeA!) })
    : { trials: [], pending: [] };
  const planB = b.exp
    ? planTrials(b.exp, { ...ctx, bestOf: bestOfStage(storeB!), lrBounds: storedLrBounds(storeB!) })
    : { trials: [], pending: [] };
  const settings = a.exp && b.exp ? compareSettings(a.exp, b.exp, a.side.relabel, b.side.relabel) : [];

  const { unchanged, added, removed, changed, pairs } = matchTrials(planA.trials, planB.trials);

  const results: ResultDelta[] = [];
  if (storeA && storeB) {
    const spreadsA = seedSpreads(storeA, hashes.engineVersion);
    const spreadsB = seedSpreads(storeB, hashes.engineVersion);
    // The significance level of the new side's report (else the old's, else 0.05).
    const alpha = b.exp?.report.alpha ?? a.exp?.report.alpha ?? DEFAULT_ALPHA;
    const delta = (id: string, ta: Trial, tb: Trial, ra: TrainResult, rb: TrainResult): ResultDelta => {
      // Repeats (issue 12): a setting trained several times is compared by its means.
      const repsA = repeatsOf(planA.trials as Trial[], ta);
      const repsB = repeatsOf(planB.trials as Trial[], tb);
      if (repsA.length > 1 || repsB.length > 1) {
        const d: ResultDelta = { id, oldHash: ta.hash, newHash: tb.hash };
        const judge = (pick: (r: TrainResult) => number | undefined) =>
          repeatMetric(repeatValues(storeA, repsA, pick), repeatValues(storeB, repsB, pick), alpha);
        const v = judge((r) => r.final.validation?.accuracy);
        const t = judge((r) => r.final.test?.accuracy);
        const s = judge((r) => r.seconds);
        if (v) d.validationAccuracy = v;
        if (t) d.testAccuracy = t;
        if (s) d.seconds = s;
        return d;
      }
      const sa = spreadsA.get(withoutSeed(ta.config)) ?? spreadsB.get(withoutSeed(ta.config));
      const sb = spreadsB.get(withoutSeed(tb.config)) ?? spreadsA.get(withoutSeed(tb.config));
      const d: ResultDelta = { id, oldHash: ta.hash, newHash: tb.hash };
      const v = metric(
        ra.final.validation?.accuracy,
        rb.final.validation?.accuracy,
        [sa?.validationAccuracy, sb?.validationAccuracy],
        alpha,
      );
      const t = metric(ra.final.test?.accuracy, rb.final.test?.accuracy, [sa?.testAccuracy, sb?.testAccuracy], alpha);
      const s = metric(ra.seconds, rb.seconds, [sa?.seconds, sb?.seconds], alpha);
      if (v) d.validationAccuracy = v;
      if (t) d.testAccuracy = t;
      if (s) d.seconds = s;
      return d;
    };
    for (const [ta, tb] of pairs) {
      if (ta.kind === 'train' && tb.kind === 'train' && (ta.repeat > 1 || tb.repeat > 1)) continue; // summarized by repeat 1's row
      const ra = trainResult(storeA, ta);
      const rb = trainResult(storeB, tb);
      if (ra && rb) results.push(delta(tb.id, ta, tb, ra, rb));
    }
    // A search stage whose trials changed: compare the best trial of each side.
    const stages = new Set(
      [...added, ...removed]
        .filter((t): t is TrainTrial => t.kind === 'train' && t.role === 'search')
        .map((t) => t.stage!),
    );
    for (const stage of [...stages].sort()) {
      const best = (trials: Trial[], store: RunStore) => {
        const ofStage = trials.filter(
          (t): t is TrainTrial => t.kind === 'train' && t.role === 'search' && t.stage === stage,
        );
        if (!stageSettled(store, ofStage)) return null;
        const top = rankStage(ofStage, (t) => trainResult(store, t) ?? undefined)[0];
        return top?.rank === 1 ? top : null;
      };
      const ba = best(planA.trials, storeA);
      const bb = best(planB.trials, storeB);
      if (ba && bb) results.push(delta(`search/${stage} (best)`, ba.trial, bb.trial, ba.result, bb.result));
    }
  }

  const status: FileDiff['status'] = !a.exp
    ? 'added'
    : !b.exp
      ? 'removed'
      : settings.length || added.length || removed.length || changed.length
        ? 'changed'
        : 'unchanged';
  return {
    old: a.side.label,
    new: b.side.label,
    status,
    semanticChange: status !== 'unchanged',
    hashes,
    settings,
    trials: { added: added.map(entry), removed: removed.map(entry), changed, unchanged: unchanged.map(entry) },
    pending: { old: planA.pending.map((p) => p.id), new: planB.pending.map((p) => p.id) },
    results,
  };
}
