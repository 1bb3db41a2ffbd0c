// Claims: which process is training which trial, so that runners sharing a store (two `nnlab run`s,
// or the array tasks of a cluster job) train each trial once. A claim is claims/<hash>.json, made by
// link(2) of a complete file (atomic, also on NFS), naming host, pid and start time; its holder
// refreshes its mtime while it trains. Usage: claim → train → store.commit → release; see README.md.
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { processAlive, writing, type RunStore } from './store.ts';

export interface ClaimInfo {
  host: string;
  pid: number;
  /** When the claim was made (ISO 8601). */
  startedAt: string;
  /** Tells this claim from a later one by the same process. */
  token: string;
}

export interface Claim {
  hash: string;
  file: string;
  info: ClaimInfo;
  /** Set when this claim replaced a stale one: whose, and why it was stale. */
  tookOver?: { info: ClaimInfo | null; why: string };
}

/** Another process's claim on a trial, and whether it is stale (with the reason). */
export interface Holder {
  info: ClaimInfo | null;
  refreshedAt: number;
  stale: string | null;
}

/** A claim not refreshed for this long is stale: $NNLAB_CLAIM_STALE_SECONDS, default 120 s. */
export function staleAfterMs(): number {
  const s = Number(process.env.NNLAB_CLAIM_STALE_SECONDS);
  return Number.isFinite(s) && s > 0 ? s * 1000 : 120_000;
}

/** How often a holder refreshes its claim: a quarter of the stale time, so a busy moment is not taken for death. */
export const refreshEveryMs = () => Math.max(100, staleAfterMs() / 4);

const claimFile = (store: RunStore, hash: string) => join(store.claimsDir, `${hash}.json`);

function readInfo(file: string): ClaimInfo | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ClaimInfo;
  } catch {
    return null;
  }
}

/** Why a claim is stale (its process is gone from this host; no refresh for the stale time), or null. */
function staleness(info: ClaimInfo | null, refreshedAt: number): string | null {
  if (info && info.host === hostname() && info.pid !== process.pid && !processAlive(info.pid))
    return `its process ${info.pid} on ${info.host} is gone`;
  const idle = Date.now() - refreshedAt;
  if (idle > staleAfterMs()) return `it was not refreshed for ${Math.round(idle / 1000)} s`;
  return null;
}

/** Who holds a claim on the trial, or null when nobody does. */
export function holder(store: RunStore, hash: string): Holder | null {
  return holderOf(claimFile(store, hash));
}

function holderOf(file: string): Holder | null {
  let refreshedAt: number;
  try {
    refreshedAt = statSync(file).mtimeMs;
  } catch {
    return null;
  }
  const info = readInfo(file);
  return { info, refreshedAt, stale: staleness(info, refreshedAt) };
}

/** Writes a complete claim file under a private name, for link(2) to publish. */
function draft(store: RunStore, hash: string): { path: string; info: ClaimInfo } {
  const info: ClaimInfo = {
    host: hostname(),
    pid: process.pid,
    startedAt: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  const path = join(store.claimsDir, `${hash}.${info.host}-${info.pid}-${info.token}.draft`);
  writing(path, () => {
    mkdirSync(store.claimsDir, { recursive: true });
    writeFileSync(path, JSON.stringify(info) + '\n');
  });
  return { path, info };
}

/** link(2) `from` to `to`: true if made, false if `to` exists. */
function publish(from: string, to: string): boolean {
  try {
    linkSync(from, to);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    return writing(to, () => {
      throw err;
    });
  }
}

/**
 * Claims a trial for this process. Returns the claim, or null while another process holds a live
 * claim on it. A stale claim is taken over (under a short takeover lock, so two waiters cannot both).
 * Throws StoreError when the claims folder cannot be written.
 */
export function claim(store: RunStore, hash: string): Claim | null {
  const file = claimFile(store, hash);
  const mine = draft(store, hash);
  try {
    if (publish(mine.path, file)) return { hash, file, info: mine.info };
    const held = holder(store, hash);
    if (!held) return publish(mine.path, file) ? { hash, file, info: mine.info } : null;
    if (!held.stale) return null;
    const guard = `${file}.takeover`;
    if (!publish(mine.path, guard)) {
      // A takeover in progress; one left by a process that died mid-takeover is removed.
      if (holderOf(guard)?.stale) unlinkSync(guard);
      return null;
    }
    try {
      const again = holder(store, hash);
      if (again && (again.info?.token !== held.info?.token || !again.stale)) return null;
      if (again) unlinkSync(file);
      return publish(mine.path, file)
        ? { hash, file, info: mine.info, tookOver: { info: held.info, why: held.stale } }
        : null;
    } finally {
      unlinkSync(guard);
    }
  } finally {
    try {
      unlinkSync(mine.path);
    } catch {
      /* a read-only claims folder: the draft was never written */
    }
  }
}

/** Marks the claim as alive (call every refreshEveryMs()); false when it was taken over or removed. */
export function refresh(c: Claim): boolean {
  if (readInfo(c.file)?.token !== c.info.token) return false;
  const now = new Date();
  try {
    utimesSync(c.file, now, now);
    return true;
  } catch {
    return false;
  }
}

/** Gives the claim up (after the trial is committed, or abandoned); leaves a claim that is no longer ours. */
export function release(c: Claim): void {
  if (readInfo(c.file)?.token !== c.info.token) return;
  try {
    unlinkSync(c.file);
  } catch {
    /* gone already, or a read-only store: a claim of a process that is gone is stale */
  }
}

/** Refreshes the claim on a timer until the returned function is called. */
export function keepFresh(c: Claim): () => void {
  const timer = setInterval(() => refresh(c), refreshEveryMs());
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Resolves once nobody holds a live claim on the trial: 'released' when the claim is gone (look in
 * the store for the result), 'stale' when it went stale (claim() takes it over). Checks every `pollMs`.
 */
export function waitFor(
  store: RunStore,
  hash: string,
  opts: { signal?: AbortSignal; pollMs?: number } = {},
): Promise<'released' | 'stale' | 'aborted'> {
  return new Promise((resolve) => {
    const timer = setInterval(() => check(), opts.pollMs ?? 200);
    const check = () => {
      if (opts.signal?.aborted) return done('aborted');
      const h = holder(store, hash);
      if (!h) return done('released');
      if (h.stale) return done('stale');
    };
    const done = (how: 'released' | 'stale' | 'aborted') => {
      clearInterval(timer);
      opts.signal?.removeEventListener('abort', check);
      resolve(how);
    };
    opts.signal?.addEventListener('abort', check);
    check();
  });
}
