// Bad arguments to the engine are TypeError/RangeError naming the argument and the value (texts of
// src/engine/validate.ts, by their exact wording), thrown by the TypeScript door before any call
// into the addon: spies on the addon's functions count the calls that reach native code.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  compareWithReference,
  encodeModel,
  evaluate,
  gradientCheck,
  train,
  type Split,
  type TrainOptions,
} from '../../src/engine/index.ts';
import { native } from '../../src/engine/native.ts';
import { randomData } from './fixtures.ts';

const data = randomData(200, 20, 10);
const images = randomData(60, 3072, 10);
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
const check = { network: base.network, lambda: 0.01, seed: 1 };

/** A valid model of a one-layer network [20, 10] with all-zero parameters. */
function model(): Uint8Array {
  return encodeModel({
    sizes: [20, 10],
    batchNorm: false,
    loss: 'cross_entropy',
    bnAlpha: 0.9,
    precision: 'float32',
    tensors: { W1: new Float32Array(200), b1: new Float32Array(10) },
  });
}
/** Consistent bytes (every tensor of the length its sizes give) of a model [20, 0, 10]. */
function hollowModel(): Uint8Array {
  const tensors = {
    W1: new Float32Array(0),
    b1: new Float32Array(0),
    W2: new Float32Array(0),
    b2: new Float32Array(10),
  };
  return encodeModel({
    sizes: [20, 0, 10],
    batchNorm: false,
    loss: 'cross_entropy',
    bnAlpha: 0.9,
    precision: 'float32',
    tensors,
  });
}
/** Model bytes with one uint32 of the header replaced. */
function patched(offset: number, value: number): Uint8Array {
  const bytes = model();
  new DataView(bytes.buffer).setUint32(offset, value, true);
  return bytes;
}

const cases: [string, () => Promise<unknown>, ErrorConstructor, string][] = [
  // train: the data
  [
    'x of the wrong length',
    () => train(base, { ...data, x: data.x.subarray(0, 100) }),
    TypeError,
    'train.x must hold n·d = 200·20 = 4000 values; got 100',
  ],
  [
    'x not a Float32Array',
    () => train(base, { ...data, x: Array.from(data.x) as unknown as Float32Array }),
    TypeError,
    'train.x must be a Float32Array; got Array',
  ],
  [
    'x a Float64Array',
    () => train(base, { ...data, x: Float64Array.from(data.x) as unknown as Float32Array }),
    TypeError,
    'train.x must be a Float32Array; got Float64Array',
  ],
  [
    'y of the wrong length',
    () => train(base, { ...data, y: data.y.subarray(0, 10) }),
    TypeError,
    'train.y must hold n = 200 labels; got 10',
  ],
  [
    'y not a Uint8Array',
    () => train(base, { ...data, y: Array.from(data.y) as unknown as Uint8Array }),
    TypeError,
    'train.y must be a Uint8Array; got Array',
  ],
  [
    'a label out of range',
    () => train(base, { ...data, y: Uint8Array.from(data.y, (v, i) => (i === 17 ? 12 : v)) }),
    RangeError,
    'train.y[17] must be a class label in [0, 9]; got 12',
  ],
  [
    'd other than the network input',
    () => train(withNet({ sizes: [30, 16, 10] }), data),
    RangeError,
    "train.d must equal the network's input size sizes[0] = 30; got 20",
  ],
  [
    'bad validation data',
    () => train(base, data, { ...data, n: 0 }),
    RangeError,
    'validation.n must be an integer in [1, 2147483647]; got 0',
  ],
  [
    'a validation label out of range',
    () => train(base, data, { ...data, y: new Uint8Array(200).fill(10) }),
    RangeError,
    'validation.y[0] must be a class label in [0, 9]; got 10',
  ],
  [
    'no data at all',
    () => train(base, undefined as unknown as Split),
    TypeError,
    'train must be a split { x, y, n, d }; got undefined',
  ],
  // train: the network
  [
    'a hidden size of 0',
    () => train(withNet({ sizes: [20, 0, 10] }), data),
    RangeError,
    'options.network.sizes[1] must be an integer in [1, 16777216]; got 0',
  ],
  [
    'one class',
    () => train(withNet({ sizes: [20, 16, 1] }), data),
    RangeError,
    'options.network.sizes[2] must be an integer in [2, 256]; got 1',
  ],
  [
    'sizes of one entry',
    () => train(withNet({ sizes: [20] }), data),
    TypeError,
    'options.network.sizes must be an array [D, H1 … C] of at least 2 sizes; got [20]',
  ],
  [
    'batchNorm not a boolean',
    () => train(withNet({ batchNorm: 'yes' }), data),
    TypeError,
    'options.network.batchNorm must be a boolean; got "yes"',
  ],
  [
    'an unknown init',
    () => train(withNet({ init: { kind: 'glorot' } }), data),
    RangeError,
    'options.network.init.kind must be one of "normal", "fan_in", "he", "xavier"; got "glorot"',
  ],
  [
    'normal init with σ 0',
    () => train(withNet({ init: { kind: 'normal', sigma: 0 } }), data),
    RangeError,
    'options.network.init.sigma must be a finite number in (0, 10]; got 0',
  ],
  [
    'dropout of 1',
    () => train(withNet({ dropout: 1 }), data),
    RangeError,
    'options.network.dropout must be a finite number in [0, 1); got 1',
  ],
  [
    'an unknown loss',
    () => train(withNet({ loss: 'hinge' }), data),
    RangeError,
    'options.network.loss must be one of "cross_entropy", "svm"; got "hinge"',
  ],
  // train: the options
  [
    'a non-finite λ',
    () => train(withOpts({ lambda: Number.NaN }), data),
    RangeError,
    'options.lambda must be a finite number in [0, 1000000]; got NaN',
  ],
  [
    'a negative λ',
    () => train(withOpts({ lambda: -1 }), data),
    RangeError,
    'options.lambda must be a finite number in [0, 1000000]; got -1',
  ],
  [
    'λ as a string',
    () => train(withOpts({ lambda: '0.01' as unknown as number }), data),
    TypeError,
    'options.lambda must be a number; got "0.01"',
  ],
  [
    'η_min ≥ η_max',
    () => train(withOpts({ schedule: { kind: 'cyclic', etaMin: 0.1, etaMax: 0.01, stepSize: 2 } }), data),
    RangeError,
    'options.schedule.etaMax must be greater than etaMin (0.1); got 0.01',
  ],
  [
    'η_min = η_max',
    () => train(withOpts({ schedule: { kind: 'lr_range', etaMin: 0.1, etaMax: 0.1 } }), data),
    RangeError,
    'options.schedule.etaMax must be greater than etaMin (0.1); got 0.1',
  ],
  [
    'an exponential LR range from 0',
    () => train(withOpts({ schedule: { kind: 'lr_range', etaMin: 0, etaMax: 0.1, curve: 'exponential' } }), data),
    RangeError,
    'options.schedule.etaMin must be > 0 for an exponential LR range test; got 0',
  ],
  [
    'exp_range without γ',
    () =>
      train(
        withOpts({ schedule: { kind: 'cyclic', etaMin: 1e-5, etaMax: 0.1, stepSize: 2, policy: 'exp_range' } }),
        data,
      ),
    TypeError,
    'options.schedule.gamma must be a number; got undefined',
  ],
  [
    'a step size of 0',
    () => train(withOpts({ schedule: { kind: 'cyclic', etaMin: 1e-5, etaMax: 0.1, stepSize: 0 } }), data),
    RangeError,
    'options.schedule.stepSize must be an integer in [1, 1099511627776]; got 0',
  ],
  [
    'an unknown schedule',
    () => train(withOpts({ schedule: { kind: 'cosine' } as never }), data),
    RangeError,
    'options.schedule.kind must be one of "constant", "step", "cyclic", "lr_range"; got "cosine"',
  ],
  [
    'a constant η of 0',
    () => train(withOpts({ schedule: { kind: 'constant', eta: 0 } }), data),
    RangeError,
    'options.schedule.eta must be a finite number in (0, 100]; got 0',
  ],
  [
    'batch larger than the data',
    () => train(withOpts({ batchSize: 500 }), data),
    RangeError,
    'options.batchSize must be at most the training size (200); got 500',
  ],
  [
    'a batch of 0',
    () => train(withOpts({ batchSize: 0 }), data),
    RangeError,
    'options.batchSize must be an integer in [1, 2147483647]; got 0',
  ],
  [
    'momentum of 1',
    () => train(withOpts({ momentum: 1 }), data),
    RangeError,
    'options.momentum must be a finite number in [0, 1); got 1',
  ],
  [
    'an unknown precision',
    () => train(withOpts({ precision: 'float16' as never }), data),
    RangeError,
    'options.precision must be one of "float32", "float64"; got "float16"',
  ],
  [
    'a fractional step count',
    () => train(withOpts({ totalSteps: 2.5 }), data),
    RangeError,
    'options.totalSteps must be an integer in [1, 1099511627776]; got 2.5',
  ],
  [
    'a negative seed',
    () => train(withOpts({ seed: -1 }), data),
    RangeError,
    'options.seed must be an integer in [0, 9007199254740991]; got -1',
  ],
  [
    'threads 0',
    () => train(withOpts({ threads: 0 }), data),
    RangeError,
    'options.threads must be an integer in [1, 256]; got 0',
  ],
  [
    'flip on non-image data',
    () => train(withOpts({ augmentation: { flip: true } }), data),
    RangeError,
    'options.augmentation: flip and translate need 32×32×3 images (d = 3072); got d = 20',
  ],
  [
    'translate on non-image data',
    () => train(withOpts({ augmentation: { translate: 2 } }), data),
    RangeError,
    'options.augmentation: flip and translate need 32×32×3 images (d = 3072); got d = 20',
  ],
  [
    'a translation of 17 pixels',
    () =>
      train(withOpts({ network: { ...base.network, sizes: [3072, 16, 10] }, augmentation: { translate: 17 } }), images),
    RangeError,
    'options.augmentation.translate must be an integer in [0, 16]; got 17',
  ],
  [
    'negative noise',
    () => train(withOpts({ augmentation: { noise: -0.1 } }), data),
    RangeError,
    'options.augmentation.noise must be a finite number in [0, 100]; got -0.1',
  ],
  // evaluate
  [
    'model bytes that are not a model',
    () => evaluate(new Uint8Array(64), data, { lambda: 0 }),
    TypeError,
    'model file: not an NNLB model (bad magic)',
  ],
  [
    'a model that is not bytes',
    () => evaluate('model.bin' as unknown as Uint8Array, data, { lambda: 0 }),
    TypeError,
    'model must be a Uint8Array (NNLB bytes); got "model.bin"',
  ],
  [
    'a truncated model',
    () => evaluate(model().subarray(0, 100), data, { lambda: 0 }),
    TypeError,
    'model file: truncated at W1 (100 bytes)',
  ],
  [
    'a model with bytes after its tensors',
    () => evaluate(Uint8Array.from([...model(), 0, 0, 0, 0]), data, { lambda: 0 }),
    TypeError,
    'model file: 4 bytes after the last tensor',
  ],
  [
    'a model of another version',
    () => evaluate(patched(4, 2), data, { lambda: 0 }),
    TypeError,
    'model file: unsupported NNLB version 2',
  ],
  [
    'a model of 2-byte values',
    () => evaluate(patched(8, 2), data, { lambda: 0 }),
    TypeError,
    'model file: bad precision 2',
  ],
  [
    'a model with a hidden layer of size 0',
    () => evaluate(hollowModel(), data, { lambda: 0 }),
    TypeError,
    'model file: bad layer size 0',
  ],
  [
    'data of another input size',
    () => evaluate(model(), randomData(10, 30, 10), { lambda: 0 }),
    RangeError,
    "data.d must equal the network's input size sizes[0] = 20; got 30",
  ],
  [
    'a label beyond the model’s classes',
    () => evaluate(model(), { ...data, y: Uint8Array.from(data.y, (v, i) => (i === 3 ? 10 : v)) }, { lambda: 0 }),
    RangeError,
    'data.y[3] must be a class label in [0, 9]; got 10',
  ],
  [
    'evaluate with λ NaN',
    () => evaluate(model(), data, { lambda: Number.NaN }),
    RangeError,
    'options.lambda must be a finite number ≥ 0; got NaN',
  ],
  // gradientCheck and compareWithReference
  [
    'gradient check with h = 0',
    () => gradientCheck({ ...check, h: 0 }, data),
    RangeError,
    'options.h must be a finite number in (0, 1]; got 0',
  ],
  [
    'gradient check with λ NaN',
    () => gradientCheck({ ...check, lambda: Number.NaN }, data),
    RangeError,
    'options.lambda must be a finite number in [0, 1000000]; got NaN',
  ],
  [
    'gradient check with eps 0',
    () => gradientCheck({ ...check, eps: 0 }, data),
    RangeError,
    'options.eps must be a finite number in (0, 1]; got 0',
  ],
  [
    'gradient check with a hidden size of 0',
    () => gradientCheck({ ...check, network: { ...base.network, sizes: [20, 0, 10] } }, data),
    RangeError,
    'options.network.sizes[1] must be an integer in [1, 16777216]; got 0',
  ],
  [
    'gradient check on x of the wrong length',
    () => gradientCheck(check, { ...data, n: 199 }),
    TypeError,
    'data.x must hold n·d = 199·20 = 3980 values; got 4000',
  ],
  [
    'reference comparison with a label out of range',
    () => compareWithReference(check, { ...data, y: new Uint8Array(200).fill(255) }),
    RangeError,
    'data.y[0] must be a class label in [0, 9]; got 255',
  ],
];

const ADDON_FUNCTIONS = ['train', 'evaluate', 'gradientCheck', 'compareWithReference'] as const;
/** Spies on the addon's functions (they still run): the number of calls that reached native code. */
function spyOnAddon(t: TestContext): () => number {
  const addon = native();
  const spies = ADDON_FUNCTIONS.map((name) => t.mock.method(addon, name));
  return () => spies.reduce((n, s) => n + s.mock.callCount(), 0);
}

for (const [what, call, type, message] of cases)
  test(`bad input: ${what}`, async (t) => {
    const nativeCalls = spyOnAddon(t);
    await assert.rejects(call(), (err: Error) => {
      assert.equal(err.constructor, type, `${err.constructor.name}: ${err.message}`);
      assert.equal(err.message, message);
      return true;
    });
    assert.equal(nativeCalls(), 0, 'rejected before any call into the addon');
  });

test('the spies see a valid call reach the addon, and the same model evaluates: all-zero weights give loss ln 10', async (t) => {
  const nativeCalls = spyOnAddon(t);
  const m = await evaluate(model(), data, { lambda: 0 });
  assert.equal(nativeCalls(), 1);
  assert.ok(Math.abs(m.loss - Math.log(10)) < 1e-6, `loss ${m.loss}`);
  assert.equal(m.cost, m.loss);
});
