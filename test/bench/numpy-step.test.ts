// The benchmark's numpy peer computes what the engine computes: its gradients pass a centred-
// difference check, one float64 step of it from the engine's initial parameters lands on the
// engine's parameters after one step (batch norm, L2 and running statistics included), and its
// timing mode runs. Skipped, saying why, where python3 or numpy is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readModel, train, type NetworkSpec, type TrainOptions } from '../../src/engine/index.ts';
import { findNumpy, numpyOneStep, numpySelfTest, timeNumpyStep } from '../../bench/numpy-peer.ts';
import { randomData } from '../engine/fixtures.ts';

const numpy = findNumpy();
const skip = numpy.found ? false : numpy.reason;

test('numpy_step.py --self-test: its gradients match centred differences', { skip }, (t) => {
  const r = numpySelfTest();
  t.diagnostic(r.output.trim().split('\n').pop() ?? '');
  assert.ok(r.ok, r.output);
  assert.match(r.output, /self-test passed/);
});

for (const network of [
  { sizes: [20, 50, 10], batchNorm: false, init: { kind: 'he' } },
  { sizes: [20, 50, 30, 10], batchNorm: true, init: { kind: 'he' } },
] as NetworkSpec[]) {
  test(
    `one numpy step = one engine step, float64, ${JSON.stringify(network.sizes)}${network.batchNorm ? ' BN' : ''}`,
    { skip },
    async (t) => {
      const data = randomData(100, 20, 10, 5);
      const base: Omit<TrainOptions, 'schedule'> = {
        network,
        seed: 4,
        batchSize: 100,
        lambda: 0.01,
        precision: 'float64',
        totalSteps: 1,
        shuffle: false,
        recordEvery: 1,
        recordSubset: 100,
      };
      // A cyclic schedule's first step has η = η_min = 0: the engine's initial parameters.
      const before = readModel(
        (await train({ ...base, schedule: { kind: 'cyclic', etaMin: 0, etaMax: 0.1, stepSize: 10 } }, data)).model,
      );
      const after = readModel((await train({ ...base, schedule: { kind: 'constant', eta: 0.1 } }, data)).model);
      const params = Object.fromEntries(
        Object.entries(before.tensors)
          .filter(([k]) => !/^(mean|var)\d/.test(k))
          .map(([k, v]) => [k, Array.from(v)]),
      );
      const step = numpyOneStep({
        sizes: network.sizes,
        batch_norm: network.batchNorm,
        params,
        x: Array.from(data.x),
        y: Array.from(data.y),
        lambda: 0.01,
        eta: 0.1,
      });
      assert.deepEqual(
        Object.keys(step.tensors).sort(),
        Object.keys(after.tensors).sort(),
        'the same tensors, running statistics included',
      );
      let worst = 0;
      for (const [k, v] of Object.entries(after.tensors)) {
        const moved = v.some((x, i) => x !== (before.tensors[k][i] ?? x));
        if (!/^(mean|var)/.test(k)) assert.ok(moved, `${k} moved in the engine's step`);
        for (let i = 0; i < v.length; i++) {
          const d = Math.abs(step.tensors[k][i] - v[i]);
          worst = Math.max(worst, d);
          assert.ok(
            d <= 1e-12 * Math.max(1, Math.abs(v[i])),
            `${k}[${i}]: numpy ${step.tensors[k][i]}, engine ${v[i]}`,
          );
        }
      }
      t.diagnostic(`largest |numpy − engine| after one step ${worst.toExponential(2)}`);
    },
  );
}

test('numpy_step.py times a step and names its BLAS', { skip }, () => {
  const data = randomData(200, 30, 10, 6);
  const r = timeNumpyStep(
    {
      shape: [30, 20, 20, 10],
      batchNorm: true,
      precision: 'float32',
      threads: 1,
      batch: 50,
      lambda: 0.005,
      schedule: { etaMin: 1e-5, etaMax: 1e-2, stepSize: 500 },
      steps: 10,
      repeats: 3,
    },
    data,
  );
  assert.equal(r.peer, 'numpy');
  assert.equal(r.numpy, (numpy as { numpy: string }).numpy);
  assert.equal(r.precision, 'float32');
  assert.equal(r.threads, 1);
  assert.ok(r.ms_per_step > 0 && Number.isFinite(r.ms_per_step), `ms_per_step ${r.ms_per_step}`);
  assert.ok(r.blas.length > 0);
});
