// Standardization against a slow two-pass reference, tensor by tensor, and scaling to [0, 1].
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pixelMap, preprocess, standardizeStats, STD_FLOOR, type RawSplit } from '../../src/data/index.ts';

function randomSplit(n: number, d: number, seed: number): RawSplit {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0), s >>> 24);
  const x = new Uint8Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = next();
  for (let i = 0; i < n; i++) x[i * d + 1] = 77; // a constant dimension
  const y = new Uint8Array(n).map((_, i) => i % 10);
  return { x, y, n, d, classes: [...'0123456789'], fingerprint: 'test', files: [] };
}

/** The obvious formula: two passes, float64, population variance. */
function reference(split: RawSplit): { mean: Float64Array; std: Float64Array } {
  const { x, n, d } = split;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += x[i * d + j];
    mean[j] = s / n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (x[i * d + j] - mean[j]) ** 2;
    std[j] = Math.max(Math.sqrt(v / n), STD_FLOOR);
  }
  return { mean, std };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

// 16387 rows cross the int32 block boundary (16384) with a tail that is not a multiple of 4.
for (const [n, d] of [
  [7, 5],
  [16387, 13],
  [40, 3072],
] as const) {
  test(`standardizeStats matches the two-pass reference (${n} × ${d})`, () => {
    const split = randomSplit(n, d, n * 31 + d);
    const s = standardizeStats(split);
    const r = reference(split);
    const dm = maxDiff(s.mean, r.mean);
    const ds = maxDiff(s.std, r.std);
    console.log(`${n}×${d}: largest difference mean ${dm.toExponential(2)}, std ${ds.toExponential(2)}`);
    assert.ok(dm < 1e-4, `mean differs by ${dm}`);
    assert.ok(ds < 1e-4, `std differs by ${ds}`);
    assert.equal(s.std[1], Math.fround(STD_FLOOR), 'a constant dimension gets the floor');
  });
}

test('a dimension constant over the training images maps to 0 in every split, pixels and floats', () => {
  const train: RawSplit = {
    x: Uint8Array.from([0, 10, 0, 20, 0, 30]),
    y: new Uint8Array(3),
    n: 3,
    d: 2,
    classes: [],
    fingerprint: '',
    files: [],
  };
  const test: RawSplit = { ...train, x: Uint8Array.from([255, 10, 7, 30]), n: 2 };
  const stats = standardizeStats(train);
  assert.deepEqual(
    [...preprocess(test, { kind: 'standardize', stats })].map((v, i) => (i % 2 ? 'x' : v)),
    [0, 'x', 0, 'x'],
  );
  const map = pixelMap({ kind: 'standardize', stats }, 2);
  assert.deepEqual([map.scale[0], map.shift[0]], [0, 0]);
  assert.ok(map.scale[1] > 0);
});

test('standardized training data has mean 0 and std 1 per dimension; constant dimensions become 0', () => {
  const split = randomSplit(500, 64, 3);
  const stats = standardizeStats(split);
  const z = preprocess(split, { kind: 'standardize', stats });
  assert.equal(z.length, 500 * 64);
  for (let j = 0; j < 64; j++) {
    let s = 0;
    let q = 0;
    for (let i = 0; i < 500; i++) {
      const v = z[i * 64 + j];
      assert.ok(Number.isFinite(v));
      s += v;
      q += v * v;
    }
    const mean = s / 500;
    const sd = Math.sqrt(q / 500 - mean * mean);
    assert.ok(Math.abs(mean) < 1e-5, `dimension ${j}: mean ${mean}`);
    if (j === 1) assert.equal(q, 0, 'constant dimension is all zeros');
    else assert.ok(Math.abs(sd - 1) < 1e-4, `dimension ${j}: std ${sd}`);
  }
});

test('validation data is standardized with the training statistics, not its own', () => {
  const train = randomSplit(100, 4, 1);
  const val = randomSplit(10, 4, 2);
  const stats = standardizeStats(train);
  const z = preprocess(val, { kind: 'standardize', stats });
  for (let i = 0; i < 10; i++)
    for (let j = 0; j < 4; j++)
      assert.ok(Math.abs(z[i * 4 + j] - (val.x[i * 4 + j] - stats.mean[j]) / stats.std[j]) < 1e-5);
});

test('scale maps 0…255 to [0, 1]; a reused output buffer is filled in place', () => {
  const split: RawSplit = {
    x: Uint8Array.from([0, 51, 255, 128]),
    y: Uint8Array.from([0, 1]),
    n: 2,
    d: 2,
    classes: [...'0123456789'],
    fingerprint: '',
    files: [],
  };
  const out = new Float32Array(4);
  assert.equal(preprocess(split, { kind: 'scale' }, out), out);
  assert.deepEqual([...out], [0, Math.fround(0.2), 1, Math.fround(128 / 255)]);
  assert.throws(() => preprocess(split, { kind: 'scale' }, new Float32Array(3)), {
    name: 'DataError',
    message: 'preprocess: output holds 3 floats; the split needs 4',
  });
});

test('statistics of another dimension are refused', () => {
  const split = randomSplit(3, 4, 1);
  const stats = standardizeStats(randomSplit(3, 5, 1));
  assert.throws(() => preprocess(split, { kind: 'standardize', stats }), {
    name: 'DataError',
    message: 'preprocess: statistics have 5 dimensions; the split has 4',
  });
});
