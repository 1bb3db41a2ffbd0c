// The first layer on pixels (native/amx.h): float32 training given the uint8 pixels and the map
// x = scale·p + shift takes the first layer's products with AMX tiles where the CPU has them. It
// must compute the same function as the float kernels (to float32 rounding), be deterministic,
// and fall back where it cannot apply (augmentation, float64, a CPU without AMX).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blas, evaluate, train, type Split, type TrainOptions } from '../../src/engine/index.ts';
import { pixelMap, preprocess, standardizeStats } from '../../src/data/index.ts';
import { firstLayerKernel } from './fixtures.ts';
import { rawPixels } from './synthetic.js';

// The level this process runs (NNLAB_KERNELS, NNLAB_AMX=off, or the best the CPU supports):
// test/engine/levels.test.ts runs this file again at every level the host supports.
const kernels = blas().kernels;
const hasAmx = kernels.level === 'amx';
const vectorKernel = firstLayerKernel(kernels.level);
const noAmx = hasAmx
  ? false
  : `the kernel level is ${kernels.level}, not amx (${kernels.levels.find((l) => l.name === 'amx')?.lacks || 'NNLAB_KERNELS or NNLAB_AMX=off'}): the vector kernels run`;

/** The splits with pixels, and the same splits as floats only; the first `constant` dimensions are 0 in training. */
function splits(d: number, seed = 1, constant = 0): { pixels: Split[]; floats: Split[] } {
  const tr = rawPixels(600, d, 5, seed);
  const va = rawPixels(200, d, 5, seed + 1);
  for (let i = 0; i < tr.n; i++) tr.x.fill(0, i * d, i * d + constant);
  const spec = { kind: 'standardize', stats: standardizeStats(tr) } as const;
  const map = pixelMap(spec, d);
  const floats = [tr, va].map((s) => ({ x: preprocess(s, spec), y: s.y, n: s.n, d: s.d }));
  const pixels = floats.map((f, i) => ({ ...f, pixels: [tr, va][i].x, ...map }));
  return { pixels, floats };
}

function options(d: number, over: Partial<TrainOptions> = {}): TrainOptions {
  return {
    network: { sizes: [d, 20, 5], batchNorm: true, init: { kind: 'he' } },
    seed: 3,
    batchSize: 37,
    lambda: 0.01,
    totalSteps: 6,
    schedule: { kind: 'constant', eta: 0.05 },
    recordEvery: 1,
    threads: 1,
    ...over,
  };
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);

for (const [what, d, over] of [
  ['BN, 20 units, batch 37, D = 3072', 3072, {}],
  ['BN, momentum 0.9 (W1 updated by sgd_step, not within backward)', 3072, { momentum: 0.9 }],
  ['no BN (a bias), D = 100 (not a multiple of 32), 2 threads', 100, { threads: 2 }],
  [
    '70 units (a narrow last tile of 6), batch 100, 2 threads',
    3072,
    { threads: 2, batchSize: 100, network: { sizes: [3072, 70, 5], batchNorm: true, init: { kind: 'he' } } },
  ],
] as const) {
  test(`pixels and floats train the same network to float32 rounding: ${what}`, { skip: noAmx }, async () => {
    const o = options(d, {
      ...over,
      ...(d === 100 ? { network: { sizes: [100, 20, 5], batchNorm: false, init: { kind: 'he' } } } : {}),
    } as Partial<TrainOptions>);
    const { pixels, floats } = splits(d);
    const a = await train(o, pixels[0], pixels[1]);
    const b = await train(o, floats[0], floats[1]);
    assert.equal(a.kernel, 'amx-bf16x3');
    assert.equal(b.kernel, vectorKernel);
    assert.notEqual(a.fingerprint, b.fingerprint, 'another summation order gives other last bits');
    // Step 0 is the forward pass alone; later points carry the gradients of the steps before.
    for (let i = 0; i < a.curves.length; i++) {
      for (const split of ['train', 'validation'] as const) {
        const [x, y] = [a.curves[i][split]!.loss, b.curves[i][split]!.loss];
        assert.ok(rel(x, y) < 2e-5, `step ${a.curves[i].step} ${split} loss ${x} vs ${y}`);
      }
    }
  });
}

test(
  'pixels and floats agree where a dimension is constant over the training images (a frame corner)',
  { skip: noAmx },
  async () => {
    // Dimensions 0 … 40 are 0 in every training image but not in the validation images, as the
    // frame of a Fashion-MNIST subsample: standardization maps them to 0 in both splits. Dividing by
    // the floor of the standard deviation instead left the network at chance on AMX tiles.
    const d = 784;
    const { pixels, floats } = splits(d, 5, 41);
    const o = options(d, { totalSteps: 30, recordEvery: 10, schedule: { kind: 'constant', eta: 0.1 } });
    const a = await train(o, pixels[0], pixels[1]);
    const b = await train(o, floats[0], floats[1]);
    assert.equal(a.kernel, 'amx-bf16x3');
    for (let i = 0; i < a.curves.length; i++) {
      const [x, y] = [a.curves[i].validation!.loss, b.curves[i].validation!.loss];
      assert.ok(rel(x, y) < 2e-5, `step ${a.curves[i].step} validation loss ${x} vs ${y}`);
    }
    assert.ok(a.final.validation!.accuracy > 0.5, `validation accuracy ${a.final.validation!.accuracy}`);
  },
);

test(
  'the pixel path is deterministic and evaluate() on pixels repeats training’s own final metrics',
  { skip: noAmx },
  async () => {
    const { pixels } = splits(3072);
    for (const threads of [1, 2]) {
      const o = options(3072, { threads, totalSteps: 30, recordEvery: 10 });
      const [a, b] = [await train(o, pixels[0], pixels[1]), await train(o, pixels[0], pixels[1])];
      assert.equal(a.fingerprint, b.fingerprint, `${threads} thread(s)`);
      assert.deepEqual(a.curves, b.curves);
      const m = await evaluate(a.model, pixels[1], { lambda: 0.01, threads });
      assert.deepEqual(m, a.final.validation);
    }
  },
);

test('the float kernels run where the pixel path cannot apply: augmentation, float64, no pixels', async () => {
  const { pixels, floats } = splits(100);
  const o = options(100);
  assert.equal((await train({ ...o, augmentation: { noise: 0.1 } }, pixels[0], pixels[1])).kernel, vectorKernel);
  assert.equal((await train({ ...o, precision: 'float64' }, pixels[0], pixels[1])).kernel, vectorKernel);
  assert.equal((await train(o, floats[0], floats[1])).kernel, vectorKernel);
  // Pixels whose validation split has another map are not used either.
  const otherMap = { ...pixels[1], shift: new Float32Array(100).fill(1) };
  assert.equal((await train(o, pixels[0], otherMap)).kernel, vectorKernel);
  assert.equal((await train(o, pixels[0], pixels[1])).kernel, hasAmx ? 'amx-bf16x3' : vectorKernel);
});

test('pixels of the wrong size or type, or without their map, are refused by name', async () => {
  const { pixels } = splits(100);
  const o = options(100);
  await assert.rejects(train(o, { ...pixels[0], pixels: pixels[0].pixels!.subarray(1) }), {
    message: 'train.pixels must hold n·d = 60000 values; got 59999',
  });
  await assert.rejects(train(o, { ...pixels[0], scale: undefined }), {
    message: /^train\.scale must be a Float32Array \(pixels, scale and shift come together\); got undefined/,
  });
  await assert.rejects(train(o, { ...pixels[0], shift: new Float64Array(100) as unknown as Float32Array }), {
    message: /^train\.shift must be a Float32Array/,
  });
});
