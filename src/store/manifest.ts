// A trial's manifest: every file's size and SHA-256, written last, when the trial is committed.
// Two checks read it: a cheap one (the manifest is there and every size matches: a stat per file)
// used when planning, and a full one (every byte hashed) used whenever a result or model is read.
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const MANIFEST = 'manifest.json';

export interface Manifest {
  /** The trial hash: the folder it was committed under. */
  hash: string;
  files: Record<string, { size: number; sha256: string }>;
}

/** Files every committed trial has; a training trial also has curves.jsonl and model.bin. */
export const REQUIRED = ['config.json', 'result.json'];
export const REQUIRED_FOR_TRAINING = ['curves.jsonl', 'model.bin'];

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Writes `name` in `dir` and flushes it to the disk before returning. */
export function writeDurably(dir: string, name: string, data: string | Uint8Array): void {
  const fd = openSync(join(dir, name), 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Hashes every file in `dir` (flushing each to the disk) and writes the manifest after them. */
export function writeManifest(dir: string, hash: string): Manifest {
  const files: Manifest['files'] = {};
  for (const name of readdirSync(dir).sort()) {
    if (name === MANIFEST) continue;
    const fd = openSync(join(dir, name), 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    const bytes = readFileSync(join(dir, name));
    files[name] = { size: bytes.length, sha256: sha256(bytes) };
  }
  const manifest: Manifest = { hash, files };
  writeDurably(dir, MANIFEST, JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

/** The manifest of the trial folder `dir`, or what is wrong with it. */
export function readManifest(dir: string, hash: string): Checked<Manifest> {
  let text: string;
  try {
    text = readFileSync(join(dir, MANIFEST), 'utf8');
  } catch {
    return { ok: false, problem: `it has no ${MANIFEST} (never committed whole, or written before manifests)` };
  }
  let m: Manifest;
  try {
    m = JSON.parse(text);
  } catch {
    return { ok: false, problem: `its ${MANIFEST} is not valid JSON (${text.length} bytes)` };
  }
  if (!m || typeof m !== 'object' || typeof m.files !== 'object' || m.files === null)
    return { ok: false, problem: `its ${MANIFEST} lists no files` };
  if (m.hash !== hash) return { ok: false, problem: `its ${MANIFEST} names trial ${String(m.hash)}, not ${hash}` };
  for (const name of REQUIRED)
    if (!m.files[name]) return { ok: false, problem: `its ${MANIFEST} does not list ${name}` };
  for (const [name, f] of Object.entries(m.files)) {
    if (!f || !Number.isInteger(f.size) || typeof f.sha256 !== 'string')
      return { ok: false, problem: `its ${MANIFEST} has no size and SHA-256 for ${name}` };
  }
  return { ok: true, value: m };
}

const sizeProblem = (name: string, size: number, want: number) => `${name} is ${size} bytes; its manifest says ${want}`;

/** The cheap check: the manifest is there and every file it lists has the listed size. */
export function checkSizes(dir: string, hash: string): Checked<Manifest> {
  const m = readManifest(dir, hash);
  if (!m.ok) return m;
  for (const [name, f] of Object.entries(m.value.files)) {
    let size: number;
    try {
      size = statSync(join(dir, name)).size;
    } catch {
      return { ok: false, problem: `${name} is missing` };
    }
    if (size !== f.size) return { ok: false, problem: sizeProblem(name, size, f.size) };
  }
  return m;
}

/** The full check: every file read and hashed; the bytes of each, when all match. */
export function checkHashes(dir: string, hash: string): Checked<Map<string, Buffer>> {
  const m = readManifest(dir, hash);
  if (!m.ok) return m;
  const out = new Map<string, Buffer>();
  for (const [name, f] of Object.entries(m.value.files)) {
    const c = checkFile(dir, name, f);
    if (!c.ok) return c;
    out.set(name, c.value);
  }
  return { ok: true, value: out };
}

/** One file read and checked against its manifest entry. */
export function checkFile(dir: string, name: string, f: { size: number; sha256: string }): Checked<Buffer> {
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(dir, name));
  } catch {
    return { ok: false, problem: `${name} is missing` };
  }
  if (bytes.length !== f.size) return { ok: false, problem: sizeProblem(name, bytes.length, f.size) };
  if (sha256(bytes) !== f.sha256)
    return { ok: false, problem: `${name} does not match the SHA-256 in its manifest (altered after it was written)` };
  return { ok: true, value: bytes };
}
