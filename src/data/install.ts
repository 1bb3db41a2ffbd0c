// Installs CIFAR-10 from the official archive (download) or a local copy (--from), checking the
// archive's MD5 against the official sums, and otherwise each member's size or content. Extraction
// goes to a temporary folder beside the target, renamed into place only when complete, so a crash
// never leaves a half-installed dataset that looks complete. Reading the files is cifar10.ts's job.
import { createReadStream, existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { x as untar } from 'tar';
import { DataError, WriteError, writeFailure, type WriteFix } from '../errors.ts';
import { makeDirsAsync, writingFile, writingFileAsync } from '../writes.ts';
import {
  BIN_DIR,
  CIFAR10_RECORD,
  CIFAR10_RECORDS,
  PY_DIR,
  cifarFile,
  locateCifar,
  parsePythonBatch,
} from './cifar10.ts';
import { CIFAR10_URL, OFFICIAL_MD5, installHint } from './hints.ts';
import { idxFile } from './idx.ts';
import { readMeta, writeMeta } from './meta.ts';
import { parts, SOURCES, type Source } from './catalog.ts';
import { sourceRoot } from './sources.ts';

export type Progress = (p: { bytes: number; total?: number }) => void;

export interface FetchResult {
  /** Where the dataset now lives (the source root). */
  root: string;
  /** MD5 hex of the archive read. */
  md5: string;
  /** Official archive name when the MD5 is an official one, else null (members were verified by size or by reading). */
  known: string | null;
  /** How the members were checked: 'md5' (official archive), 'size' (binary layout) or 'read' (python layout). */
  verified: 'md5' | 'size' | 'read';
  /** False when an identical copy (same archive MD5) was already installed and was kept. */
  replaced: boolean;
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

/** Opens the archive: a local file or an HTTP(S) download, with its size when known. */
async function openArchive(
  from: string,
  root?: string,
): Promise<{ stream: Readable; total?: number; done: () => void }> {
  if (!isUrl(from)) {
    const path = resolve(from);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      throw new DataError(
        `${path}: not found (expected the CIFAR-10 archive, e.g. cifar-10-binary.tar.gz from ${CIFAR10_URL})`,
      );
    }
    return { stream: createReadStream(path, { highWaterMark: 1 << 20 }), total: size, done: () => {} };
  }
  // No response headers in 30 s, or no data for 60 s, counts as offline.
  const ctl = new AbortController();
  let timer = setTimeout(() => ctl.abort(new Error('no response in 30 s')), 30_000);
  let res: Response;
  try {
    res = await fetch(from, { signal: ctl.signal, redirect: 'follow' });
  } catch (err) {
    clearTimeout(timer);
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new DataError(
      `${from}: download failed (${cause?.code ?? cause?.message ?? (err as Error).message}). ${installHint('cifar10', root)}`,
    );
  }
  clearTimeout(timer);
  if (!res.ok || !res.body)
    throw new DataError(
      `${from}: download failed (HTTP ${res.status} ${res.statusText}). ${installHint('cifar10', root)}`,
    );
  const len = Number(res.headers.get('content-length'));
  const stream = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
  const idle = () => {
    clearTimeout(timer);
    timer = setTimeout(() => stream.destroy(new Error('no data for 60 s')), 60_000);
  };
  idle();
  stream.on('data', idle);
  return { stream, total: Number.isFinite(len) && len > 0 ? len : undefined, done: () => clearTimeout(timer) };
}

/** The fix of every install write failure besides its reason's remedy. */
const INSTALL_FIX: WriteFix = {
  elsewhere: 'install it elsewhere (NNLAB_DATA=DIR, or --root DIR)',
  then: 'run nnlab data fetch cifar10 again; any earlier install is kept as it was',
};

/** An extracted member could not be written (full disk, size limit): the install's fault, not the archive's. */
class ExtractWriteFailed extends Error {
  constructor(readonly cause: Error) {
    super(cause.message);
  }
}

/**
 * Streams the archive once: MD5 and progress on the way, members of the two CIFAR-10 layouts
 * extracted into `dir`. A member that cannot be written throws ExtractWriteFailed; a bad archive a DataError.
 */
async function extract(from: string, dir: string, onProgress?: Progress, root?: string): Promise<string> {
  const { stream, total, done } = await openArchive(from, root);
  const md5 = createHash('md5');
  let bytes = 0;
  const unpack = untar({
    cwd: dir,
    strict: true,
    filter: (p) => {
      const top = p.replace(/^\.\//, '').split('/')[0];
      return top === BIN_DIR || top === PY_DIR;
    },
  });
  try {
    await new Promise<void>((resolveDone, reject) => {
      let failed: unknown = null;
      let inputEnded = false;
      const fail = (err: unknown) => {
        if (failed) return;
        failed = err;
        stream.destroy();
        if (!(err instanceof ExtractWriteFailed)) return reject(err);
        // A member that could not be written: tar goes on with the members it holds. Let it settle
        // (end, every open file closed) before the caller removes the folder, so none reappears.
        const settled = setTimeout(() => reject(err), 10_000).unref();
        unpack.once('finish', () => {
          clearTimeout(settled);
          reject(err);
        });
        if (!inputEnded) unpack.end();
      };
      stream.on('error', fail);
      // tar's own errors have TAR_ and zlib's Z_ codes; an errno code is a write of a member failing.
      unpack.on('error', (err: Error) => fail(writeFailure(err, dir) ? new ExtractWriteFailed(err) : err));
      unpack.on('finish', () => (failed ? undefined : resolveDone()));
      stream.on('data', (chunk: Buffer) => {
        md5.update(chunk);
        bytes += chunk.length;
        onProgress?.({ bytes, total });
        if (!unpack.write(chunk)) stream.pause();
      });
      unpack.on('drain', () => stream.resume());
      stream.on('end', () => {
        inputEnded = true;
        unpack.end();
      });
    });
  } catch (err) {
    if (err instanceof ExtractWriteFailed) throw err;
    throw new DataError(`${isUrl(from) ? from : resolve(from)}: cannot extract (${(err as Error).message})`);
  } finally {
    done();
  }
  return md5.digest('hex');
}

/** Checks the extracted members; returns how. Throws a DataError naming the first bad member. */
async function verify(
  from: string,
  dir: string,
  md5: string,
): Promise<{ layout: 'binary' | 'python'; known: string | null; verified: 'md5' | 'size' | 'read' }> {
  const official = OFFICIAL_MD5[md5];
  const name = isUrl(from) ? from : resolve(from);
  if (official?.layout === 'matlab')
    throw new DataError(
      `${name}: this is the MATLAB version of CIFAR-10 (${official.name}); nnlab reads the binary or python version: ${CIFAR10_URL}`,
    );
  const l = locateCifar(dir);
  if (!l)
    throw new DataError(
      `${name}: the archive holds no ${BIN_DIR}/ or ${PY_DIR}/ folder; expected the CIFAR-10 binary archive (${CIFAR10_URL})`,
    );
  const known = official && official.layout === l.layout ? official.name : null;
  for (const p of parts('cifar10')) {
    const f = cifarFile(l, p);
    if (!existsSync(f)) throw new DataError(`${name}: member ${basename(l.dir)}/${basename(f)} is missing`);
  }
  if (known) return { layout: l.layout, known, verified: 'md5' };
  if (l.layout === 'binary') {
    const expected = CIFAR10_RECORDS * CIFAR10_RECORD;
    for (const p of parts('cifar10')) {
      const size = (await stat(cifarFile(l, p))).size;
      if (size !== expected) {
        throw new DataError(
          `${name}: unrecognized checksum ${md5}, and member ${BIN_DIR}/${p}.bin has ${size} bytes (expected ${expected}: ${CIFAR10_RECORDS} records of ${CIFAR10_RECORD}); not installed`,
        );
      }
    }
    return { layout: 'binary', known: null, verified: 'size' };
  }
  for (const p of parts('cifar10')) {
    const f = cifarFile(l, p);
    const { n } = parsePythonBatch(`${name}: member ${PY_DIR}/${p}`, await readFile(f));
    if (n !== CIFAR10_RECORDS)
      throw new DataError(
        `${name}: unrecognized checksum ${md5}, and member ${PY_DIR}/${p} holds ${n} images (expected ${CIFAR10_RECORDS}); not installed`,
      );
  }
  return { layout: 'python', known: null, verified: 'read' };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporary folders left by crashed installs (their process is gone). */
async function removeStale(parent: string, prefix: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return;
  }
  for (const n of names) {
    const m = n.startsWith(prefix) ? /^(\d+)-/.exec(n.slice(prefix.length)) : null;
    if (m && !alive(Number(m[1]))) await rm(join(parent, n), { recursive: true, force: true });
  }
}

/**
 * Installs CIFAR-10 into `root` (default: <data home>/cifar10) from `from`: a local archive path or a
 * URL (default: the official binary archive). Replaces an existing install only once the new one is
 * complete; keeps it when it came from the same archive (same MD5).
 */
export async function fetchDataset(
  source: 'cifar10',
  opts: { from?: string; root?: string; onProgress?: Progress } = {},
): Promise<FetchResult> {
  if (source !== 'cifar10')
    throw new DataError(`nnlab can fetch only cifar10; ${installHint(source as Source, opts.root)}`);
  const target = sourceRoot('cifar10', opts.root);
  const parent = dirname(target);
  const from = opts.from ?? CIFAR10_URL;
  const tmpPrefix = `.${basename(target)}.tmp-`;
  // Every write below names the install's folder: the place the user chose (or NNLAB_DATA gave).
  const tmp = await writingFileAsync(target, INSTALL_FIX, async () => {
    await makeDirsAsync(parent);
    await removeStale(parent, tmpPrefix);
    return mkdtemp(join(parent, `${tmpPrefix}${process.pid}-`));
  });
  try {
    await chmod(tmp, 0o755); // mkdtemp makes it 0700; the installed folder should read like any other
    const md5 = await extract(from, tmp, opts.onProgress, opts.root).catch((err: unknown) => {
      throw err instanceof ExtractWriteFailed ? WriteError.of(err.cause, target, INSTALL_FIX) : err;
    });
    const v = await verify(from, tmp, md5);
    writingFile(target, INSTALL_FIX, () =>
      writeMeta(tmp, {
        source: 'cifar10',
        layout: v.layout,
        archive: isUrl(from) ? from : basename(from),
        md5,
        known: v.known,
        verified: v.verified,
        installed: new Date().toISOString(),
      }),
    );
    const result = { root: target, md5, known: v.known, verified: v.verified };
    const current = readMeta(target);
    if (current?.md5 === md5 && locateCifar(target)) return { ...result, replaced: false };
    // Swap: move the old install aside, the new one in, then delete the old one.
    const old = existsSync(target) ? `${tmp}.old` : null;
    if (old) await writingFileAsync(target, INSTALL_FIX, () => rename(target, old));
    try {
      await rename(tmp, target);
    } catch (err) {
      // Another process installed meanwhile (ENOTEMPTY/EEXIST): keep its copy if it is the same archive.
      if (readMeta(target)?.md5 === md5) {
        if (old) await rm(old, { recursive: true, force: true });
        return { ...result, replaced: false };
      }
      if (old && !existsSync(target)) await rename(old, target).catch(() => {});
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw WriteError.of(err, target, INSTALL_FIX);
      throw new DataError(`${target}: cannot move the new install into place (${(err as Error).message})`);
    }
    // The new install is in place: an old copy that cannot be removed is only litter.
    if (old) await rm(old, { recursive: true, force: true }).catch(() => {});
    return { ...result, replaced: true };
  } finally {
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
}

/** The files a source needs that are missing in `where`. */
export function missingFiles(source: Source, where: string): string[] {
  if (source === 'cifar10') {
    const l = locateCifar(where);
    if (!l) return [join(where, BIN_DIR)];
    return parts('cifar10')
      .map((p) => cifarFile(l, p))
      .filter((f) => !existsSync(f));
  }
  return parts(source)
    .flatMap((p) => [idxFile(where, p, 'images'), idxFile(where, p, 'labels')])
    .filter((f) => !existsSync(f));
}

/**
 * Makes sure a source's files are present and returns the folder holding them. A missing CIFAR-10 is
 * downloaded when `fetch` is true; otherwise, and when the download fails, the DataError says how to
 * install the data by hand.
 */
export async function ensureDataset(
  source: Source,
  opts: { root?: string; fetch?: boolean; onProgress?: Progress } = {},
): Promise<string> {
  const where = sourceRoot(source, opts.root);
  const missing = missingFiles(source, where);
  if (missing.length === 0) return where;
  const what = `${SOURCES[source].label} is not installed in ${where} (${missing[0]} is missing)`;
  if (source !== 'cifar10' || !opts.fetch) throw new DataError(`${what}. ${installHint(source, opts.root)}`);
  try {
    await fetchDataset('cifar10', { root: opts.root, onProgress: opts.onProgress });
  } catch (err) {
    if (err instanceof DataError)
      throw new DataError(
        `${what}, and fetching it failed: ${err.message.split(' To install CIFAR-10: ')[0]} ${installHint(source, opts.root)}`,
      );
    throw err;
  }
  return where;
}
