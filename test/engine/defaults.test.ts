// The engine's defaults (src/engine/defaults.ts, for direct callers) equal the experiment schema's
// for the same settings, so leaving an option out of an engine call trains as leaving it out of a
// YAML file; and a call that leaves every optional field out trains as one that spells them out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENGINE_DEFAULTS, train, type TrainOptions } from '../../src/engine/index.ts';
import { schemaAt } from '../../src/config/schema.ts';
import { learnableData } from './fixtures.ts';

/** Each engine default and the schema setting it stands for; null where the schema has none. */
const SETTING: Record<string, string[] | null> = {
  bnAlpha: ['model', 'bn_alpha'],
  dropout: ['model', 'dropout'],
  loss: ['model', 'loss'],
  momentum: ['training', 'momentum'],
  precision: ['training', 'precision'],
  shuffle: ['training', 'shuffle'],
  'augmentation.noise': ['training', 'augmentation', 'noise'],
  'augmentation.flip': ['training', 'augmentation', 'flip'],
  'augmentation.translate': ['training', 'augmentation', 'translate'],
  recordSubset: ['record', 'subset'],
  policy: ['schedule', 'policy'],
  curve: ['schedule', 'curve'],
  h: ['gradient_check', 'h'],
  threads: null, // a property of the machine, set by the runner per trial
  eps: null, // the gradient check's floor of relative errors, not a setting of experiments
};

test("every engine default equals the schema's default for the same setting", () => {
  const flat: [string, unknown][] = Object.entries(ENGINE_DEFAULTS).flatMap(([k, v]): [string, unknown][] =>
    typeof v === 'object' ? Object.entries(v).map(([k2, v2]): [string, unknown] => [`${k}.${k2}`, v2]) : [[k, v]],
  );
  assert.deepEqual(
    flat.map(([k]) => k).sort(),
    Object.keys(SETTING).sort(),
    'each engine default is listed here with its setting (or none)',
  );
  for (const [key, value] of flat) {
    const path = SETTING[key];
    if (path)
      assert.equal(
        schemaAt(path)?.default,
        value,
        `${key} = ${value}, the schema's ${path.join('.')} defaults to ${schemaAt(path)?.default}`,
      );
  }
});

test('a call that leaves the optional fields out trains to the same parameters as one that gives the defaults', async () => {
  const data = learnableData(200, 20, 4, 1.5);
  const bare: TrainOptions = {
    network: { sizes: [20, 12, 4], batchNorm: true, init: { kind: 'he' } },
    seed: 5,
    batchSize: 20,
    lambda: 0.01,
    totalSteps: 20,
    schedule: { kind: 'cyclic', etaMin: 1e-4, etaMax: 0.1, stepSize: 5 },
    recordEvery: 5,
  };
  const d = ENGINE_DEFAULTS;
  const spelled: TrainOptions = {
    ...bare,
    network: { ...bare.network, bnAlpha: d.bnAlpha, dropout: d.dropout, loss: d.loss },
    momentum: d.momentum,
    precision: d.precision,
    shuffle: d.shuffle,
    augmentation: { ...d.augmentation },
    schedule: { kind: 'cyclic', etaMin: 1e-4, etaMax: 0.1, stepSize: 5, policy: d.policy },
    recordSubset: d.recordSubset,
    threads: d.threads,
  };
  const other: TrainOptions = { ...spelled, network: { ...spelled.network, bnAlpha: 0.5 } };
  const [a, b, c] = [await train(bare, data), await train(spelled, data), await train(other, data)];
  assert.equal(a.fingerprint, b.fingerprint);
  assert.notEqual(a.fingerprint, c.fingerprint, 'another α gives other parameters (the comparison can fail)');
});
