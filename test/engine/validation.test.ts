// Bad arguments to the engine are TypeError/RangeError naming the argument and the value, thrown
// by the TypeScript door before any native work (never a crash).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeModel, evaluate, gradientCheck, train, type Dataset, type TrainOptions } from '../../src/engine/index.ts';
import { randomData } from './fixtures.ts';

const data = randomData(200, 20, 10);
const base: TrainOptions = {
  network: { sizes: [20, 16, 10], batchNorm: false, init: { kind: 'he' } },
  seed: 1,
  batchSize: 50,
  lambda: 0.01,
  totalSteps: 4,
  schedule: { kind: 'cyclic', etaMin: 1e-5, etaMax: 1e-1, stepSize: 2 },
  recordEvery: 2,
};
const withOpts = (patch: Partial<TrainOptions>) => ({ ...base, ...patch }) as TrainOptions;
const withNet = (patch: object) => withOpts({ network: { ...base.network, ...patch } });

const cases: [string, () => Promise<unknown>, ErrorConstructor, string][] = [
  ['x of the wrong length', () => train(base, { ...data, x: data.x.subarray(0, 100) }), TypeError, 'train.x must hold n·d = 200·20 = 4000 values; got 100'],
  ['x not a Float32Array', () => train(base, { ...data, x: Array.from(data.x) as unknown as Float32Array }), TypeError, 'train.x must be a Float32Array; got Array'],
  ['y of the wrong length', () => train(base, { ...data, y: data.y.subarray(0, 10) }), TypeError, 'train.y must hold n = 200 labels; got 10'],
  ['a label out of range', () => train(base, { ...data, y: Uint8Array.from(data.y, (v, i) => (i === 17 ? 12 : v)) }), RangeError, 'train.y[17] must be a class label in [0, 9]; got 12'],
  ['d other than the network input', () => train(withNet({ sizes: [30, 16, 10] }), data), RangeError, "train.d must equal the network's input size sizes[0] = 30; got 20"],
  ['a hidden size of 0', () => train(withNet({ sizes: [20, 0, 10] }), data), RangeError, 'options.network.sizes[1] must be an integer in [1, 16777216]; got 0'],
  ['a non-finite λ', () => train(withOpts({ lambda: Number.NaN }), data), RangeError, 'options.lambda must be a finite number in [0, 1000000]; got NaN'],
  ['a negative λ', () => train(withOpts({ lambda: -1 }), data), RangeError, 'options.lambda must be a finite number in [0, 1000000]; got -1'],
  ['λ as a string', () => train(withOpts({ lambda: '0.01' as unknown as number }), data), TypeError, 'options.lambda must be a number; got "0.01"'],
  ['η_min ≥ η_max', () => train(withOpts({ schedule: { kind: 'cyclic', etaMin: 0.1, etaMax: 0.01, stepSize: 2 } }), data), RangeError, 'options.schedule.etaMax must be greater than etaMin (0.1); got 0.01'],
  ['an unknown schedule', () => train(withOpts({ schedule: { kind: 'cosine' } as never }), data), RangeError, 'options.schedule.kind must be one of "constant", "step", "cyclic", "lr_range"; got "cosine"'],
  ['batch larger than the data', () => train(withOpts({ batchSize: 500 }), data), RangeError, 'options.batchSize must be at most the training size (200); got 500'],
  ['dropout of 1', () => train(withNet({ dropout: 1 }), data), RangeError, 'options.network.dropout must be a finite number in [0, 1); got 1'],
  ['flip on non-image data', () => train(withOpts({ augmentation: { flip: true } }), data), RangeError, 'options.augmentation: flip and translate need 32×32×3 images (d = 3072); got d = 20'],
  ['a fractional step count', () => train(withOpts({ totalSteps: 2.5 }), data), RangeError, 'options.totalSteps must be an integer in [1, 1099511627776]; got 2.5'],
  ['bad validation data', () => train(base, data, { ...data, n: 0 }), RangeError, 'validation.n must be an integer in [1, 2147483647]; got 0'],
  ['model bytes that are not a model', () => evaluate(new Uint8Array(64), data, { lambda: 0 }), TypeError, 'model file: not an NNLB model (bad magic)'],
  ['a truncated model', () => evaluate(model().subarray(0, 100), data, { lambda: 0 }), TypeError, 'model file: truncated at W1 (100 bytes)'],
  ['gradient check with h = 0', () => gradientCheck({ network: base.network, lambda: 0, seed: 1, h: 0 }, data), RangeError, 'options.h must be a finite number in (0, 1]; got 0'],
];

function model(): Uint8Array {
  return encodeModel({ sizes: [20, 10], batchNorm: false, loss: 'cross_entropy', bnAlpha: 0.9, precision: 'float32', tensors: { W1: new Float32Array(200), b1: new Float32Array(10) } });
}

for (const [what, call, type, message] of cases)
  test(`bad input: ${what}`, async () => {
    await assert.rejects(call(), (err: Error) => {
      assert.equal(err.constructor, type, `${err.constructor.name}: ${err.message}`);
      assert.equal(err.message, message);
      return true;
    });
  });

test('a model evaluates on data of its own input size only', async () => {
  const other: Dataset = randomData(10, 30, 10);
  await assert.rejects(evaluate(model(), other, { lambda: 0 }), { name: 'RangeError', message: "data.d must equal the network's input size sizes[0] = 20; got 30" });
  const m = await evaluate(model(), data, { lambda: 0 });
  assert.ok(Math.abs(m.loss - Math.log(10)) < 1e-6, `all-zero weights give loss ln 10; got ${m.loss}`);
});
