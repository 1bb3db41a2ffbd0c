// The data a worker keeps between trials (src/runner/prepare.ts): the same data spec gives back the
// very same arrays, another spec or data fingerprint builds anew, and the gradient check's rows cut
// from the kept training split are the floats the per-trial pre-processing gave, to the bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { preprocess, sliceSplit, standardizeStats } from '../../src/data/index.ts';
import { prepareData, prepareGradientCheckData, preparedData, rawSplits } from '../../src/runner/prepare.ts';
import type { GradientCheckConfig } from '../../src/config/expand.ts';
import { cifarTestRoot, SHARED_MISSING } from '../data/fixtures.ts';
import { dataHome } from './fixtures.ts';

type Spec = Pick<GradientCheckConfig, 'dataset' | 'preprocess'>;

let home: string | undefined;
const mnist = (holdout: number): Spec => ({
  dataset: {
    source: 'mnist',
    train: ['train'],
    validation: { holdout },
    test: ['test'],
    root: join((home ??= dataHome()), 'mnist'),
  } as Spec['dataset'],
  preprocess: 'standardize',
});

const bytes = (x: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);

test('the same data spec and fingerprint give back the kept splits; another one builds anew', async () => {
  const spec = mnist(100);
  const first = await preparedData(spec, 'fp1');
  assert.equal(first.from, 'built');
  const again = await preparedData(structuredClone(spec), 'fp1');
  assert.equal(again.from, 'memory');
  assert.equal(again.data, first.data, 'the very same arrays');
  const fresh = await prepareData(spec);
  for (const split of ['train', 'validation', 'test'] as const) {
    assert.ok(bytes(first.data[split].x).equals(bytes(fresh[split].x)), `${split}: the floats of a fresh build`);
    assert.deepEqual(first.data[split].y, fresh[split].y);
  }
  assert.equal((await preparedData(spec, 'fp2')).from, 'built', 'another data fingerprint');
  const other = await preparedData(mnist(50), 'fp2');
  assert.equal(other.from, 'built', 'another holdout');
  assert.equal(other.data.validation.n, 50);
});

/** The gradient check's data as each trial computed them before the data were kept: pre-processing of the first rows. */
async function perTrialGradientCheckData(c: GradientCheckConfig) {
  const { train } = await rawSplits(c.dataset);
  const stats = standardizeStats(train);
  const rows = preprocess(sliceSplit(train, 0, c.samples), { kind: 'standardize', stats });
  const x = new Float32Array(c.samples * c.dims);
  for (let i = 0; i < c.samples; i++) x.set(rows.subarray(i * train.d, i * train.d + c.dims), i * c.dims);
  return { x, y: train.y.slice(0, c.samples) };
}

async function assertGradientCheckData(spec: Spec): Promise<void> {
  const c = { ...spec, samples: 5, dims: 20 } as GradientCheckConfig;
  const want = await perTrialGradientCheckData(c);
  const { data } = await prepareGradientCheckData(c, 'fp');
  assert.equal(data.n, 5);
  assert.equal(data.d, 20);
  assert.ok(bytes(data.x).equals(bytes(want.x)), 'the same floats');
  assert.deepEqual(data.y, want.y);
}

test('gradient-check rows cut from the kept training split are the per-trial floats (synthetic MNIST)', async () => {
  await assertGradientCheckData(mnist(100));
});

test('gradient-check rows cut from the kept training split are the per-trial floats (CIFAR-10)', async (t) => {
  const home = await cifarTestRoot();
  if (!home) return t.skip(SHARED_MISSING);
  await assertGradientCheckData({
    dataset: {
      source: 'cifar10',
      train: ['data_batch_1', 'data_batch_2'],
      validation: { holdout: 1000 },
      test: ['test_batch'],
      root: join(home, 'cifar10'),
    } as Spec['dataset'],
    preprocess: 'standardize',
  });
});
