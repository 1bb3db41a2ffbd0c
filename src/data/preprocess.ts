// Turns raw uint8 pixels into the engine's float inputs: per-dimension standardization with
// statistics of the training split only (the assignments' recipe), or plain scaling to [0, 1].
import { DataError } from '../errors.ts';
import type { RawSplit } from './split.ts';

export interface Stats {
  /** Per-dimension mean of the training split, d values. */
  mean: Float32Array;
  /** Per-dimension (population, ÷n) standard deviation, floored at STD_FLOOR. */
  std: Float32Array;
}

/** The standard deviation of a dimension constant over the training images (0), floored: it maps to 0 (standardizeMap). */
export const STD_FLOOR = 1e-8;

/** Rows per block of int32 partial sums: 16384 · 255² < 2³¹, so neither Σx nor Σx² can overflow. */
const BLOCK = 16384;

/**
 * Mean and standard deviation of every dimension over the training images, in one pass. Pixels are
 * integers ≤ 255, so Σx and Σx² are accumulated exactly: in int32 over blocks of rows (four rows an
 * iteration, which halves the time over one), then in Float64; var = Σx²/n − mean² is then exact up
 * to the final rounding. Population variance (÷n), as numpy's std.
 */
export function standardizeStats(train: RawSplit): Stats {
  const { x, n, d } = train;
  if (n === 0) throw new DataError('standardizeStats: the training split is empty');
  const sum = new Float64Array(d);
  const sumSq = new Float64Array(d);
  const s32 = new Int32Array(d);
  const q32 = new Int32Array(d);
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let i = b;
    for (; i + 3 < e; i += 4) {
      const r0 = x.subarray(i * d, (i + 1) * d);
      const r1 = x.subarray((i + 1) * d, (i + 2) * d);
      const r2 = x.subarray((i + 2) * d, (i + 3) * d);
      const r3 = x.subarray((i + 3) * d, (i + 4) * d);
      for (let j = 0; j < d; j++) {
        const v0 = r0[j],
          v1 = r1[j],
          v2 = r2[j],
          v3 = r3[j];
        s32[j] += v0 + v1 + v2 + v3;
        q32[j] += v0 * v0 + v1 * v1 + v2 * v2 + v3 * v3;
      }
    }
    for (; i < e; i++) {
      const r = x.subarray(i * d, (i + 1) * d);
      for (let j = 0; j < d; j++) {
        const v = r[j];
        s32[j] += v;
        q32[j] += v * v;
      }
    }
    for (let j = 0; j < d; j++) {
      sum[j] += s32[j];
      sumSq[j] += q32[j];
      s32[j] = 0;
      q32[j] = 0;
    }
  }
  const mean = new Float32Array(d);
  const std = new Float32Array(d);
  for (let j = 0; j < d; j++) {
    const m = sum[j] / n;
    mean[j] = m;
    std[j] = Math.max(Math.sqrt(Math.max(0, sumSq[j] / n - m * m)), STD_FLOOR);
  }
  return { mean, std };
}

export type Preprocessing = { kind: 'standardize'; stats: Stats } | { kind: 'scale' };

/**
 * The map preprocess applies, x = scale·p + shift per dimension, rounded to float32: what the
 * engine needs to take the first layer's products on the pixels themselves (native/amx.h).
 */
export function pixelMap(how: Preprocessing, d: number): { scale: Float32Array; shift: Float32Array } {
  if (how.kind === 'scale') return { scale: new Float32Array(d).fill(1 / 255), shift: new Float32Array(d) };
  const { a, c } = standardizeMap(how.stats);
  return { scale: Float32Array.from(a), shift: Float32Array.from(c) };
}

/**
 * Standardization's (x − m)/s as a·x + c: a = 1/s, c = −m/s per dimension, in float64. A dimension
 * constant over the training images (s at STD_FLOOR: a corner of Fashion-MNIST's or MNIST's frame,
 * always 0 in a small subsample) carries no information and maps to 0 in every split: a = c = 0.
 * Dividing by the floor instead made a validation or test pixel that differs from the constant 10⁸
 * times its size, and on AMX tiles (native/amx.h, the products taken on the pixels with W·a and
 * W·(c + 128a) apart) the two 10⁸-sized sums cancel only to noise that swamps the activations:
 * such a network stayed at chance.
 */
function standardizeMap({ mean, std }: Stats): { a: Float64Array; c: Float64Array } {
  const a = new Float64Array(mean.length);
  const c = new Float64Array(mean.length);
  for (let j = 0; j < mean.length; j++) {
    if (std[j] <= STD_FLOOR) continue;
    a[j] = 1 / std[j];
    c[j] = -mean[j] / std[j];
  }
  return { a, c };
}

/**
 * Floats for the engine, n × d row-major: (x − mean) / std per dimension, or x / 255. `out` (n·d
 * floats) is reused when given: for CIFAR-10 the allocation of the output costs as much as the loop.
 */
export function preprocess(split: RawSplit, how: Preprocessing, out?: Float32Array): Float32Array {
  const { x, n, d } = split;
  if (out && out.length !== n * d)
    throw new DataError(`preprocess: output holds ${out.length} floats; the split needs ${n * d}`);
  out ??= new Float32Array(n * d);
  if (how.kind === 'scale') {
    for (let i = 0; i < out.length; i++) out[i] = x[i] / 255;
    return out;
  }
  const { mean, std } = how.stats;
  if (mean.length !== d || std.length !== d)
    throw new DataError(`preprocess: statistics have ${mean.length} dimensions; the split has ${d}`);
  // (x − m)/s written as a·x + c (float64; one rounding to float32 at the end), four rows an
  // iteration so a and c are loaded once for four images.
  const { a, c } = standardizeMap(how.stats);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const r0 = x.subarray(i * d, (i + 1) * d);
    const r1 = x.subarray((i + 1) * d, (i + 2) * d);
    const r2 = x.subarray((i + 2) * d, (i + 3) * d);
    const r3 = x.subarray((i + 3) * d, (i + 4) * d);
    const o0 = out.subarray(i * d, (i + 1) * d);
    const o1 = out.subarray((i + 1) * d, (i + 2) * d);
    const o2 = out.subarray((i + 2) * d, (i + 3) * d);
    const o3 = out.subarray((i + 3) * d, (i + 4) * d);
    for (let j = 0; j < d; j++) {
      const aj = a[j];
      const cj = c[j];
      o0[j] = r0[j] * aj + cj;
      o1[j] = r1[j] * aj + cj;
      o2[j] = r2[j] * aj + cj;
      o3[j] = r3[j] * aj + cj;
    }
  }
  for (; i < n; i++) {
    const r = x.subarray(i * d, (i + 1) * d);
    const o = out.subarray(i * d, (i + 1) * d);
    for (let j = 0; j < d; j++) o[j] = r[j] * a[j] + c[j];
  }
  return out;
}
