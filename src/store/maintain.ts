// Upkeep of a run store: `nnlab store verify` (every trial checked in full, nothing moved) and
// `nnlab store gc` (trials no current plan refers to, removed only when asked). The CLI finds the
// stores and experiments and prints; this module decides.
import { readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import type { ResolvedExperiment } from '../config/resolve.ts';
import { holder } from './claim.ts';
import { planFromStore } from './rank.ts';
import { RunStore } from './store.ts';
import { WriteError, type WriteFix } from '../errors.ts';
import type { TrialRef } from './types.ts';

/** The experiment folders (holding trials/) of a runs folder. */
export function storedExperiments(runs: string): string[] {
  try {
    return readdirSync(runs)
      .filter((n) => {
        try {
          return statSync(join(runs, n, 'trials')).isDirectory();
        } catch {
          return false;
        }
      })
      .sort();
  } catch {
    return [];
  }
}

export interface Verified {
  checked: number;
  damaged: { ref: TrialRef; problem: string }[];
  quarantined: number;
}

/** Every committed trial of a store checked against its manifest, byte for byte. */
export function verifyStore(store: RunStore): Verified {
  const damaged: Verified['damaged'] = [];
  const hashes = store.hashes();
  for (const hash of hashes) {
    const problem = store.verify(hash);
    if (problem) damaged.push({ ref: store.ref(hash), problem });
  }
  let quarantined = 0;
  try {
    quarantined = readdirSync(store.quarantineDir).length;
  } catch {
    /* none */
  }
  return { checked: hashes.length, damaged, quarantined };
}

export interface Garbage {
  /** Committed trials the current plan does not refer to, and quarantined folders. */
  trials: { name: string; path: string; bytes: number; ref: TrialRef | null }[];
  /** Why nothing may be removed from this store (its plan is incomplete), or null. */
  keep: string | null;
}

function bytesOf(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((n, f) => n + bytesOf(join(path, f)), 0);
}

/**
 * What gc would remove from a store: trials the experiment's current plan (re-planned as the report
 * does) does not refer to, every quarantined folder; with no experiment, every trial. A plan with
 * stages still waiting for earlier ones cannot tell their stored trials from garbage: such a store is kept.
 */
export function findGarbage(store: RunStore, exp: ResolvedExperiment | null): Garbage {
  let planned = new Set<string>();
  let keep: string | null = null;
  if (exp) {
    const plan = planFromStore(
      exp,
      new RunStore(dirname(store.root), store.experiment, { moveDamaged: false, warn: () => undefined }),
    );
    planned = new Set(plan?.trials.map((t) => t.hash));
    if (plan?.pending.length)
      keep = `its plan is incomplete (${plan.pending.map((p) => p.id).join(', ')} wait for earlier stages); run it to the end first`;
  }
  const trials: Garbage['trials'] = [];
  for (const hash of store.hashes()) {
    if (planned.has(hash)) continue;
    const path = store.trialDir(hash);
    trials.push({ name: hash, path, bytes: bytesOf(path), ref: store.ref(hash) });
  }
  try {
    for (const name of readdirSync(store.quarantineDir).sort()) {
      const path = join(store.quarantineDir, name);
      trials.push({ name: `quarantine/${name}`, path, bytes: bytesOf(path), ref: null });
    }
  } catch {
    /* no quarantine */
  }
  return { trials, keep };
}

/** What a removal that failed leaves, and what next. */
const GC_FIX: WriteFix = {
  then: 'run nnlab store gc --yes again; it and every trial not yet removed are kept whole',
};

/**
 * Removes what findGarbage found, except trials a live claim names (a runner is replacing them).
 * Each folder is first renamed aside in one step (a trial's to `<hash>.old-<host>-<pid>-<ms>`, which
 * the store's sweep also removes), so a removal that fails leaves the trial whole, never half of it:
 * that failure ends gc with one line (exit 2).
 */
export function removeGarbage(store: RunStore, garbage: Garbage): number {
  let removed = 0;
  for (const t of garbage.trials) {
    const h = t.ref ? holder(store, t.ref.hash) : null;
    if (h && !h.stale) continue;
    const aside = `${t.path}.old-${hostname()}-${process.pid}-${Date.now()}`;
    try {
      renameSync(t.path, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // removed meanwhile by another gc
      throw WriteError.of(err, t.path, GC_FIX, 'remove');
    }
    try {
      rmSync(aside, { recursive: true, force: true });
    } catch {
      // Out of the store already; `nnlab run`'s sweep (or the next gc) removes what is left.
    }
    removed++;
  }
  return removed;
}
