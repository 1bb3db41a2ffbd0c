// Remembers data fingerprints (sha256 over a source's files: reading all of CIFAR-10 takes ~0.9 s)
// in a file of the data home, so a run whose trials are all stored does not re-read the data. An
// entry holds only while every file it hashed, and every folder holding them, is unchanged by stat.
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { WriteError, writeFailure, writeFix } from '../errors.ts';
import { makeDirs } from '../writes.ts';

/** The cache file's name in the data home. */
export const FINGERPRINT_CACHE = 'fingerprints.json';
/** Bump when what a fingerprint covers changes (src/data's loaders), so older entries are dropped. */
const VERSION = 1;

interface Entry {
  fingerprint: string;
  /** Path → its stat identity when the fingerprint was taken. */
  stats: Record<string, string>;
}
interface CacheFile {
  version: number;
  entries: Record<string, Entry>;
}

/**
 * Device, inode, size, modification and change time (ns): any write, replacement, truncation or
 * touch changes one of them, and the change time cannot be set back by hand (utimes updates it).
 */
function identity(path: string): { id: string; ctimeNs: bigint } | null {
  try {
    const s = statSync(path, { bigint: true });
    return { id: `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`, ctimeNs: s.ctimeNs };
  } catch {
    return null;
  }
}

function readCache(file: string): CacheFile {
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
    if (c.version === VERSION && c.entries && typeof c.entries === 'object') return c;
  } catch {
    // Missing or unreadable: an empty cache (it only ever saves time).
  }
  return { version: VERSION, entries: {} };
}

export interface FingerprintCacheOptions {
  /** The cache file (in the data home). */
  file: string;
  /** Folders to watch besides those holding the files (the source's root: a new layout appearing there changes what is read). */
  watch?: string[];
  /**
   * A file changed less than this long before hashing began is not remembered: it may have been
   * written while being read, or within the file system clock's granularity. Default 2000 ms.
   */
  settleMs?: number;
  /** False: use the cache but add nothing to it (commands that must write nothing, e.g. a dry run). */
  write?: boolean;
  /** Where the one line goes when the cache cannot be written (default: stderr). */
  warn?: (line: string) => void;
}

/**
 * The fingerprint `compute` would give for `key`, from the cache when everything it read is unchanged;
 * else computed (reading the files) and remembered. Never a fingerprint of files that changed since.
 */
export async function cachedFingerprint(
  key: string,
  compute: () => Promise<{ fingerprint: string; files: string[] }>,
  opts: FingerprintCacheOptions,
): Promise<string> {
  const hit = readCache(opts.file).entries[key];
  const paths = hit ? Object.keys(hit.stats) : [];
  if (hit && paths.length > 0 && paths.every((p) => identity(p)?.id === hit.stats[p])) return hit.fingerprint;

  const settled = BigInt(Date.now() - (opts.settleMs ?? 2000)) * 1_000_000n;
  const { fingerprint, files } = await compute();
  if (opts.write === false) return fingerprint;
  const watched = [
    ...new Set([...files, ...files.map((f) => dirname(f)), ...(opts.watch ?? [])].map((p) => resolve(p))),
  ];
  const stats: Record<string, string> = {};
  for (const p of watched) {
    const s = identity(p);
    if (!s || s.ctimeNs >= settled) return fingerprint;
    stats[p] = s.id;
  }
  const tmp = `${opts.file}.${process.pid}.tmp`;
  try {
    // Re-read just before writing, so entries another run wrote meanwhile are kept.
    const cache = readCache(opts.file);
    cache.entries[key] = { fingerprint, stats };
    makeDirs(dirname(opts.file));
    writeFileSync(tmp, `${JSON.stringify(cache, null, 1)}\n`);
    renameSync(tmp, opts.file);
  } catch (err) {
    // The cache only saves reading the data again: a run goes on without it, and says so in one
    // line (a read-only or full data home then costs a read of the data each run, ~1 s for CIFAR-10).
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Only a partly written temporary file of this process; the next write replaces it.
    }
    const f = writeFailure(err, opts.file);
    if (!f) throw err;
    const fix = writeFix(f.code, {
      then: "the next run remembers the data's fingerprint; this one goes on without the cache",
    });
    (opts.warn ?? ((line) => console.error(line)))(`warning: ${new WriteError(opts.file, f.reason, fix).message}`);
  }
  return fingerprint;
}
