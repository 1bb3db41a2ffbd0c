// The assignments' reference runs on the shared CIFAR-10 copy (skipped where ../shared/datasets is
// absent): test accuracies in the ranges the course expects. They print accuracy and time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, train, type Split } from '../../src/engine/index.ts';
import { loadParts, preprocess, sliceSplit, standardizeStats, type RawSplit } from '../../src/data/index.ts';
import { cifarTestRoot, SHARED_MISSING } from '../data/fixtures.ts';

const home = await cifarTestRoot();
const skip = home ? false : SHARED_MISSING;
const load = (parts: string[]) => loadParts('cifar10', parts, { root: `${home}/cifar10` });

function standardized(trainSplit: RawSplit, ...others: RawSplit[]): Split[] {
  const spec = { kind: 'standardize', stats: standardizeStats(trainSplit) } as const;
  return [trainSplit, ...others].map((s) => ({ x: preprocess(s, spec), y: s.y, n: s.n, d: s.d }));
}

test(
  'assignment 2 default: [3072, 50, 10], λ = 0.01, one cycle n_s = 500 → test accuracy in the mid-40s',
  { skip },
  async (t) => {
    const [tr, va, te] = standardized(
      await load(['data_batch_1']),
      await load(['data_batch_2']),
      await load(['test_batch']),
    );
    const r = await train(
      {
        network: { sizes: [3072, 50, 10], batchNorm: false, init: { kind: 'fan_in' } },
        seed: 1,
        batchSize: 100,
        lambda: 0.01,
        totalSteps: 1000,
        schedule: { kind: 'cyclic', etaMin: 1e-5, etaMax: 1e-1, stepSize: 500 },
        recordEvery: 100,
        threads: 2,
      },
      tr,
      va,
    );
    const test = await evaluate(r.model, te, { lambda: 0.01, threads: 2 });
    t.diagnostic(
      `test accuracy ${(test.accuracy * 100).toFixed(2)}%, validation ${(r.final.validation!.accuracy * 100).toFixed(2)}%, ${r.steps} steps in ${r.seconds.toFixed(2)} s`,
    );
    assert.ok(test.accuracy >= 0.43 && test.accuracy <= 0.48, `test accuracy ${test.accuracy}`);
  },
);

test(
  'assignment 3: [3072, 50, 50, 10] with BN, 45000/5000, λ = 0.005, two cycles n_s = 2250 → test accuracy in the low 50s',
  { skip },
  async (t) => {
    const all = await load(['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5']);
    const [tr, va, te] = standardized(
      sliceSplit(all, 0, 45000),
      sliceSplit(all, 45000, 50000),
      await load(['test_batch']),
    );
    const r = await train(
      {
        network: { sizes: [3072, 50, 50, 10], batchNorm: true, init: { kind: 'he' } },
        seed: 1,
        batchSize: 100,
        lambda: 0.005,
        totalSteps: 9000,
        schedule: { kind: 'cyclic', etaMin: 1e-5, etaMax: 1e-1, stepSize: 2250 },
        recordEvery: 450,
        threads: 2,
      },
      tr,
      va,
    );
    const test = await evaluate(r.model, te, { lambda: 0.005, threads: 2 });
    t.diagnostic(
      `test accuracy ${(test.accuracy * 100).toFixed(2)}%, validation ${(r.final.validation!.accuracy * 100).toFixed(2)}%, ${r.steps} steps and ${r.curves.length} evaluations in ${r.seconds.toFixed(2)} s`,
    );
    assert.ok(test.accuracy >= 0.5 && test.accuracy <= 0.56, `test accuracy ${test.accuracy}`);
  },
);
