// Training on small synthetic data: determinism, the model file (read back and recomputed in
// JavaScript), learning, recorded curves, the schedules' η at every step, divergence, abort, and
// the options that change training (float64, dropout, momentum, and what each augmentation does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  evaluate,
  readModel,
  train,
  type Split,
  type Model,
  type TrainOptions,
  type TrainProgress,
} from '../../src/engine/index.ts';
import { forwardInJs, images, learnableData, randomData } from './fixtures.ts';

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
const noBN = { ...base.network, batchNorm: false };

test('same options, seed and threads: bit-identical parameters, curves and fingerprint; another seed differs', async () => {
  for (const threads of [1, 2]) {
    const a = await train(opts({ threads }), trainData, validation);
    const b = await train(opts({ threads }), trainData, validation);
    assert.equal(a.fingerprint, b.fingerprint);
    assert.match(a.fingerprint, /^[0-9a-f]{16}$/);
    assert.deepEqual(Buffer.from(a.model), Buffer.from(b.model));
    assert.deepEqual(a.curves, b.curves);
    assert.deepEqual(a.final, b.final);
    const c = await train(opts({ threads, seed: 8 }), trainData, validation);
    assert.notEqual(c.fingerprint, a.fingerprint);
    assert.notDeepEqual(Buffer.from(c.model), Buffer.from(a.model));
  }
});

test('the model file: layout as documented, evaluate() reproduces the final metrics, a JavaScript forward pass reproduces evaluate()', async (t) => {
  for (const [precision, network] of [
    ['float32', base.network],
    ['float64', noBN],
  ] as const) {
    const r = await train(opts({ precision, network }), trainData, validation);
    const m = readModel(r.model);
    assert.deepEqual(m.sizes, [40, 32, 5]);
    assert.equal(m.batchNorm, network.batchNorm);
    assert.equal(m.precision, precision);
    assert.equal(m.loss, 'cross_entropy');
    assert.equal(m.bnAlpha, 0.9);
    assert.deepEqual(
      Object.keys(m.tensors),
      network.batchNorm ? ['W1', 'gamma1', 'beta1', 'mean1', 'var1', 'W2', 'b2'] : ['W1', 'b1', 'W2', 'b2'],
    );
    for (const tensor of Object.values(m.tensors))
      assert.ok(tensor instanceof (precision === 'float32' ? Float32Array : Float64Array));
    assert.equal(m.tensors.W1.length, 32 * 40);
    assert.equal(m.tensors.W2.length, 5 * 32);
    if (network.batchNorm)
      assert.ok(
        m.tensors.var1.every((v) => v > 0),
        'running variances are positive',
      );
    for (const [split, data] of [
      ['train', trainData],
      ['validation', validation],
    ] as const) {
      const e = await evaluate(r.model, data, { lambda: base.lambda });
      const f = r.final[split]!;
      for (const k of ['loss', 'cost', 'accuracy'] as const)
        assert.ok(Math.abs(e[k] - f[k]) <= 1e-12, `${precision} ${split} ${k}: ${e[k]} vs ${f[k]}`);
      // Read as W1 (H1, D) row-major and the running BN statistics, the tensors give the same
      // predictions in plain JavaScript (a transposed W1 or batch statistics would not).
      const js = forwardInJs(m, data);
      t.diagnostic(
        `${precision} ${split}: engine loss ${e.loss.toFixed(6)} accuracy ${e.accuracy}; JavaScript loss ${js.loss.toFixed(6)} accuracy ${js.accuracy}`,
      );
      assert.ok(
        Math.abs(js.loss - e.loss) <= (precision === 'float32' ? 1e-5 : 1e-12) * Math.max(1, e.loss),
        `${precision} ${split} loss: JavaScript ${js.loss}, engine ${e.loss}`,
      );
      assert.ok(
        Math.abs(js.accuracy - e.accuracy) <= 1 / data.n,
        `${precision} ${split} accuracy: JavaScript ${js.accuracy}, engine ${e.accuracy}`,
      );
      const penalty = [m.tensors.W1, m.tensors.W2].reduce(
        (s, W) => s + Array.from(W).reduce((a, w) => a + w * w, 0),
        0,
      );
      assert.ok(Math.abs(e.cost - e.loss - base.lambda * penalty) <= 1e-9 * e.cost, 'cost = loss + λ·Σ‖W_l‖²');
    }
  }
});

test('it learns: validation accuracy far above chance (20%); curves at step 0, every recordEvery steps and the end', async () => {
  const r = await train(opts({ totalSteps: 210 }), trainData, validation);
  assert.equal(r.steps, 210);
  assert.equal(r.diverged, null);
  assert.deepEqual(
    r.curves.map((p) => p.step),
    [0, 20, 40, 60, 80, 100, 120, 140, 160, 180, 200, 210],
  );
  for (const p of r.curves) assert.equal(p.epoch, p.step / 20, '20 batches of 50 an epoch');
  assert.ok(r.curves[0].validation!.accuracy < 0.4, `at step 0: ${r.curves[0].validation!.accuracy}`);
  assert.ok(r.final.validation!.accuracy > 0.8, `final validation accuracy ${r.final.validation!.accuracy}`);
  assert.ok(r.curves.at(-1)!.validation!.loss < r.curves[0].validation!.loss / 2, 'the validation loss falls');
  assert.ok(r.seconds > 0);
});

test('recordSubset: the curves evaluate the first N training samples; 0 means all of them; no validation set, no validation metrics', async () => {
  const subset = await train(opts({ recordSubset: 300 }), trainData);
  const first300: Split = { x: trainData.x.subarray(0, 300 * 40), y: trainData.y.subarray(0, 300), n: 300, d: 40 };
  const onSubset = await evaluate(subset.model, first300, { lambda: base.lambda });
  assert.deepEqual(
    subset.curves.at(-1)!.train,
    onSubset,
    'the last record point is the final model on samples 0 … 299',
  );
  assert.notDeepEqual(subset.curves.at(-1)!.train, subset.final.train);
  const all = await train(opts({ recordSubset: 0 }), trainData);
  assert.equal(all.fingerprint, subset.fingerprint, 'what is recorded does not change training');
  assert.deepEqual(all.curves.at(-1)!.train, all.final.train);
  for (const r of [subset, all]) {
    assert.equal(r.final.validation, undefined);
    assert.ok(r.curves.every((p) => p.validation === undefined));
  }
});

test('data in a view into a larger buffer trains exactly as a copy of it', async () => {
  const padded = new Float32Array(trainData.x.length + 7 * 40);
  padded.set(trainData.x, 7 * 40);
  const view: Split = { ...trainData, x: padded.subarray(7 * 40) };
  const a = await train(opts({ totalSteps: 40 }), view, validation);
  const b = await train(opts({ totalSteps: 40 }), trainData, validation);
  assert.equal(a.fingerprint, b.fingerprint);
});

test('evaluation copies its input in blocks of 100 rows: 1037 rows (a chunk of 1000, then 37) lying 16 bytes off a cache line give what a copy of them gives, and what a JavaScript forward pass gives', async (t) => {
  const data = learnableData(1037, 40, 5, 1.5, 3);
  const padded = new Float32Array(data.x.length + 4);
  padded.set(data.x, 4);
  const view: Split = { ...data, x: padded.subarray(4) };
  for (const [precision, network] of [
    ['float32', base.network],
    ['float64', noBN],
  ] as const)
    for (const threads of [1, 2]) {
      const r = await train(opts({ precision, network, threads, totalSteps: 40 }), trainData, validation);
      const how = `${precision}, ${threads} thread${threads === 1 ? '' : 's'}`;
      const a = await evaluate(r.model, view, { lambda: base.lambda, threads });
      const b = await evaluate(r.model, data, { lambda: base.lambda, threads });
      assert.deepEqual(a, b, how);
      const js = forwardInJs(readModel(r.model), data);
      t.diagnostic(
        `${how}: engine loss ${a.loss.toFixed(6)} accuracy ${a.accuracy}; JavaScript ${js.loss.toFixed(6)} ${js.accuracy}`,
      );
      assert.ok(
        Math.abs(js.loss - a.loss) <= (precision === 'float32' ? 1e-5 : 1e-12) * Math.max(1, a.loss),
        `${how}: JavaScript ${js.loss}, engine ${a.loss}`,
      );
      assert.ok(Math.abs(js.accuracy - a.accuracy) <= 1 / data.n);
    }
});

test('float64 training agrees with float32 to a few digits, and is not the same computation', async () => {
  const f32 = await train(opts({ batchSize: 100, totalSteps: 50, network: noBN }), trainData, validation);
  const f64 = await train(
    opts({ batchSize: 100, totalSteps: 50, network: noBN, precision: 'float64' }),
    trainData,
    validation,
  );
  assert.equal(readModel(f64.model).precision, 'float64');
  assert.notEqual(f32.fingerprint, f64.fingerprint);
  assert.ok(
    Math.abs(f32.final.validation!.loss - f64.final.validation!.loss) < 1e-3,
    `${f32.final.validation!.loss} vs ${f64.final.validation!.loss}`,
  );
  assert.equal(f32.final.validation!.accuracy, f64.final.validation!.accuracy);
});

// η at update step t (0-based), written out from mission.md (Smith's triangular cycle with
// η_min = 1e-4, η_max = 0.1, n_s = 5) and the other schedules' definitions in src/engine/index.ts.
function expectedEta(kind: string, t: number): number {
  const [lo, hi, ns] = [1e-4, 0.1, 5];
  const l = Math.floor(t / (2 * ns)); // the cycle
  const rising = 2 * l * ns <= t && t <= (2 * l + 1) * ns;
  const frac = rising ? (t - 2 * l * ns) / ns : 1 - (t - (2 * l + 1) * ns) / ns;
  if (kind === 'triangular') return lo + frac * (hi - lo);
  if (kind === 'triangular2') return lo + (frac * (hi - lo)) / 2 ** l; // amplitude halved every cycle
  if (kind === 'exp_range') return lo + frac * (hi - lo) * 0.97 ** t; // amplitude · γ^t
  if (kind === 'linear') return lo + (t / 29) * (hi - lo); // LR range test over 30 steps
  if (kind === 'exponential') return lo * (hi / lo) ** (t / 29);
  if (kind === 'step') return 0.1 * 0.5 ** Math.floor(t / 10 / 2); // 10 steps an epoch (500/50), halved every 2 epochs
  return 0.05;
}

test('η at every step: cyclic triangular, triangular2 and exp_range, LR range linear and exponential, step, constant', async (t) => {
  const small = randomData(500, 10, 3, 5);
  const net = { sizes: [10, 8, 3], batchNorm: false, init: { kind: 'he' as const } };
  const run = async (schedule: TrainOptions['schedule'], totalSteps = 30) =>
    (
      await train(
        { ...base, network: net, batchSize: 50, totalSteps, recordEvery: 1, recordSubset: 50, schedule },
        small,
      )
    ).curves;
  const check = (curves: { step: number; eta: number }[], kind: string, totalSteps = 30) => {
    assert.deepEqual(
      curves.map((p) => p.step),
      Array.from({ length: totalSteps + 1 }, (_, i) => i),
    );
    // The point at step 0 carries η of update 0; every later point the η of the update just made.
    const points = curves.map((p, i) => ({ t: Math.max(0, p.step - 1), eta: p.eta, i }));
    for (const { t: u, eta } of points) {
      const want = expectedEta(kind, u);
      assert.ok(Math.abs(eta - want) <= 1e-12 * want, `${kind} at t = ${u}: ${eta}, expected ${want}`);
    }
    t.diagnostic(
      `${kind}: η = ${curves
        .slice(1, 13)
        .map((p) => p.eta.toPrecision(3))
        .join(', ')} …`,
    );
  };
  for (const policy of ['triangular', 'triangular2', 'exp_range'] as const)
    check(await run({ kind: 'cyclic', etaMin: 1e-4, etaMax: 0.1, stepSize: 5, policy, gamma: 0.97 }), policy);
  for (const curve of ['linear', 'exponential'] as const)
    check(await run({ kind: 'lr_range', etaMin: 1e-4, etaMax: 0.1, curve }), curve);
  check(await run({ kind: 'constant', eta: 0.05 }), 'constant');
  check(await run({ kind: 'step', eta: 0.1, factor: 0.5, everyEpochs: 2 }, 60), 'step', 60);
  // A few values by hand, so the formula above is not the only witness: the top of the first
  // cycle, its end, and the top of the second cycle under triangular2.
  const tri2 = await run({ kind: 'cyclic', etaMin: 1e-4, etaMax: 0.1, stepSize: 5, policy: 'triangular2' });
  assert.deepEqual([tri2[6].eta, tri2[11].eta, tri2[16].eta], [0.1, 1e-4, 1e-4 + (0.1 - 1e-4) / 2]);
});

test('a diverging run stops and says "diverged at step N"', async () => {
  const r = await train(
    opts({ schedule: { kind: 'constant', eta: 100 }, network: noBN, totalSteps: 500 }),
    trainData,
    validation,
  );
  assert.ok(r.diverged, 'diverged');
  assert.match(
    r.diverged!.message,
    /^diverged at step \d+: the training loss became (NaN|infinite) \(η = 100\.0+\); try a smaller learning rate$/,
  );
  assert.equal(r.diverged!.message.match(/^diverged at step (\d+)/)![1], String(r.diverged!.step));
  assert.equal(r.diverged!.step, r.steps + 1, 'the steps done are those before the diverging one');
  assert.ok(r.steps < 500);
  assert.ok(Number.isFinite(r.final.train.accuracy), 'final metrics are those of the last finite record');
  assert.deepEqual(r.final.train, r.curves.at(-1)!.train);
});

test('an AbortSignal stops training: AbortError, progress never reaches the end', async () => {
  const controller = new AbortController();
  const seen: TrainProgress[] = [];
  const totalSteps = 2_000_000;
  await assert.rejects(
    train(opts({ totalSteps, recordEvery: 1000, schedule: { kind: 'constant', eta: 0.01 } }), trainData, validation, {
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p);
        if (p.step >= 1000) controller.abort();
      },
    }),
    { name: 'AbortError' },
  );
  assert.ok(seen.length > 0, 'progress was reported');
  const last = Math.max(...seen.map((p) => p.step));
  assert.ok(last < totalSteps / 10, `the last progress seen was at step ${last} of ${totalSteps}`);
  for (const p of seen) {
    assert.equal(p.totalSteps, totalSteps);
    assert.equal(p.eta, 0.01);
    assert.ok(p.trainAccuracy >= 0 && p.trainAccuracy <= 1 && p.validationAccuracy !== undefined);
  }
  await assert.rejects(
    train(base, trainData, validation, { signal: controller.signal }),
    { name: 'AbortError' },
    'an aborted signal stops a run before it starts',
  );
});

test('dropout and momentum change training and it still learns; one momentum step is one plain SGD step', async (t) => {
  const constant = { kind: 'constant' as const, eta: 0.01 };
  const plain = await train(opts({ schedule: constant }), trainData, validation);
  const dropout = await train(
    opts({ schedule: constant, network: { ...base.network, dropout: 0.3 } }),
    trainData,
    validation,
  );
  const momentum = await train(opts({ schedule: constant, momentum: 0.9 }), trainData, validation);
  for (const [name, r] of [
    ['dropout', dropout],
    ['momentum', momentum],
  ] as const) {
    assert.notEqual(r.fingerprint, plain.fingerprint, name);
    assert.ok(r.final.validation!.accuracy > 0.7, `${name}: ${r.final.validation!.accuracy}`);
  }
  // v ← μv − η·g from v = 0, θ ← θ + v: the first update is plain SGD's (up to the rounding of a
  // fused multiply-add the compiler may use in one loop and not the other); later ones go further.
  const after = async (totalSteps: number, m: number) =>
    readModel((await train(opts({ schedule: constant, momentum: m, totalSteps, recordEvery: 1 }), trainData)).model)
      .tensors;
  const largestChange = (a: Model['tensors'], b: Model['tensors']) =>
    Math.max(
      ...Object.keys(a).map(
        (k) =>
          Array.from(a[k]).reduce((m, v, i) => Math.max(m, Math.abs(v - b[k][i])), 0) /
          Array.from(b[k]).reduce((m, v) => Math.max(m, Math.abs(v)), 1e-30),
      ),
    );
  const [one, ten] = [
    largestChange(await after(1, 0.9), await after(1, 0)),
    largestChange(await after(10, 0.9), await after(10, 0)),
  ];
  t.diagnostic(
    `momentum 0.9 against none, largest difference relative to a tensor's largest entry: ${one.toExponential(2)} after one step, ${ten.toExponential(2)} after ten`,
  );
  assert.ok(one <= 1e-6, `after one step: ${one}`);
  assert.ok(ten >= 1e-2, `after ten steps: ${ten}`);
});

const imageNet: TrainOptions = {
  ...base,
  network: { sizes: [3072, 16, 2], batchNorm: true, init: { kind: 'he' } },
  totalSteps: 200,
  recordEvery: 200,
  schedule: { kind: 'cyclic', etaMin: 1e-4, etaMax: 0.1, stepSize: 100 },
};
/** Validation accuracy after training on 400 images of a two-class pattern (validated on 400 others). */
async function accuracyWith(
  pattern: (c: number, row: number, col: number) => number,
  augmentation?: TrainOptions['augmentation'],
) {
  const r = await train({ ...imageNet, augmentation }, images(400, pattern, 3), images(400, pattern, 4));
  return r.final.validation!.accuracy;
}

test('flip augmentation mirrors left and right, half of the time', async (t) => {
  // Class 0 brighter on the left (top) half, class 1 on the right (bottom) half.
  const leftRight = (c: number, _row: number, col: number) => (col < 16 === (c === 0) ? 0.5 : -0.5);
  const topBottom = (c: number, row: number) => (row < 16 === (c === 0) ? 0.5 : -0.5);
  const [lr, lrFlipped, tbFlipped] = [
    await accuracyWith(leftRight),
    await accuracyWith(leftRight, { flip: true }),
    await accuracyWith(topBottom, { flip: true }),
  ];
  t.diagnostic(
    `validation accuracy: bright left vs right ${lr}, the same with flips ${lrFlipped}; bright top vs bottom with flips ${tbFlipped}`,
  );
  assert.ok(lr > 0.95, 'the pattern is learnable');
  // A left-right flip with probability 1/2 hides which side is bright (always flipping would invert it).
  assert.ok(lrFlipped > 0.3 && lrFlipped < 0.7, `left/right with flips: ${lrFlipped}`);
  assert.ok(tbFlipped > 0.95, `top/bottom survives a left-right flip: ${tbFlipped}`);
});

test('translate augmentation shifts by up to ±translate pixels', async (t) => {
  // Each class one bright column on a zero background (the fill of a shift): one column apart,
  // shifts of up to ±2 make the classes indistinguishable; five apart, they stay apart.
  const stripes = (a: number, b: number) => (c: number, _row: number, col: number) =>
    col === (c === 0 ? a : b) ? 2 : 0;
  const [near, nearShifted, farShifted] = [
    await accuracyWith(stripes(10, 11)),
    await accuracyWith(stripes(10, 11), { translate: 2 }),
    await accuracyWith(stripes(8, 13), { translate: 2 }),
  ];
  t.diagnostic(
    `validation accuracy: columns 10 vs 11 ${near}, shifted by up to ±2 ${nearShifted}; columns 8 vs 13 shifted ${farShifted}`,
  );
  assert.ok(near > 0.95, 'the pattern is learnable');
  assert.ok(nearShifted < 0.7, `columns 10 vs 11 with shifts of ±2: ${nearShifted}`);
  assert.ok(farShifted > 0.95, `columns 8 vs 13 with shifts of ±2: ${farShifted}`);
});

test('every augmentation changes training and it still learns', async () => {
  const data = learnableData(300, 3072, 3, 1, 3);
  const o: TrainOptions = {
    ...base,
    network: { sizes: [3072, 16, 3], batchNorm: true, init: { kind: 'he' } },
    totalSteps: 60,
    recordEvery: 30,
  };
  const plain = await train(o, data);
  for (const augmentation of [{ flip: true }, { translate: 2 }, { noise: 0.1 }, { noise: 0 }]) {
    const r = await train({ ...o, augmentation }, data);
    if (augmentation.noise === 0) assert.equal(r.fingerprint, plain.fingerprint, 'noise 0 is no augmentation');
    else assert.notEqual(r.fingerprint, plain.fingerprint, JSON.stringify(augmentation));
    assert.ok(r.final.train.accuracy > 0.6, `${JSON.stringify(augmentation)}: ${r.final.train.accuracy}`);
  }
});
