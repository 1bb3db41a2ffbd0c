// One process's engine results at its kernel level (NNLAB_KERNELS or the best the CPU supports),
// as JSON on stdout: gradient checks and the reference comparison (float64), and small trainings
// (float32 and float64, 1 and 2 threads, floats and pixels) with their fingerprints, final metrics
// and first-layer weights. Plain JavaScript on dist/ so that it starts quickly under qemu-user:
// levels.test.ts runs it at every level the host supports, qemu.test.ts under emulated CPUs
// (with the argument "quick": one gradient check and the trainings without "again").
import { blas, compareWithReference, gradientCheck, readModel, train } from '../../dist/engine/index.js';
import { pixelMap, preprocess, standardizeStats } from '../../dist/data/index.js';
import { generator, rawPixels } from './synthetic.js';

// D = 200: not a multiple of any vector width's rows of 32, so every kernel's tails run.
const D = 200;
const raw = [rawPixels(300, D, 5, 1), rawPixels(100, D, 5, 2)];
const spec = { kind: 'standardize', stats: standardizeStats(raw[0]) };
const map = pixelMap(spec, D);
const floats = raw.map((s) => ({ x: preprocess(s, spec), y: s.y, n: s.n, d: s.d }));
const pixels = floats.map((f, i) => ({ ...f, pixels: raw[i].x, ...map }));

const options = (over) => ({
  network: { sizes: [D, 30, 5], batchNorm: true, init: { kind: 'he' } },
  seed: 3,
  batchSize: 50,
  lambda: 0.01,
  totalSteps: 12,
  schedule: { kind: 'constant', eta: 0.05 },
  recordEvery: 6,
  threads: 1,
  ...over,
});

const trainings = {
  'float32, 1 thread': [options({}), floats],
  'float32, 1 thread, again': [options({}), floats],
  'float32, 2 threads, momentum': [options({ threads: 2, momentum: 0.9 }), floats],
  'float32, 2 threads, momentum, again': [options({ threads: 2, momentum: 0.9 }), floats],
  'float64, no BN': [
    options({ precision: 'float64', network: { sizes: [D, 30, 5], batchNorm: false, init: { kind: 'he' } } }),
    floats,
  ],
  'float32 on pixels': [options({}), pixels],
};

const quick = process.argv[2] === 'quick';
const out = { kernels: blas().kernels, gradients: {}, reference: {}, trainings: {} };
const small = (seed) => {
  const r = generator(seed);
  const x = new Float32Array(10 * 20).map(() => (r() + r() + r() - 1.5) * 2);
  const y = new Uint8Array(10).map(() => Math.floor(r() * 10));
  return { x, y, n: 10, d: 20 };
};
const nets = [
  ['2-layer', { sizes: [20, 50, 10], batchNorm: false, init: { kind: 'fan_in' } }],
  ['3-layer BN', { sizes: [20, 50, 50, 10], batchNorm: true, init: { kind: 'he' } }],
];
for (const [name, network] of quick ? nets.slice(0, 1) : nets) {
  const rows = await gradientCheck({ network, lambda: 0.01, seed: 1 }, small(3));
  out.gradients[name] = Math.max(...rows.map((r) => r.maxRel));
  const diffs = await compareWithReference({ network, lambda: 0.01, seed: 1 }, small(3));
  out.reference[name] = Math.max(...Object.values(diffs));
}
for (const [name, [o, [tr, va]]] of Object.entries(trainings)) {
  if (quick && name.endsWith('again')) continue;
  const r = await train(o, tr, va);
  out.trainings[name] = {
    kernel: r.kernel,
    kernelLevel: r.kernelLevel,
    fingerprint: r.fingerprint,
    trainLoss: r.final.train.loss,
    validationLoss: r.final.validation.loss,
    W1: Array.from(readModel(r.model).tensors.W1),
  };
}
process.stdout.write(JSON.stringify(out) + '\n');
