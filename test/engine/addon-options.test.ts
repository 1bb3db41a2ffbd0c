// The addon has no defaults: it reads every option as required and rejects a missing or mistyped
// field with a TypeError naming it (native/addon.cpp), called here directly, past the TypeScript
// door. Each complete option object below loses one field at a time, every field in turn.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { native } from '../../src/engine/native.ts';
import {
  encodeModel,
  type CompleteGradientCheckOptions,
  type CompleteNetworkSpec,
  type CompleteTrainOptions,
} from '../../src/engine/index.ts';
import { randomData } from './fixtures.ts';

const data = randomData(40, 20, 10);
const network: CompleteNetworkSpec = {
  sizes: [20, 8, 10],
  batchNorm: true,
  bnAlpha: 0.9,
  init: { kind: 'normal', sigma: 0.01 },
  dropout: 0,
  loss: 'cross_entropy',
};
const trainBase: Omit<CompleteTrainOptions, 'schedule'> = {
  network,
  seed: 1,
  batchSize: 10,
  lambda: 0.01,
  momentum: 0,
  precision: 'float32',
  totalSteps: 2,
  shuffle: true,
  augmentation: { noise: 0, flip: false, translate: 0 },
  recordEvery: 1,
  recordSubset: 0,
  threads: 1,
};
/** One complete option object per schedule kind (and cyclic policy), each field its kind reads. */
const trainOptions: CompleteTrainOptions[] = [
  { ...trainBase, schedule: { kind: 'constant', eta: 0.01 } },
  { ...trainBase, schedule: { kind: 'step', eta: 0.01, factor: 0.5, everyEpochs: 1 } },
  {
    ...trainBase,
    schedule: { kind: 'cyclic', etaMin: 1e-5, etaMax: 0.1, stepSize: 1, policy: 'exp_range', gamma: 0.99 },
  },
  { ...trainBase, schedule: { kind: 'lr_range', etaMin: 1e-5, etaMax: 0.1, curve: 'exponential' } },
];
const checkOptions: CompleteGradientCheckOptions = { network, lambda: 0.01, seed: 1, h: 1e-5, eps: 1e-6 };

const MISSING = ' is missing (native code has no defaults; src/engine/defaults.ts completes the options)';

/** Dotted paths of every field of `o` that is not an array element ("network.init.sigma", …). */
function leaves(o: object, prefix = ''): string[] {
  return Object.entries(o).flatMap(([k, v]) =>
    v && typeof v === 'object' && !Array.isArray(v) ? [prefix + k, ...leaves(v, `${prefix}${k}.`)] : [prefix + k],
  );
}
/** A deep copy of `o` with the field at `path` removed, or set to `value`. */
function edited<T extends object>(o: T, path: string, value?: unknown): T {
  const copy = structuredClone(o) as Record<string, unknown>;
  const keys = path.split('.');
  const parent = keys.slice(0, -1).reduce((p, k) => p[k] as Record<string, unknown>, copy);
  if (value === undefined) delete parent[keys.at(-1)!];
  else parent[keys.at(-1)!] = value;
  return copy as T;
}
function rejectsWith(call: () => unknown, message: string): void {
  assert.throws(call, (err: Error) => {
    assert.equal(err.constructor, TypeError, `${err.constructor.name}: ${err.message}`);
    assert.equal(err.message, message);
    return true;
  });
}

test('the complete options train, gradient-check and compare (the baseline each removal breaks)', async () => {
  for (const o of trainOptions) assert.equal((await native().train(o, data, null).promise).steps, 2);
  assert.ok((await native().gradientCheck(checkOptions, data)).length > 0);
  assert.ok('cost' in (await native().compareWithReference({ network, lambda: 0.01, seed: 1 }, data)));
});

test('train: every field missing in turn is a TypeError naming it', () => {
  let checked = 0;
  for (const o of trainOptions)
    for (const path of leaves(o)) {
      rejectsWith(() => native().train(edited(o, path), data, null), `nnlab addon: options.${path}${MISSING}`);
      checked++;
    }
  assert.equal(checked, 4 * 24 + 2 + 4 + 6 + 4); // 24 outside the schedule (objects too), then each kind's own
});

test('gradientCheck and compareWithReference: every field missing in turn is a TypeError naming it', () => {
  for (const path of leaves(checkOptions))
    rejectsWith(
      () => native().gradientCheck(edited(checkOptions, path), data),
      `nnlab addon: options.${path}${MISSING}`,
    );
  const { h: _h, eps: _eps, ...compare } = checkOptions;
  for (const path of leaves(compare))
    rejectsWith(
      () => native().compareWithReference(edited(compare, path), data),
      `nnlab addon: options.${path}${MISSING}`,
    );
});

test('a split missing a field, a mistyped field and an unknown name are TypeErrors naming them', () => {
  const [o] = trainOptions;
  const { n: _n, ...noN } = data;
  rejectsWith(() => native().train(o, noN as typeof data, null), `nnlab addon: train.n${MISSING}`);
  rejectsWith(
    () => native().train(o, data, { ...data, y: Array.from(data.y) } as unknown as typeof data),
    'nnlab addon: validation.y must be a Uint8Array',
  );
  rejectsWith(
    () => native().train(o, { ...data, x: Float64Array.from(data.x) } as unknown as typeof data, null),
    'nnlab addon: train.x must be a Float32Array',
  );
  rejectsWith(
    () => native().train(edited(o, 'network.bnAlpha', '0.9'), data, null),
    'nnlab addon: options.network.bnAlpha must be a number',
  );
  rejectsWith(
    () => native().train(edited(o, 'shuffle', 1), data, null),
    'nnlab addon: options.shuffle must be a boolean',
  );
  rejectsWith(
    () => native().train(edited(o, 'network.init.kind', 'glorot'), data, null),
    'nnlab addon: options.network.init.kind must be one of normal, fan_in, he, xavier; got "glorot"',
  );
  rejectsWith(
    () => native().train(edited(o, 'schedule', 'constant'), data, null),
    'nnlab addon: options.schedule must be an object',
  );
  rejectsWith(
    () => native().train(o, data, undefined as unknown as null),
    'nnlab addon: validation (or null) must be an object',
  );
  const model = encodeModel({
    sizes: [20, 10],
    batchNorm: false,
    loss: 'cross_entropy',
    bnAlpha: 0.9,
    precision: 'float32',
    tensors: { W1: new Float32Array(200), b1: new Float32Array(10) },
  });
  rejectsWith(
    () => native().evaluate(model, data, 0, undefined as unknown as number),
    'nnlab addon: threads must be a number',
  );
});
