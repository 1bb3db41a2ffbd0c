// Reads CIFAR-10 parts from either official layout: binary (cifar-10-batches-bin/*.bin, records of
// label byte + 1024 R + 1024 G + 1024 B) or python (cifar-10-batches-py/, pickled dicts, see
// pickle.ts). The binary layout wins when both are present. Installing the files is install.ts's job.
import { existsSync, readFileSync } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash, type Hash } from 'node:crypto';
import { DataError } from '../errors.ts';
import { installHint } from './hints.ts';
import { readMeta } from './meta.ts';
import { PickleError, unpickle, type NdArray } from './pickle.ts';
import { SOURCES } from './catalog.ts';
import { sourceRoot } from './sources.ts';
import type { RawSplit } from './split.ts';

export const CIFAR10_D = 3072;
export const CIFAR10_RECORD = 3073;
export const CIFAR10_RECORDS = 10000;
export const BIN_DIR = 'cifar-10-batches-bin';
export const PY_DIR = 'cifar-10-batches-py';

export interface CifarLayout {
  layout: 'binary' | 'python';
  dir: string;
}

/** Which layout `root` holds: root/cifar-10-batches-bin, root/cifar-10-batches-py, or root itself. */
export function locateCifar(root: string): CifarLayout | null {
  if (existsSync(join(root, BIN_DIR))) return { layout: 'binary', dir: join(root, BIN_DIR) };
  if (existsSync(join(root, PY_DIR))) return { layout: 'python', dir: join(root, PY_DIR) };
  if (existsSync(join(root, 'data_batch_1.bin')) || existsSync(join(root, 'test_batch.bin')))
    return { layout: 'binary', dir: root };
  if (existsSync(join(root, 'data_batch_1')) || existsSync(join(root, 'test_batch')))
    return { layout: 'python', dir: root };
  return null;
}

export function cifarFile(l: CifarLayout, part: string): string {
  return join(l.dir, l.layout === 'binary' ? `${part}.bin` : part);
}

function missing(file: string, root?: string): DataError {
  return new DataError(`${file}: not found. ${installHint('cifar10', root)}`);
}

function classesOf(l: CifarLayout): string[] {
  try {
    if (l.layout === 'binary') {
      const names = readFileSync(join(l.dir, 'batches.meta.txt'), 'utf8')
        .split(/\r?\n/)
        .map((s) => s.trim())
        .filter(Boolean);
      return names.length === 10 ? names : SOURCES.cifar10.classNames;
    }
    const meta = unpickle(readFileSync(join(l.dir, 'batches.meta'))) as Record<string, unknown>;
    const names = (meta.label_names as unknown[]).map((v) =>
      typeof v === 'string' ? v : Buffer.from(v as Uint8Array).toString('utf8'),
    );
    return names.length === 10 ? names : SOURCES.cifar10.classNames;
  } catch {
    return SOURCES.cifar10.classNames;
  }
}

function labelError(file: string, record: number, label: number): DataError {
  return new DataError(`${file}: record ${record} has label ${label}; expected 0–9`);
}

async function readOrMissing(file: string, root?: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw missing(file, root);
    throw new DataError(`${file}: cannot read (${(err as Error).message})`);
  }
}

/** Reads `file` into `buf` (up to its length); returns the file's size when it does not fit, else the bytes read. */
async function readInto(file: string, buf: Buffer, root?: string): Promise<number> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw missing(file, root);
    throw new DataError(`${file}: cannot read (${(err as Error).message})`);
  }
  try {
    let off = 0;
    while (off < buf.length) {
      const { bytesRead } = await fh.read(buf, off, buf.length - off, off);
      if (bytesRead === 0) return off;
      off += bytesRead;
    }
    return (await fh.stat()).size;
  } finally {
    await fh.close();
  }
}

async function loadBinary(
  l: CifarLayout,
  names: string[],
  records: number,
  hash: Hash,
  root?: string,
): Promise<Omit<RawSplit, 'fingerprint' | 'classes'>> {
  const files = names.map((p) => cifarFile(l, p));
  const expected = records * CIFAR10_RECORD;
  // Check every size first, so a truncated file fails before 150 MB are copied.
  for (const f of files) {
    let size: number;
    try {
      size = (await stat(f)).size;
    } catch {
      throw missing(f, root);
    }
    if (size !== expected)
      throw new DataError(`${f}: expected ${expected} bytes (${records} records of ${CIFAR10_RECORD}), found ${size}`);
  }
  const n = records * files.length;
  const x = new Uint8Array(n * CIFAR10_D);
  const y = new Uint8Array(n);
  // One buffer reused for every file: reading into it is ~3× faster than readFile's fresh buffers.
  const buf = Buffer.allocUnsafe(expected);
  let r0 = 0;
  for (const f of files) {
    const got = await readInto(f, buf, root);
    if (got !== expected)
      throw new DataError(`${f}: expected ${expected} bytes (${records} records of ${CIFAR10_RECORD}), found ${got}`);
    hash.update(buf);
    for (let r = 0, o = 0; r < records; r++, o += CIFAR10_RECORD) {
      const label = buf[o];
      if (label > 9) throw labelError(f, r, label);
      y[r0 + r] = label;
      x.set(buf.subarray(o + 1, o + CIFAR10_RECORD), (r0 + r) * CIFAR10_D);
    }
    r0 += records;
  }
  return { x, y, n, d: CIFAR10_D, files };
}

/** One python batch: the dict's 'data' (n × 3072 uint8) and 'labels'. */
export function parsePythonBatch(file: string, buf: Uint8Array): { x: Uint8Array; y: Uint8Array; n: number } {
  let obj: unknown;
  try {
    obj = unpickle(buf);
  } catch (err) {
    if (err instanceof PickleError) throw new DataError(`${file}: not a CIFAR-10 python batch (${err.message})`);
    throw err;
  }
  const dict = obj as Record<string, unknown>;
  const data = dict?.data as NdArray | undefined;
  const labels = (dict?.labels ?? dict?.fine_labels) as unknown[] | undefined;
  if (!data || data.kind !== 'ndarray' || !Array.isArray(labels))
    throw new DataError(`${file}: not a CIFAR-10 python batch (no 'data' array and 'labels' list)`);
  if (!/^[|<>=]?u1$/.test(data.dtype) || data.shape.length !== 2 || data.shape[1] !== CIFAR10_D || data.fortran) {
    throw new DataError(
      `${file}: 'data' is a ${data.dtype} array of shape (${data.shape.join(', ')}); expected uint8 (n, ${CIFAR10_D}) in C order`,
    );
  }
  const n = data.shape[0];
  if (data.data.length !== n * CIFAR10_D)
    throw new DataError(
      `${file}: expected ${n * CIFAR10_D} bytes of pixels (${n} images of ${CIFAR10_D}), found ${data.data.length}`,
    );
  if (labels.length !== n) throw new DataError(`${file}: ${labels.length} labels for ${n} images`);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 9) throw labelError(file, i, Number(v));
    y[i] = v;
  }
  return { x: data.data, y, n };
}

async function loadPython(
  l: CifarLayout,
  names: string[],
  hash: Hash,
  root?: string,
): Promise<Omit<RawSplit, 'fingerprint' | 'classes'>> {
  const files = names.map((p) => cifarFile(l, p));
  const batches = [];
  for (const f of files) {
    const buf = await readOrMissing(f, root);
    hash.update(buf);
    batches.push(parsePythonBatch(f, buf));
  }
  const n = batches.reduce((a, b) => a + b.n, 0);
  const x = new Uint8Array(n * CIFAR10_D);
  const y = new Uint8Array(n);
  let at = 0;
  for (const b of batches) {
    x.set(b.x, at * CIFAR10_D);
    y.set(b.y, at);
    at += b.n;
  }
  return { x, y, n, d: CIFAR10_D, files };
}

/** Loads CIFAR-10 parts (already validated names) from `root` (or the default place), concatenated in order. */
export async function loadCifar(names: string[], root?: string): Promise<RawSplit> {
  const where = sourceRoot('cifar10', root);
  const l = locateCifar(where);
  if (!l) {
    // A data home given as the root (e.g. $NNLAB_DATA instead of $NNLAB_DATA/cifar10) is a likely slip.
    const inside = locateCifar(join(where, 'cifar10')) ? ` Did you mean ${join(where, 'cifar10')}?` : '';
    throw new DataError(
      `CIFAR-10 not found in ${where} (no ${BIN_DIR}/ or ${PY_DIR}/ there).${inside || ` ${installHint('cifar10', root)}`}`,
    );
  }
  const hash = createHash('sha256');
  const records = readMeta(where)?.records_per_part ?? CIFAR10_RECORDS;
  const got =
    l.layout === 'binary' ? await loadBinary(l, names, records, hash, root) : await loadPython(l, names, hash, root);
  return { ...got, classes: classesOf(l), fingerprint: hash.digest('hex') };
}
