// The raw form of a dataset split (uint8 pixels, uint8 labels) and the cheap operations on it:
// slicing (views, no copy) and concatenation. Pre-processing into floats is preprocess.ts's job.
import { createHash } from 'node:crypto';

export interface RawSplit {
  /** Pixels, n × d, row-major, one image a row (CIFAR-10: 1024 R, 1024 G, 1024 B). */
  x: Uint8Array;
  /** Labels, n, in 0 … classes.length − 1. */
  y: Uint8Array;
  n: number;
  d: number;
  classes: string[];
  /** sha256 hex of the bytes read, in order (for a slice or a concatenation: derived from its parents'). */
  fingerprint: string;
  /** Files read, absolute paths, in order. */
  files: string[];
}

function derive(parts: string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}

/** Images start … end − 1 (clamped like Array.prototype.slice; negative counts from the end). Views, not copies. */
export function sliceSplit(split: RawSplit, start: number, end: number = split.n): RawSplit {
  const norm = (i: number) => Math.min(split.n, Math.max(0, i < 0 ? split.n + i : Math.trunc(i)));
  const a = norm(start);
  const b = Math.max(a, norm(end));
  if (a === 0 && b === split.n) return split;
  return {
    x: split.x.subarray(a * split.d, b * split.d),
    y: split.y.subarray(a, b),
    n: b - a,
    d: split.d,
    classes: split.classes,
    fingerprint: derive([split.fingerprint, `slice ${a} ${b}`]),
    files: split.files,
  };
}

/** The first `count` images. */
export function take(split: RawSplit, count: number): RawSplit {
  return sliceSplit(split, 0, count);
}

/** Splits one after another (same d and classes). */
export function concatSplits(splits: RawSplit[]): RawSplit {
  if (splits.length === 0) throw new Error('concatSplits: no splits');
  if (splits.length === 1) return splits[0];
  const { d, classes } = splits[0];
  for (const s of splits) {
    if (s.d !== d) throw new Error(`concatSplits: dimension ${s.d} differs from ${d}`);
    if (s.classes.length !== classes.length) throw new Error('concatSplits: class lists differ');
  }
  const n = splits.reduce((a, s) => a + s.n, 0);
  const x = new Uint8Array(n * d);
  const y = new Uint8Array(n);
  let at = 0;
  for (const s of splits) {
    x.set(s.x, at * d);
    y.set(s.y, at);
    at += s.n;
  }
  return {
    x,
    y,
    n,
    d,
    classes,
    fingerprint: derive(splits.map((s) => s.fingerprint)),
    files: splits.flatMap((s) => s.files),
  };
}
