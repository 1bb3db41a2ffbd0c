// Reads MNIST-style IDX files (Fashion-MNIST, MNIST): big-endian header, magic 0x00000803 for
// images (n, rows, cols) and 0x00000801 for labels (n), raw or gzip. Format: yann.lecun.com/exdb/mnist.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash, type Hash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { DataError } from '../errors.ts';
import { installHint } from './hints.ts';
import { SOURCES, type Source } from './catalog.ts';
import { sourceRoot } from './sources.ts';
import type { RawSplit } from './split.ts';

const PREFIX: Record<string, string> = { train: 'train', test: 't10k' };

/** The file of a part's images or labels in `dir`: raw first, then .gz; the canonical .gz name when neither exists. */
export function idxFile(dir: string, part: string, what: 'images' | 'labels'): string {
  const base = `${PREFIX[part]}-${what}-${what === 'images' ? 'idx3' : 'idx1'}-ubyte`;
  const dotted = `${PREFIX[part]}-${what}.${what === 'images' ? 'idx3' : 'idx1'}-ubyte`;
  for (const name of [base, `${base}.gz`, dotted, `${dotted}.gz`])
    if (existsSync(join(dir, name))) return join(dir, name);
  return join(dir, `${base}.gz`);
}

async function readIdx(
  file: string,
  hash: Hash,
  source: Source,
  root?: string,
): Promise<{ bytes: Buffer; gz: boolean }> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new DataError(`${file}: not found. ${installHint(source, root)}`);
    throw new DataError(`${file}: cannot read (${(err as Error).message})`);
  }
  hash.update(raw);
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      return { bytes: gunzipSync(raw), gz: true };
    } catch (err) {
      throw new DataError(`${file}: corrupt gzip data (${(err as Error).message})`);
    }
  }
  return { bytes: raw, gz: false };
}

function magicOf(file: string, b: Buffer, want: number, what: string): void {
  const magic = b.length >= 4 ? b.readUInt32BE(0) : -1;
  if (magic !== want) {
    const got = magic < 0 ? `only ${b.length} bytes` : `magic 0x${magic.toString(16).padStart(8, '0')}`;
    throw new DataError(
      `${file}: not an IDX ${what} file (${got}; expected magic 0x${want.toString(16).padStart(8, '0')})`,
    );
  }
}

/** Reads an IDX images + labels pair. */
export async function loadIdxPair(
  imagesFile: string,
  labelsFile: string,
  classes: number,
  hash: Hash,
  source: Source,
  root?: string,
): Promise<{ x: Uint8Array; y: Uint8Array; n: number; d: number }> {
  const img = await readIdx(imagesFile, hash, source, root);
  const lab = await readIdx(labelsFile, hash, source, root);
  const unz = (gz: boolean) => (gz ? ' uncompressed' : '');

  magicOf(imagesFile, img.bytes, 0x803, 'images');
  if (img.bytes.length < 16)
    throw new DataError(
      `${imagesFile}: expected at least 16 bytes${unz(img.gz)} (IDX header), found ${img.bytes.length}`,
    );
  const n = img.bytes.readUInt32BE(4);
  const rows = img.bytes.readUInt32BE(8);
  const cols = img.bytes.readUInt32BE(12);
  const d = rows * cols;
  const wantImg = 16 + n * d;
  if (img.bytes.length !== wantImg) {
    throw new DataError(
      `${imagesFile}: expected ${wantImg} bytes${unz(img.gz)} (16-byte header + ${n} images of ${rows}×${cols}), found ${img.bytes.length}`,
    );
  }

  magicOf(labelsFile, lab.bytes, 0x801, 'labels');
  const nl = lab.bytes.length >= 8 ? lab.bytes.readUInt32BE(4) : -1;
  if (nl !== n)
    throw new DataError(
      `${labelsFile}: ${nl < 0 ? 'no label count' : `${nl} labels`} for ${n} images in ${imagesFile}`,
    );
  if (lab.bytes.length !== 8 + n)
    throw new DataError(
      `${labelsFile}: expected ${8 + n} bytes${unz(lab.gz)} (8-byte header + ${n} labels), found ${lab.bytes.length}`,
    );

  const y = new Uint8Array(lab.bytes.subarray(8));
  for (let i = 0; i < n; i++)
    if (y[i] >= classes) throw new DataError(`${labelsFile}: record ${i} has label ${y[i]}; expected 0–${classes - 1}`);
  const x = new Uint8Array(img.bytes.buffer, img.bytes.byteOffset + 16, n * d);
  return { x, y, n, d };
}

/** Loads Fashion-MNIST or MNIST parts (already validated: 'train', 'test'), concatenated in order. */
export async function loadIdx(source: 'fashion_mnist' | 'mnist', names: string[], root?: string): Promise<RawSplit> {
  const dir = sourceRoot(source, root);
  const classes = SOURCES[source].classNames;
  const hash = createHash('sha256');
  const got = [];
  const files: string[] = [];
  for (const part of names) {
    const imagesFile = idxFile(dir, part, 'images');
    const labelsFile = idxFile(dir, part, 'labels');
    got.push(await loadIdxPair(imagesFile, labelsFile, classes.length, hash, source, root));
    files.push(imagesFile, labelsFile);
  }
  const d = got[0].d;
  for (const g of got)
    if (g.d !== d) throw new DataError(`${dir}: parts have different image sizes (${g.d} and ${d} pixels)`);
  const n = got.reduce((a, g) => a + g.n, 0);
  let x = got[0].x;
  let y = got[0].y;
  if (got.length > 1) {
    x = new Uint8Array(n * d);
    y = new Uint8Array(n);
    let at = 0;
    for (const g of got) {
      x.set(g.x, at * d);
      y.set(g.y, at);
      at += g.n;
    }
  }
  return { x, y, n, d, classes, fingerprint: hash.digest('hex'), files };
}
