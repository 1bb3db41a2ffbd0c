// Reads the NNLB model file that native/model_format.cpp writes (the layout is documented there):
// header, then W_l, b_l | gamma_l, beta_l, mean_l, var_l per layer, in the model's precision.
import { EngineError } from '../errors.ts';
import type { Model } from './types.ts';

/** The file's tensors in order, with their element counts: W_l, then b_l or gamma/beta/mean/var_l. */
function tensorLayout(sizes: number[], batchNorm: boolean): { name: string; count: number }[] {
  const L = sizes.length - 1;
  const out: { name: string; count: number }[] = [];
  for (let l = 1; l <= L; l++) {
    const H = sizes[l];
    out.push({ name: `W${l}`, count: H * sizes[l - 1] });
    for (const t of batchNorm && l < L ? ['gamma', 'beta', 'mean', 'var'] : ['b'])
      out.push({ name: `${t}${l}`, count: H });
  }
  return out;
}

export function readModel(bytes: Uint8Array): Model {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (why: string) => {
    throw new EngineError(`model file: ${why}`, 'BAD_MODEL');
  };
  if (bytes.length < 20 || String.fromCharCode(...bytes.subarray(0, 4)) !== 'NNLB')
    fail('not an NNLB model (bad magic)');
  const version = view.getUint32(4, true);
  if (version !== 1) fail(`unsupported NNLB version ${version}`);
  const width = view.getUint32(8, true);
  if (width !== 4 && width !== 8) fail(`bad precision ${width}`);
  const flags = view.getUint32(12, true);
  const L = view.getUint32(16, true);
  if (L < 1 || bytes.length < 20 + 4 * (L + 1) + 8) fail('truncated header');
  const sizes = Array.from({ length: L + 1 }, (_, i) => view.getUint32(20 + 4 * i, true));
  // The same bound as native/model_format.cpp, so such a file is refused here, as a TypeError.
  const badSize = sizes.find((s) => s === 0 || s > 1 << 24);
  if (badSize !== undefined) fail(`bad layer size ${badSize}`);
  let off = 20 + 4 * (L + 1);
  const bnAlpha = view.getFloat64(off, true);
  off += 8;
  const batchNorm = (flags & 1) === 1;
  const tensors: Model['tensors'] = {};
  const take = (name: string, count: number) => {
    if (off + count * width > bytes.length) fail(`truncated at ${name} (${bytes.length} bytes)`);
    // A copy into a fresh, aligned buffer (bytes may be a Buffer: a view into a larger pool).
    const copy = new Uint8Array(count * width);
    copy.set(bytes.subarray(off, off + count * width));
    tensors[name] = width === 4 ? new Float32Array(copy.buffer) : new Float64Array(copy.buffer);
    off += count * width;
  };
  for (const { name, count } of tensorLayout(sizes, batchNorm)) take(name, count);
  if (off !== bytes.length) fail(`${bytes.length - off} bytes after the last tensor`);
  return {
    sizes,
    batchNorm,
    loss: flags & 2 ? 'svm' : 'cross_entropy',
    bnAlpha,
    precision: width === 4 ? 'float32' : 'float64',
    tensors,
  };
}

/** The NNLB bytes of a model: the inverse of readModel (for tests and tools; training writes its own). */
export function encodeModel(m: Model): Uint8Array {
  const L = m.sizes.length - 1;
  const width = m.precision === 'float64' ? 8 : 4;
  const order = tensorLayout(m.sizes, m.batchNorm).map((t) => t.name);
  const values = order.reduce((n, name) => n + (m.tensors[name]?.length ?? 0), 0);
  const out = new Uint8Array(20 + 4 * (L + 1) + 8 + values * width);
  const view = new DataView(out.buffer);
  out.set([0x4e, 0x4e, 0x4c, 0x42]); // "NNLB"
  view.setUint32(4, 1, true);
  view.setUint32(8, width, true);
  view.setUint32(12, (m.batchNorm ? 1 : 0) | (m.loss === 'svm' ? 2 : 0), true);
  view.setUint32(16, L, true);
  m.sizes.forEach((s, i) => view.setUint32(20 + 4 * i, s, true));
  let off = 20 + 4 * (L + 1);
  view.setFloat64(off, m.bnAlpha, true);
  off += 8;
  for (const name of order) {
    const t = m.tensors[name];
    if (!t) throw new RangeError(`encodeModel: tensor ${name} is missing`);
    for (const v of t) {
      if (width === 4) view.setFloat32(off, v, true);
      else view.setFloat64(off, v, true);
      off += width;
    }
  }
  return out;
}
