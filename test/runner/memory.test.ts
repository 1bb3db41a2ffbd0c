// The memory estimate of a trial (src/engine/memory.ts, src/runner/memory.ts): the engine's buffers
// counted by hand for one network, the AMX buffers only where the first layer runs on AMX (the
// kernel the estimate names is the one the engine runs, with NNLAB_AMX=off too), the figure and the
// kernel in --dry-run, a trial too large for the machine refused before any training, the engine's
// allocation failure as a clear EngineError, and the estimate against the measured peak RSS of real trials.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { engineBytes, formatBytes } from '../../src/engine/memory.ts';
import * as engine from '../../src/engine/index.ts';
import { EngineError } from '../../src/errors.ts';
import { override, resolveExperiment } from '../../src/config/resolve.ts';
import { planTrials, type TrainTrial } from '../../src/config/expand.ts';
import type { TrialConfig } from '../../src/config/resolve.ts';
import { describeMemory, trialMemory } from '../../src/runner/memory.ts';
import { AMX_KERNEL, firstLayerEngine, firstLayerKernel } from '../../src/engine/first-layer.ts';
import { DEBIAN_FASHION_MNIST } from '../../src/data/sources.ts';
import { repoRoot, tempDir } from '../data/fixtures.ts';

const BIN = join(repoRoot, 'bin', 'nnlab.js');
const QUICKSTART = join(repoRoot, 'experiments', 'quickstart.yaml');
const nnlab = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, [BIN, ...args], { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, ...env } });
// This process's first-layer kernels, and what an engine that may not use AMX reports (a CPU
// without AMX tiles, or NNLAB_AMX=off): the vector kernel for every trial.
const here = firstLayerEngine();
const noAmx = { ...here, amxGranted: false };
const VECTOR = here.vectorKernel;
const fashion = existsSync(DEBIAN_FASHION_MNIST)
  ? false
  : `${DEBIAN_FASHION_MNIST} is absent (Debian's dataset-fashion-mnist)`;

/** A training trial of config `c`, as planTrials makes them. */
const asTrial = (c: TrialConfig): TrainTrial => ({
  kind: 'train',
  id: 'x',
  hash: 'x',
  role: 'variant',
  variant: 'x',
  group: 'x',
  repeat: 1,
  repeats: 1,
  config: c,
});

/** Quickstart's no-bn variant with `set` over it, for 3 constant-η steps. */
function shortTrial(set: Record<string, unknown>): TrainTrial {
  const c = override(resolveExperiment(QUICKSTART).variants[0].config, set);
  c.schedule.kind = 'constant';
  delete c.training.cycles;
  delete c.record.per_cycle;
  c.training.steps = 3;
  return asTrial(c);
}

/** measure-trial.ts in a child with `env` over this environment: its peak RSS, the kernel that ran, the one predicted there. */
function measure(trial: TrainTrial, env: Record<string, string> = {}) {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'measure-trial.ts'), JSON.stringify(trial)],
    { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1', ...env } },
  );
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { maxRSS: number; kernel: string; predicted: string };
}

test('the engine buffers of [784, 50, 10], batch 100, float32, counted by hand', () => {
  const shape = {
    sizes: [784, 50, 10],
    batchNorm: false,
    dropout: 0,
    precision: 'float32',
    momentum: 0,
    batchSize: 100,
    trainRows: 15000,
    evaluatedRows: 15000,
    augment: false,
    kernel: AMX_KERNEL,
  } as const;
  const b = engineBytes({ ...shape, sizes: [...shape.sizes] });
  const params = 50 * 784 + 50 + 10 * 50 + 10; // W1 b1 W2 b2
  assert.equal(b.parameters, params * 4);
  assert.equal(b.gradients, params * 4);
  assert.equal(b.momentum, 0);
  // s1, h1 (100×50), s2 (100×10), probs (100×10), d0 and d1 (100×50 each), the batch (100×784) and its labels.
  assert.equal(b.activations, (2 * 5000 + 1000 + 1000 + 2 * 5000 + 78400) * 4 + 100);
  assert.equal(b.evaluation, 2 * 1000 * 50 * 4); // two (1000, 50) chunk buffers
  assert.equal(b.other, 8 * 15000 + params * 4); // shuffle order, saved model
  // native/amx.h, D = 784 padded to 800, 4 tiles of units, the batch padded to 112 rows (P) and 128 (Q, δ):
  // W·scale's 3 packed parts, P, Q, δ's 3 parts, δᵀ, the centred shift, Σ W·c of 2 threads, row pointers.
  const amx = 3 * 4 * 25 * 256 * 4 + 112 * 800 * 2 + 64 * 800 * 4 + 3 * 4 * 4 * 16 * 32 * 2 + 50 * 128 * 4;
  assert.equal(b.firstLayer, amx + 4 * 784 + 8 * 50 + 8 * 200);
  // The same run on the vector kernels has no AMX buffers, and nothing else changes.
  const v = engineBytes({ ...shape, sizes: [...shape.sizes], kernel: 'avx512' });
  assert.equal(v.firstLayer, 0);
  assert.equal(v.total, b.total - b.firstLayer);
  // Momentum, batch norm and float64 add the velocity arena, BN buffers and statistics, 8-byte values.
  const m = engineBytes({
    sizes: [784, 50, 10],
    batchNorm: true,
    dropout: 0,
    precision: 'float64',
    momentum: 0.9,
    batchSize: 100,
    trainRows: 15000,
    evaluatedRows: 15000,
    augment: false,
    kernel: 'avx512',
  });
  const bnParams = 50 * 784 + 2 * 50 + 10 * 50 + 10;
  assert.equal(m.parameters, (bnParams + 2 * 50) * 8);
  assert.equal(m.momentum, bnParams * 8);
  assert.equal(m.firstLayer, 0);
  assert.equal(formatBytes(1_398_820), '1.4 MB');
  assert.equal(formatBytes(40.3e9), '40.3 GB');
});

for (const [what, env, firstLayer] of [
  ['this environment', {}, here],
  ['NNLAB_AMX=off, as on a CPU without AMX', { NNLAB_AMX: 'off' }, noAmx],
] as const)
  test(`--dry-run shows each trial's first-layer kernel, memory and the limit (${what})`, () => {
    // quickstart trains float32 without augmentation; assignment2-bonus flips some of its images.
    for (const file of [QUICKSTART, join(repoRoot, 'experiments', 'assignment2-bonus.yaml')]) {
      const r = nnlab(['run', file, '--dry-run'], { NNLAB_RUNS: tempDir('nnlab-memory-runs-'), ...env });
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.split('\n');
      assert.equal(
        lines[1],
        `memory: each trial's estimated peak; the limit is this machine's memory, ${formatBytes(totalmem())}`,
      );
      const plan = planTrials(resolveExperiment(file), { engineVersion: engine.ENGINE_VERSION, dataFingerprint: 'x' });
      const kernels = new Set<string>();
      for (const t of plan.trials) {
        const m = trialMemory(t, firstLayer);
        if (m.kernel) kernels.add(m.kernel);
        const tail = `${m.kernel ? `first-layer kernel ${m.kernel}, ` : ''}memory ${describeMemory(m)}`;
        assert.ok(
          lines.some((l) => l.includes(`  ${t.id} `) && l.endsWith(tail)),
          `${t.id}: no line ending "${tail}" in\n${r.stdout}`,
        );
      }
      if (!firstLayer.amxGranted) {
        assert.deepEqual([...kernels], [VECTOR]);
        assert.doesNotMatch(r.stdout, /AMX|amx/);
      } else if (file === QUICKSTART) assert.deepEqual([...kernels], [AMX_KERNEL]);
      else
        assert.deepEqual(
          [...kernels].sort(),
          [AMX_KERNEL, VECTOR].sort(),
          'the flipped trials run on the vector kernel',
        );
    }
  });

test('a trial larger than the machine is refused before anything trains, with the figure and the limit', () => {
  const runs = tempDir('nnlab-memory-runs-');
  const set = 'model.hidden=[100000, 100000]';
  const r = nnlab(['run', QUICKSTART, '--set', set, '--no-report'], { NNLAB_RUNS: runs });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  const big = planTrials(resolveExperiment(QUICKSTART, { set: [set] }), {
    engineVersion: 'x',
    dataFingerprint: 'x',
  }).trials.find((t) => t.id === 'variant/bn')!;
  assert.ok(
    r.stderr.includes(
      `--set model.hidden=[100000, 100000]:1:1: trial variant/bn needs about ${describeMemory(trialMemory(big))}, more than this machine's memory (${formatBytes(totalmem())}); use fewer or narrower hidden layers, a smaller batch or fewer images`,
    ),
    r.stderr,
  );
  // The figure itself, on the vector kernels (the AMX buffers would add a few MB).
  assert.equal(
    describeMemory(trialMemory(big, noAmx)),
    '122 GB (parameters 40.3 GB, gradients 40.3 GB, activations 1.2 GB, saved model and shuffle order 40.3 GB, data 165 MB)',
  );
  assert.deepEqual(
    existsSync(join(runs, 'quickstart', 'trials')) ? readdirSync(join(runs, 'quickstart', 'trials')) : [],
    [],
    'no trial was started',
  );
});

const overcommit = existsSync('/proc/sys/vm/overcommit_memory')
  ? readFileSync('/proc/sys/vm/overcommit_memory', 'utf8').trim()
  : 'unknown';
test(
  "the engine's allocation failure is an EngineError naming the size asked for",
  {
    skip:
      overcommit !== '0' && overcommit !== '2'
        ? `vm.overcommit_memory is ${overcommit}: a huge allocation might succeed and be touched`
        : false,
  },
  async () => {
    // W2 alone is 8× the machine's memory: malloc refuses it at once (no page is touched).
    const H = Math.ceil(Math.sqrt((8 * totalmem()) / 4));
    const x = new Float32Array(20 * 10);
    const y = new Uint8Array(20).map((_, i) => i % 2);
    const opts = {
      network: { sizes: [10, H, H, 2], batchNorm: false, init: { kind: 'he' as const } },
      seed: 1,
      batchSize: 10,
      lambda: 0,
      totalSteps: 1,
      schedule: { kind: 'constant' as const, eta: 0.01 },
      recordEvery: 1,
    };
    const b = engineBytes({
      sizes: [10, H, H, 2],
      batchNorm: false,
      dropout: 0,
      precision: 'float32',
      momentum: 0,
      batchSize: 10,
      trainRows: 20,
      evaluatedRows: 20,
      augment: false,
      kernel: VECTOR, // floats without their pixels
    });
    await assert.rejects(engine.train(opts, { x, y, n: 20, d: 10 }), (err: unknown) => {
      assert.ok(err instanceof EngineError);
      assert.equal(err.code, 'ENOMEM');
      assert.equal(
        err.message,
        `out of memory: the engine could not allocate about ${formatBytes(b.total)} for the network [10, ${H}, ${H}, 2] (parameters ${formatBytes(b.parameters)}, gradients ${formatBytes(b.gradients)}, activations of a batch of 10 ${formatBytes(b.activations)})`,
      );
      return true;
    });
  },
);

test(
  'the estimate against the peak RSS of real trials (Fashion-MNIST, 3 steps)',
  { skip: fashion, timeout: 120_000 },
  () => {
    for (const set of [
      { 'model.hidden': [10], 'dataset.subsample': 100, 'training.batch_size': 10 },
      { 'model.hidden': [2000, 2000], 'training.batch_size': 500 },
    ]) {
      const trial = shortTrial(set);
      const estimate = trialMemory(trial).total;
      const measured = measure(trial).maxRSS;
      const error = estimate / measured - 1;
      console.log(
        `${JSON.stringify(set)}: estimate ${formatBytes(estimate)}, peak RSS ${formatBytes(measured)}, error ${(error * 100).toFixed(1)} %`,
      );
      assert.ok(Math.abs(error) < 0.2, `estimate ${formatBytes(estimate)} vs measured ${formatBytes(measured)}`);
    }
  },
);

// The estimate's kernel is the one the engine runs: real trials through the runner's own data path,
// in children with this environment and with NNLAB_AMX=off (what a CPU without AMX sees).
test(
  'the kernel the estimate counts is the one the engine runs (float32, augmented, float64; NNLAB_AMX on and off)',
  { skip: fashion, timeout: 120_000 },
  () => {
    const base = { 'model.hidden': [10], 'dataset.subsample': 100, 'training.batch_size': 10 };
    for (const [name, set, amx] of [
      ['float32', base, true],
      ['float32 with noise', { ...base, 'training.augmentation.noise': 0.1 }, false],
      ['float64', { ...base, 'training.precision': 'float64' }, false],
    ] as const) {
      const trial = shortTrial(set);
      const on = measure(trial);
      assert.equal(on.predicted, on.kernel, name);
      assert.equal(trialMemory(trial).kernel, on.kernel, `${name}: this process predicts the child's kernel`);
      assert.equal(on.kernel, amx && here.amxGranted ? AMX_KERNEL : VECTOR, name);
      const off = measure(trial, { NNLAB_AMX: 'off' });
      assert.deepEqual(off, { ...off, kernel: VECTOR, predicted: VECTOR }, `${name}, NNLAB_AMX=off`);
      assert.equal(trialMemory(trial, noAmx).kernel, VECTOR);
    }
    // Where the engine may use AMX, the estimate counts its buffers for float32 and not with AMX off.
    const plain = shortTrial(base);
    const delta = trialMemory(plain).total - trialMemory(plain, noAmx).total;
    assert.equal(delta, here.amxGranted ? trialMemory(plain).engine!.firstLayer : 0);
    if (here.amxGranted) assert.ok(delta > 0);
    assert.equal(firstLayerKernel({ precision: 'float32', augment: false, pixels: false }, here), VECTOR, 'no pixels');
  },
);
