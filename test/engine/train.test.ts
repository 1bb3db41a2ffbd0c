// Training on small synthetic data: determinism, the model file, learning, the schedules' η,
// divergence, abort within a mini-batch, and the options that change training (dropout, momentum,
// augmentation, float64).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, readModel, train, type TrainOptions, type TrainProgress } from '../../src/engine/index.ts';
import { learnableData, randomData } from './fixtures.ts';

const trainData = learnableData(1000, 40, 5, 1.5, 1);
const validation = learnableData(500, 40, 5, 1.5, 2);
const base: TrainOptions = {
  network: { sizes: [40, 32, 5], batchNorm: true, init: { kind: 'he' } },
  seed: 7,
  batchSize: 50,
  lambda: 0.001,
  totalSteps: 200,
  schedule: { kind: 'cyclic', etaMin: 1e-4, etaMax: 0.1, stepSize: 50 },
  recordEvery: 20,
  recordSubset: 300,
};
const opts = (patch: Partial<TrainOptions> = {}): TrainOptions => ({ ...base, ...patch });

test('same options, seed and threads: bit-identical parameters, curves and fingerprint; another seed differs', async () => {
  for (const threads of [1, 2]) {
    const a = await train(opts({ threads }), trainData, validation);
    const b = await train(opts({ threads }), trainData, validation);
    assert.equal(a.fingerprint, b.fingerprint);
    assert.deepEqual(Buffer.from(a.model), Buffer.from(b.model));
    assert.deepEqual(a.curves, b.curves);
    const c = await train(opts({ threads, seed: 8 }), trainData, validation);
    assert.notEqual(c.fingerprint, a.fingerprint);
  }
});

test('the model file: layout as documented, and evaluate() reproduces the final metrics', async () => {
  const r = await train(opts(), trainData, validation);
  const m = readModel(r.model);
  assert.deepEqual(m.sizes, [40, 32, 5]);
  assert.equal(m.batchNorm, true);
  assert.equal(m.precision, 'float32');
  assert.deepEqual(Object.keys(m.tensors), ['W1', 'gamma1', 'beta1', 'mean1', 'var1', 'W2', 'b2']);
  assert.equal(m.tensors.W1.length, 32 * 40);
  assert.equal(m.tensors.W2.length, 5 * 32);
  assert.ok(m.tensors.var1.every((v) => v > 0), 'running variances are positive');
  for (const [split, data] of [['train', trainData], ['validation', validation]] as const) {
    const e = await evaluate(r.model, data, { lambda: base.lambda });
    const f = r.final[split]!;
    for (const k of ['loss', 'cost', 'accuracy'] as const) assert.ok(Math.abs(e[k] - f[k]) < 1e-12, `${split} ${k}: ${e[k]} vs ${f[k]}`);
  }
});

test('it learns: validation accuracy far above chance (20%), curves from step 0 to the end', async () => {
  const r = await train(opts(), trainData, validation);
  assert.equal(r.steps, 200);
  assert.equal(r.diverged, null);
  assert.deepEqual(r.curves.map((p) => p.step), [0, 20, 40, 60, 80, 100, 120, 140, 160, 180, 200]);
  assert.ok(r.curves[0].validation!.accuracy < 0.4, `at step 0: ${r.curves[0].validation!.accuracy}`);
  assert.ok(r.final.validation!.accuracy > 0.8, `final validation accuracy ${r.final.validation!.accuracy}`);
  assert.ok(r.final.train.cost > r.final.train.loss, 'cost = loss + λ·Σ‖W‖²');
});

test('float64 training agrees with float32 to a few digits, and is not the same computation', async () => {
  const f32 = await train(opts({ batchSize: 100, totalSteps: 50, network: { ...base.network, batchNorm: false } }), trainData, validation);
  const f64 = await train(opts({ batchSize: 100, totalSteps: 50, network: { ...base.network, batchNorm: false }, precision: 'float64' }), trainData, validation);
  assert.equal(readModel(f64.model).precision, 'float64');
  assert.notEqual(f32.fingerprint, f64.fingerprint);
  assert.ok(Math.abs(f32.final.validation!.loss - f64.final.validation!.loss) < 1e-3, `${f32.final.validation!.loss} vs ${f64.final.validation!.loss}`);
});

function expectedEta(kind: string, t: number): number {
  const [lo, hi, ns] = [1e-4, 0.1, 5];
  const cycle = Math.floor(t / (2 * ns));
  const x = t - 2 * cycle * ns;
  const frac = x <= ns ? x / ns : (2 * ns - x) / ns;
  if (kind === 'triangular') return lo + frac * (hi - lo);
  if (kind === 'triangular2') return lo + (frac * (hi - lo)) / 2 ** cycle;
  if (kind === 'exp_range') return lo + frac * (hi - lo) * 0.97 ** t;
  if (kind === 'linear') return lo + (t / 29) * (hi - lo);
  if (kind === 'exponential') return lo * (hi / lo) ** (t / 29);
  if (kind === 'step') return 0.1 * 0.5 ** Math.floor(t / 100 / 2); // 100 steps an epoch (5000/50), every 2 epochs
  return 0.05;
}

test('η at every step: cyclic triangular, triangular2 and exp_range, LR range linear and exponential, step, constant', async () => {
  const small = randomData(500, 10, 3, 5);
  const net = { sizes: [10, 8, 3], batchNorm: false, init: { kind: 'he' as const } };
  const run = async (schedule: TrainOptions['schedule'], totalSteps = 30, data = small) =>
    (await train({ ...base, network: net, batchSize: 50, totalSteps, recordEvery: 1, recordSubset: 50, schedule }, data)).curves;
  const check = (curves: { step: number; eta: number }[], kind: string) => {
    // The point after step t's update carries the η of that update (t = step − 1).
    for (const p of curves.slice(1)) assert.ok(Math.abs(p.eta - expectedEta(kind, p.step - 1)) <= 1e-12 * Math.max(1, p.eta), `${kind} at t = ${p.step - 1}: ${p.eta} vs ${expectedEta(kind, p.step - 1)}`);
  };
  for (const policy of ['triangular', 'triangular2', 'exp_range'] as const) check(await run({ kind: 'cyclic', etaMin: 1e-4, etaMax: 0.1, stepSize: 5, policy, gamma: 0.97 }), policy);
  for (const curve of ['linear', 'exponential'] as const) check(await run({ kind: 'lr_range', etaMin: 1e-4, etaMax: 0.1, curve }), curve);
  check(await run({ kind: 'constant', eta: 0.05 }), 'constant');
  const big = randomData(5000, 10, 3, 6);
  check((await run({ kind: 'step', eta: 0.1, factor: 0.5, everyEpochs: 2 }, 450, big)).filter((p) => p.step % 50 === 1), 'step');
});

test('a diverging run stops and says "diverged at step N"', async () => {
  const r = await train(opts({ schedule: { kind: 'constant', eta: 100 }, network: { ...base.network, batchNorm: false }, totalSteps: 500 }), trainData, validation);
  assert.ok(r.diverged, 'diverged');
  assert.match(r.diverged!.message, /^diverged at step \d+: the training loss became (NaN|infinite) \(η = 100\.0+\); try a smaller learning rate$/);
  assert.equal(r.diverged!.step, r.steps + 1);
  assert.ok(r.steps < 500);
  assert.ok(Number.isFinite(r.final.train.accuracy), 'final metrics are the last finite record');
});

test('an AbortSignal stops training within a mini-batch: AbortError, no more progress', async () => {
  const controller = new AbortController();
  const seen: TrainProgress[] = [];
  const big = opts({ totalSteps: 2_000_000, recordEvery: 1000 });
  await assert.rejects(
    train(big, trainData, validation, {
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p);
        if (p.step >= 1000) controller.abort();
      },
    }),
    { name: 'AbortError' },
  );
  assert.ok(seen.length > 0 && seen[seen.length - 1].step < 2_000_000);
  await assert.rejects(train(base, trainData, validation, { signal: controller.signal }), { name: 'AbortError' }, 'an aborted signal stops a run before it starts');
});

test('dropout, momentum and augmentation change training and it still learns; no validation set works', async () => {
  const plain = await train(opts(), trainData, validation);
  for (const patch of [{ network: { ...base.network, dropout: 0.3 } }, { momentum: 0.9, schedule: { kind: 'constant' as const, eta: 0.01 } }]) {
    const r = await train(opts(patch), trainData, validation);
    assert.notEqual(r.fingerprint, plain.fingerprint, JSON.stringify(patch));
    assert.ok(r.final.validation!.accuracy > 0.7, `${JSON.stringify(patch)}: ${r.final.validation!.accuracy}`);
  }
  const images = learnableData(300, 3072, 3, 1, 3);
  const imgOpts: TrainOptions = { ...base, network: { sizes: [3072, 16, 3], batchNorm: true, init: { kind: 'he' } }, totalSteps: 60, recordEvery: 30 };
  const still = await train(imgOpts, images);
  assert.equal(still.final.validation, undefined);
  assert.ok(still.curves.every((p) => p.validation === undefined));
  for (const augmentation of [{ flip: true }, { translate: 2 }, { noise: 0.1 }]) {
    const r = await train({ ...imgOpts, augmentation }, images);
    assert.notEqual(r.fingerprint, still.fingerprint, JSON.stringify(augmentation));
    assert.ok(r.final.train.accuracy > 0.6, `${JSON.stringify(augmentation)}: ${r.final.train.accuracy}`);
  }
});
