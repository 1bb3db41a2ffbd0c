// Test data for the data layer and for other people's integration tests: synthetic CIFAR-10 (binary
// and python layouts), IDX files and archives written to temp folders, and cifarTestRoot(), which
// installs the shared CIFAR-10 copy (../shared/datasets) once per machine into the temp folder.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { after } from 'node:test';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { c as tarCreate } from 'tar';
import { fetchDataset, missingFiles, parts, readMeta, META_FILE } from '../../src/data/index.ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sharedDatasets = resolve(repoRoot, '..', 'shared', 'datasets');
export const SHARED_ARCHIVE = join(sharedDatasets, 'cifar-10-binary-jpeg75.tar.gz');
export const SHARED_MD5 = '2e508a679b17574754a44d7002bf3d7d';
export const SHARED_MISSING = `${SHARED_ARCHIVE} is absent (the shared CIFAR-10 copy is only on development machines and CI)`;

let installing: Promise<string | null> | null = null;

/**
 * The data home (use it as NNLAB_DATA, or `<home>/cifar10` as dataset.root) holding the shared CIFAR-10
 * JPEG q75 copy, installed once into os.tmpdir()/nnlab-test-data and reused across test files and
 * runs (fetchDataset installs atomically); null where ../shared/datasets is absent.
 */
export function cifarTestRoot(): Promise<string | null> {
  installing ??= (async () => {
    if (!existsSync(SHARED_ARCHIVE)) return null;
    const home = join(tmpdir(), 'nnlab-test-data');
    const root = join(home, 'cifar10');
    if (readMeta(root)?.md5 === SHARED_MD5 && missingFiles('cifar10', root).length === 0) return home;
    await fetchDataset('cifar10', { from: SHARED_ARCHIVE, root });
    return home;
  })();
  return installing;
}

const made: string[] = [];
after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

/** A fresh temp folder, removed when the test file ends. */
export function tempDir(prefix = 'nnlab-data-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** The synthetic pixel value of part p (0-based), record r, dimension j. */
export const pixel = (p: number, r: number, j: number) => (p * 31 + r * 7 + j) & 255;
/** The synthetic label of part p, record r. */
export const label = (p: number, r: number) => (p + r) % 10;

/** A CIFAR-10 binary record file of the given records, with labels from `labelOf`. */
export function cifarBinaryBytes(p: number, records: number, labelOf = label): Buffer {
  const buf = Buffer.alloc(records * 3073);
  for (let r = 0; r < records; r++) {
    buf[r * 3073] = labelOf(p, r);
    for (let j = 0; j < 3072; j++) buf[r * 3073 + 1 + j] = pixel(p, r, j);
  }
  return buf;
}

/**
 * Writes a synthetic CIFAR-10 in the binary layout under root/cifar-10-batches-bin, `records` per part,
 * and records that count in nnlab-source.json (the loader expects 10000 otherwise).
 */
export function writeCifarBinary(root: string, records: number): string {
  const dir = join(root, 'cifar-10-batches-bin');
  mkdirSync(dir, { recursive: true });
  parts('cifar10').forEach((name, p) => writeFileSync(join(dir, `${name}.bin`), cifarBinaryBytes(p, records)));
  writeFileSync(
    join(dir, 'batches.meta.txt'),
    'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n',
  );
  writeFileSync(
    join(root, META_FILE),
    JSON.stringify({ source: 'cifar10', layout: 'binary', records_per_part: records }),
  );
  return root;
}

// --- A pickle writer in the style of Python 2's cPickle (protocol 2), which wrote the official
// python batches: py2 str as SHORT_BINSTRING/BINSTRING, numpy.core.multiarray._reconstruct, I00 for False.
class PickleWriter {
  private chunks: Buffer[] = [];
  private memo = 0;
  op(...bytes: number[]) {
    this.chunks.push(Buffer.from(bytes));
    return this;
  }
  raw(b: Buffer | string) {
    this.chunks.push(typeof b === 'string' ? Buffer.from(b, 'latin1') : b);
    return this;
  }
  put() {
    return this.op(0x71, this.memo++ & 255); // BINPUT
  }
  str(s: Buffer | string) {
    const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
    if (b.length < 256)
      this.op(0x55, b.length); // SHORT_BINSTRING
    else {
      const len = Buffer.alloc(4);
      len.writeUInt32LE(b.length);
      this.op(0x54).raw(len); // BINSTRING
    }
    return this.raw(b).put();
  }
  int(v: number) {
    if (v < 256) return this.op(0x4b, v); // BININT1
    if (v < 65536) return this.op(0x4d, v & 255, v >> 8); // BININT2
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    return this.op(0x4a).raw(b); // BININT
  }
  global(module: string, name: string) {
    return this.raw(`c${module}\n${name}\n`).put();
  }
  bytes() {
    return Buffer.concat(this.chunks);
  }
}

/** A python-layout CIFAR-10 batch as cPickle (py2, protocol 2) wrote it. */
export function py2Batch(data: Buffer, labels: number[], module = 'numpy.core.multiarray'): Buffer {
  const w = new PickleWriter();
  const n = labels.length;
  w.op(0x80, 2).op(0x7d).put().op(0x28); // PROTO 2, EMPTY_DICT, MARK
  w.str('data');
  w.global(module, '_reconstruct').global('numpy', 'ndarray').int(0).op(0x85).str('b').op(0x87).put().op(0x52).put(); // _reconstruct(ndarray, (0,), 'b')
  w.op(0x28).int(1).int(n).int(3072).op(0x86).put(); // (1, (n, 3072), …
  w.global('numpy', 'dtype').str('u1').int(0).int(1).op(0x87).put().op(0x52).put(); // dtype('u1', 0, 1)
  w.op(0x28)
    .int(3)
    .str('|')
    .op(0x4e, 0x4e, 0x4e)
    .op(0x4a, 0xff, 0xff, 0xff, 0xff)
    .op(0x4a, 0xff, 0xff, 0xff, 0xff)
    .int(0)
    .op(0x74)
    .put()
    .op(0x62); // BUILD dtype state
  w.raw('I00\n').str(data).op(0x74).put().op(0x62); // …, False, rawdata) BUILD
  w.str('labels').op(0x5d).put().op(0x28);
  for (const l of labels) w.int(l);
  w.op(0x65); // APPENDS
  w.str('batch_label').str('synthetic batch');
  w.op(0x75, 0x2e); // SETITEMS, STOP
  return w.bytes();
}

/** Writes a synthetic CIFAR-10 in the python layout under root/cifar-10-batches-py (same pixels and labels as writeCifarBinary). */
export function writeCifarPython(root: string, records: number): string {
  const dir = join(root, 'cifar-10-batches-py');
  mkdirSync(dir, { recursive: true });
  parts('cifar10').forEach((name, p) => {
    const data = Buffer.alloc(records * 3072);
    for (let r = 0; r < records; r++) for (let j = 0; j < 3072; j++) data[r * 3072 + j] = pixel(p, r, j);
    writeFileSync(
      join(dir, name),
      py2Batch(
        data,
        Array.from({ length: records }, (_, r) => label(p, r)),
      ),
    );
  });
  const w = new PickleWriter();
  w.op(0x80, 2).op(0x7d).put().op(0x28).str('label_names').op(0x5d).put().op(0x28);
  for (const c of ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']) w.str(c);
  w.op(0x65).str('num_cases_per_batch').int(records).op(0x75, 0x2e);
  writeFileSync(join(dir, 'batches.meta'), w.bytes());
  return root;
}

/** IDX images (magic 0x803) and labels (0x801) for n images of rows × cols; gzip when asked. */
export function idxBytes(n: number, rows: number, cols: number, seed = 0): { images: Buffer; labels: Buffer } {
  const images = Buffer.alloc(16 + n * rows * cols);
  images.writeUInt32BE(0x803, 0);
  images.writeUInt32BE(n, 4);
  images.writeUInt32BE(rows, 8);
  images.writeUInt32BE(cols, 12);
  for (let i = 0; i < n * rows * cols; i++) images[16 + i] = (seed + i * 13) & 255;
  const labels = Buffer.alloc(8 + n);
  labels.writeUInt32BE(0x801, 0);
  labels.writeUInt32BE(n, 4);
  for (let i = 0; i < n; i++) labels[8 + i] = (seed + i) % 10;
  return { images, labels };
}

export function writeIdx(
  dir: string,
  part: 'train' | 'test',
  n: number,
  opts: { gzip?: boolean; rows?: number; cols?: number } = {},
): { images: string; labels: string } {
  mkdirSync(dir, { recursive: true });
  const prefix = part === 'train' ? 'train' : 't10k';
  const { images, labels } = idxBytes(n, opts.rows ?? 28, opts.cols ?? 28, part === 'train' ? 0 : 5);
  const ext = opts.gzip ? '.gz' : '';
  const files = {
    images: join(dir, `${prefix}-images-idx3-ubyte${ext}`),
    labels: join(dir, `${prefix}-labels-idx1-ubyte${ext}`),
  };
  writeFileSync(files.images, opts.gzip ? gzipSync(images) : images);
  writeFileSync(files.labels, opts.gzip ? gzipSync(labels) : labels);
  return files;
}

/**
 * A tar.gz holding cifar-10-batches-bin/ with `records` per part (10000 gives the exact official
 * member sizes, 184 MB of synthetic data that gzip shrinks to a few MB).
 */
export async function cifarArchive(dir: string, records: number, name = 'cifar-synthetic.tar.gz'): Promise<string> {
  const src = join(dir, `src-${records}`);
  writeCifarBinary(src, records);
  const file = join(dir, name);
  await tarCreate({ gzip: { level: 1 }, cwd: src, file, portable: true }, ['cifar-10-batches-bin']);
  return file;
}
