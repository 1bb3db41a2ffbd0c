// Engine throughput, measured side by side in one run: for each network shape, precision and
// thread count, the time of one update step (forward, backward, SGD update) of the real
// engine.train, its GFLOP/s, and the ratio to a large sgemm measured in the same run with the same
// OpenBLAS; the same step in numpy (bench/numpy_step.py) and the physical floor (the step's FLOPs
// at the sgemm's rate); then the full assignment-3 run (9000 steps and its evaluations).
//   npm run bench                 readable table
//   npm run bench -- --json       one JSON object per line
//   npm run bench -- --quick      few steps: checks that everything runs, figures are rough
// Each configuration runs in its own child process, so peak RSS and the BLAS thread pool are its
// own. bench/README.md says how the figures are made and how to read them.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as engine from '../src/engine/index.ts';
import type { Split, Precision, TrainOptions } from '../src/engine/index.ts';
import { generator } from '../test/engine/fixtures.ts';
import { pixelMap, preprocess, standardizeStats } from '../src/data/index.ts';
import { cpuTicks } from './cpu-ticks.ts';
import { findNumpy, timeNumpyStep, type NumpyFound, type NumpyTiming } from './numpy-peer.ts';

interface Config {
  shape: number[];
  batchNorm: boolean;
  precision: Precision;
  threads: number;
  steps: number;
  /** Steps of the short run whose time is subtracted (0: none, seconds / steps of the long run). */
  shortSteps: number;
  repeats: number;
  /** Give the engine the uint8 pixels and their map, as nnlab run does (float32: the AMX path where there is one). */
  pixels: boolean;
}

interface Row {
  shape: string;
  batch_norm: boolean;
  precision: Precision;
  threads: number;
  /** Whether the engine had the pixels, and what took the first layer's products (TrainResult.kernel). */
  pixels: boolean;
  kernel: string;
  /** Steps timed: the long run's less the short run's. */
  steps: number;
  ms_per_step: number;
  samples_per_s: number;
  gflops: number;
  sgemm_gflops: number;
  ratio: number;
  /** Fixed cost of one engine.train run besides its steps (pool start, evaluations, model bytes). */
  run_overhead_ms: number | null;
  peak_rss_mb: number;
  /** The step's FLOPs at the sgemm's rate: no step of these products can be faster. */
  floor_ms_per_step?: number;
  /** The same step in numpy, each precision, same threads; speedup = its ms / this row's ms. */
  numpy_float32?: Peer;
  numpy_float64?: Peer;
}

type Peer = (NumpyTiming & { speedup: number }) | { skipped: string };

const BATCH = 100;
const SGEMM_N = 2048;
const LAMBDA = 0.005;
const SCHEDULE = { etaMin: 1e-5, etaMax: 1e-2, stepSize: 500 };
/**
 * The bench's synthetic training data for a shape: n images (2000) of uniform random pixels (seed 7),
 * standardized as nnlab run does; with their pixels and map when `pixels` (numpy gets the floats).
 */
function benchData(shape: number[], pixels = false, n = 20 * BATCH, seed = 7): Split {
  const [d, classes] = [shape[0], shape[shape.length - 1]];
  const r = generator(seed);
  const raw = { x: new Uint8Array(n * d), y: new Uint8Array(n), n, d, classes: [], fingerprint: '', files: [] };
  for (let i = 0; i < raw.x.length; i++) raw.x[i] = Math.floor(r() * 256);
  for (let i = 0; i < n; i++) raw.y[i] = Math.floor(r() * classes);
  const spec = { kind: 'standardize', stats: standardizeStats(raw) } as const;
  const x = preprocess(raw, spec);
  return pixels ? { x, y: raw.y, n, d, pixels: raw.x, ...pixelMap(spec, d) } : { x, y: raw.y, n, d };
}

/**
 * FLOPs of one update step: forward 2·B·Σ I·H; backward 2·B·Σ I·H for dW and 2·B·Σ_{l>1} I·H for
 * the gradient w.r.t. each layer's input (none for the first layer). Elementwise work is not counted.
 */
export function stepFlops(shape: number[], batch = BATCH): number {
  let all = 0;
  let first = 0;
  for (let l = 1; l < shape.length; l++) {
    const ih = shape[l - 1] * shape[l];
    all += ih;
    if (l === 1) first = ih;
  }
  return 2 * batch * all * 2 + 2 * batch * (all - first);
}

function options(c: Config, steps: number): TrainOptions {
  return {
    network: { sizes: c.shape, batchNorm: c.batchNorm, init: { kind: 'he' } },
    seed: 1,
    batchSize: BATCH,
    lambda: LAMBDA,
    precision: c.precision,
    totalSteps: steps,
    schedule: { kind: 'cyclic', ...SCHEDULE },
    recordEvery: steps,
    recordSubset: BATCH,
    threads: c.threads,
  };
}

/**
 * One configuration, in this process. Every engine.train run has a fixed cost besides its steps
 * (thread pool start, the metrics at step 0 and at the last step, the final pass over the 2000
 * training samples, the model's bytes): a few percent of a run of 600–1000 steps. So each repeat
 * times a short and a long run with the same fixed cost, and a step is the difference of their
 * medians over the difference of their step counts; run_overhead_ms reports what was taken out.
 */
async function measure(c: Config): Promise<Row> {
  const data = benchData(c.shape, c.pixels);
  const kernel = (await engine.train(options(c, 20), data)).kernel;
  const shortSeconds: number[] = [];
  const longSeconds: number[] = [];
  for (let r = 0; r < c.repeats; r++) {
    if (c.shortSteps > 0) shortSeconds.push((await engine.train(options(c, c.shortSteps), data)).seconds);
    longSeconds.push((await engine.train(options(c, c.steps), data)).seconds);
  }
  const short = c.shortSteps > 0 ? median(shortSeconds) : 0;
  const long = median(longSeconds);
  const s = (long - short) / (c.steps - c.shortSteps);
  if (!(s > 0))
    throw new Error(
      `timing disturbed: the ${c.steps}-step runs (median ${long} s) were not slower than the ${c.shortSteps}-step runs (${short} s)`,
    );
  // Before the sgemm: its three 2048² matrices (48 MB) are not the configuration's memory.
  const peakRss = process.resourceUsage().maxRSS / 1024;
  const sgemmRepeats = 5;
  engine.sgemmSeconds(SGEMM_N, c.threads, 1);
  const sgemm = (2 * SGEMM_N ** 3 * sgemmRepeats) / engine.sgemmSeconds(SGEMM_N, c.threads, sgemmRepeats) / 1e9;
  const gflops = stepFlops(c.shape) / s / 1e9;
  return {
    shape: c.shape.join('-'),
    batch_norm: c.batchNorm,
    precision: c.precision,
    threads: c.threads,
    pixels: c.pixels,
    kernel,
    steps: c.steps - c.shortSteps,
    ms_per_step: s * 1000,
    samples_per_s: BATCH / s,
    gflops,
    sgemm_gflops: sgemm,
    ratio: gflops / sgemm,
    run_overhead_ms: c.shortSteps > 0 ? (long - c.steps * s) * 1000 : null,
    peak_rss_mb: peakRss,
  };
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/**
 * A CIFAR-10 folder: the user's data home if CIFAR-10 is installed there, else the shared copy
 * (../shared/datasets) installed where the tests install it; null when neither exists.
 */
async function cifarRoot(): Promise<string | null> {
  const { existsSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join, resolve } = await import('node:path');
  const { fetchDataset, missingFiles, sourceRoot } = await import('../src/data/index.ts');
  const own = sourceRoot('cifar10');
  if (missingFiles('cifar10', own).length === 0) return own;
  const archive = resolve(
    fileURLToPath(import.meta.url),
    '..',
    '..',
    '..',
    'shared',
    'datasets',
    'cifar-10-binary-jpeg75.tar.gz',
  );
  if (!existsSync(archive)) return null;
  const root = join(tmpdir(), 'nnlab-test-data', 'cifar10');
  if (missingFiles('cifar10', root).length > 0) await fetchDataset('cifar10', { from: archive, root });
  return root;
}

/** The full assignment-3 run: [3072, 50, 50, 10] BN, 45000/5000, n_s = 2250, two cycles, 2 threads. */
async function fullRun(quick: boolean): Promise<Record<string, unknown>> {
  const steps = quick ? 900 : 9000;
  let train: Split;
  let validation: Split;
  let data = 'synthetic (../shared/datasets absent)';
  const root = await cifarRoot();
  if (root) {
    const { loadParts, sliceSplit } = await import('../src/data/index.ts');
    const all = await loadParts(
      'cifar10',
      ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5'],
      { root },
    );
    const tr = sliceSplit(all, 0, 45000);
    const va = sliceSplit(all, 45000, 50000);
    const spec = { kind: 'standardize', stats: standardizeStats(tr) } as const;
    // With the pixels and their map, as nnlab run gives them (the AMX path where there is one).
    const map = pixelMap(spec, tr.d);
    train = { x: preprocess(tr, spec), y: tr.y, n: tr.n, d: tr.d, pixels: tr.x, ...map };
    validation = { x: preprocess(va, spec), y: va.y, n: va.n, d: va.d, pixels: va.x, ...map };
    data = `CIFAR-10 (${root})`;
  } else {
    train = benchData([3072, 10], true, 45000, 1);
    validation = benchData([3072, 10], true, 5000, 2);
  }
  const out = await engine.train(
    {
      network: { sizes: [3072, 50, 50, 10], batchNorm: true, init: { kind: 'he' } },
      seed: 1,
      batchSize: 100,
      lambda: 0.005,
      totalSteps: steps,
      schedule: { kind: 'cyclic', etaMin: 1e-5, etaMax: 1e-1, stepSize: 2250 },
      recordEvery: 450,
      recordSubset: 10000,
      threads: 2,
    },
    train,
    validation,
  );
  return {
    check: 'full-run',
    shape: '3072-50-50-10',
    batch_norm: true,
    steps,
    record_points: out.curves.length,
    data,
    kernel: out.kernel,
    seconds: out.seconds,
    validation_accuracy: out.final.validation?.accuracy,
    peak_rss_mb: process.resourceUsage().maxRSS / 1024,
  };
}

/** What other processes took while we ran: CPU-seconds and share of all CPUs' time. */
function disturbance(
  start: ReturnType<typeof cpuTicks>,
  wallSeconds: number,
): { other_cpu_seconds: number; other_cpu_share: number } | null {
  const end = cpuTicks();
  if (!start || !end || end.total <= start.total) return null;
  const share = Math.max(0, end.busy - start.busy - (end.ours - start.ours)) / (end.total - start.total);
  return { other_cpu_seconds: share * cpus().length * wallSeconds, other_cpu_share: share };
}

function child(args: string[]): string {
  const r = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`bench child ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout.trim();
}

const pad = (s: string, n: number) => s.padEnd(n);
const num = (v: number, digits: number, n: number) => v.toFixed(digits).padStart(n);

/** numpy's step for one configuration, or why it was skipped (numpy missing, or the script failed). */
function numpyPeer(
  numpy: NumpyFound,
  s: { shape: number[]; batchNorm: boolean },
  precision: Precision,
  threads: number,
  quick: boolean,
): Peer {
  if (!numpy.found) return { skipped: numpy.reason };
  try {
    // Fewer steps than the engine's: numpy has no per-run fixed cost to take out, and is slower.
    const steps = quick ? 20 : 200;
    return {
      ...timeNumpyStep(
        {
          shape: s.shape,
          batchNorm: s.batchNorm,
          precision,
          threads,
          batch: BATCH,
          lambda: LAMBDA,
          schedule: SCHEDULE,
          steps,
          repeats: quick ? 3 : 5,
        },
        benchData(s.shape),
      ),
      speedup: NaN,
    };
  } catch (err) {
    return { skipped: `numpy_step.py failed: ${(err as Error).message.split('\n').slice(0, 3).join(' ')}` };
  }
}

/** The second table: the engine against numpy at each precision, and the floor, per shape and threads. */
function printPeers(rows: Row[], numpy: NumpyFound): void {
  const any = rows
    .map((r) => r.numpy_float32)
    .find((p): p is NumpyTiming & { speedup: number } => !!p && !('skipped' in p));
  console.log(
    numpy.found && any
      ? `\nthe same step in numpy ${any.numpy} (${any.blas.split(/\s+/).slice(0, 2).join(' ')}${any.blas_core ? `, core ${any.blas_core}` : ''}), same data, batch and threads; speed-up = numpy's time / nnlab's`
      : `\nnumpy peer skipped: ${numpy.found ? ('skipped' in rows[0].numpy_float32! ? rows[0].numpy_float32.skipped : '') : numpy.reason}`,
  );
  console.log(
    "floor = the step's FLOPs at the float32 sgemm's rate; nnlab f32 = with the pixels, as nnlab run (its kernel in the first table); f32 vector = floats only (the vector kernels)\n",
  );
  console.log(
    `${pad('shape', 36)}threads  floor ms  nnlab f32 ms  numpy f32 ms  speed-up  f32 vector ms  speed-up  nnlab f64 ms  numpy f64 ms  speed-up`,
  );
  const cell = (p: Peer | undefined, digits: number, n: number, f: (p: NumpyTiming & { speedup: number }) => number) =>
    !p || 'skipped' in p ? '—'.padStart(n) : num(f(p), digits, n);
  for (const threads of [1, 2])
    for (const shape of [...new Set(rows.map((r) => r.shape))]) {
      const pick = (precision: Precision, pixels: boolean) =>
        rows.find(
          (r) => r.shape === shape && r.threads === threads && r.precision === precision && r.pixels === pixels,
        )!;
      const f32 = pick('float32', true);
      const vec = pick('float32', false);
      const vecSpeedup = (p: NumpyTiming & { speedup: number }) => p.ms_per_step / vec.ms_per_step;
      const f64 = pick('float64', false);
      console.log(
        `${pad(`${shape}${f32.batch_norm ? ' BN' : ''}`, 36)}${num(threads, 0, 7)}${num(f32.floor_ms_per_step!, 3, 10)}${num(f32.ms_per_step, 3, 14)}${cell(f32.numpy_float32, 3, 14, (p) => p.ms_per_step)}${cell(f32.numpy_float32, 2, 9, (p) => p.speedup)}×${num(vec.ms_per_step, 3, 15)}${cell(f32.numpy_float32, 2, 9, vecSpeedup)}×${num(f64.ms_per_step, 3, 13)}${cell(f64.numpy_float64, 3, 14, (p) => p.ms_per_step)}${cell(f64.numpy_float64, 2, 9, (p) => p.speedup)}×`,
      );
    }
}

async function main(argv: string[]): Promise<void> {
  const one = argv.indexOf('--one');
  if (one >= 0) {
    console.log(JSON.stringify(await measure(JSON.parse(argv[one + 1]) as Config)));
    return;
  }
  const quick = argv.includes('--quick');
  if (argv.includes('--full-run')) {
    console.log(JSON.stringify(await fullRun(quick)));
    return;
  }
  const json = argv.includes('--json');
  // The BLAS as every configuration's child process loads it (each chooses its core alike).
  const blas = engine.blas();
  const machine = {
    check: 'machine',
    cpu_model: cpus()[0]?.model ?? 'unknown CPU',
    cpus: cpus().length,
    node: process.version,
    blas_library: blas.library,
    blas_version: blas.version,
    blas_core: blas.core,
    blas_core_reason: blas.choice.reason,
    // The kernel level every child runs (native/dispatch.h; NNLAB_KERNELS=… npm run bench forces one).
    kernel_level: blas.kernels.level,
    load_avg_1m_start: loadavg()[0],
  };
  const numpy = findNumpy();
  const ticks = cpuTicks();
  const t0 = performance.now();
  if (json)
    console.log(
      JSON.stringify({
        ...machine,
        numpy: numpy.found ? numpy.numpy : null,
        numpy_missing: numpy.found ? null : numpy.reason,
      }),
    );
  const shapes: { shape: number[]; batchNorm: boolean; steps: number }[] = [
    { shape: [3072, 50, 10], batchNorm: false, steps: 1000 },
    { shape: [3072, 50, 50, 10], batchNorm: true, steps: 800 },
    { shape: [3072, 50, 30, 20, 20, 10, 10, 10, 10, 10], batchNorm: true, steps: 600 },
  ];
  const rows: Row[] = [];
  if (!json) {
    console.log(
      `${machine.cpu_model}, ${machine.cpus} CPUs; OpenBLAS ${blas.version}, ${blas.core} kernels (${blas.choice.reason}); kernel level ${machine.kernel_level}; load average (1 min) at the start ${machine.load_avg_1m_start.toFixed(2)}`,
    );
    console.log(
      quick
        ? `update step at batch ${BATCH}: 3 runs of 100 steps, seconds / steps (--quick: rough figures, run overhead included)`
        : `update step at batch ${BATCH}: (median of 5 long runs − median of 5 runs a tenth as long) / the steps between`,
    );
    console.log(`GFLOP/s against a ${SGEMM_N}³ sgemm with the same threads, same OpenBLAS, same run\n`);
    console.log(
      `${pad('shape', 36)}${pad('precision', 10)}${pad('kernel', 12)}threads  ms/step  samples/s  GFLOP/s  sgemm GFLOP/s  ratio  peak RSS MB`,
    );
  }
  for (const s of shapes) {
    const shapeRows: Row[] = [];
    const peers = new Map<string, Peer>();
    // float32 twice: with the pixels (as nnlab run: the AMX path where the CPU has one) and with
    // floats only (the vector kernels); float64 always takes the vector kernels.
    const variants: [Precision, boolean][] = [
      ['float32', true],
      ['float32', false],
      ['float64', false],
    ];
    for (const [precision, pixels] of variants)
      for (const threads of [1, 2]) {
        // --quick: no short run (its figures include the run's fixed cost): 100 steps are too few
        // for the difference of two runs to rise above the 2-thread runs' jitter.
        const config: Config = quick
          ? { ...s, precision, threads, pixels, steps: 100, shortSteps: 0, repeats: 3 }
          : { ...s, precision, threads, pixels, shortSteps: s.steps / 10, repeats: 5 };
        const row = JSON.parse(child(['--one', JSON.stringify(config)])) as Row;
        row.floor_ms_per_step = (stepFlops(s.shape) / (row.sgemm_gflops * 1e9)) * 1000;
        shapeRows.push(row);
        // numpy right after the engine with the same precision and threads, on the same data.
        if (!peers.has(`${precision}/${threads}`))
          peers.set(`${precision}/${threads}`, numpyPeer(numpy, s, precision, threads, quick));
        if (!json)
          console.log(
            `${pad(`${row.shape}${row.batch_norm ? ' BN' : ''}`, 36)}${pad(precision, 10)}${pad(row.kernel, 12)}${num(threads, 0, 7)}${num(row.ms_per_step, 3, 9)}${num(row.samples_per_s, 0, 11)}${num(row.gflops, 1, 9)}${num(row.sgemm_gflops, 1, 15)}${num(row.ratio * 100, 0, 6)}%${num(row.peak_rss_mb, 0, 13)}`,
          );
      }
    for (const row of shapeRows) {
      for (const p of ['float32', 'float64'] as Precision[]) {
        const peer = peers.get(`${p}/${row.threads}`)!;
        row[`numpy_${p}`] = 'skipped' in peer ? peer : { ...peer, speedup: peer.ms_per_step / row.ms_per_step };
      }
      rows.push(row);
      if (json) console.log(JSON.stringify(row));
    }
  }
  // The step nnlab run takes: float32 with the pixels.
  const step = (threads: number) =>
    rows.find((r) => r.shape === '3072-50-10' && r.precision === 'float32' && r.pixels && r.threads === threads)!;
  const full = JSON.parse(child(['--full-run', ...(quick ? ['--quick'] : [])])) as {
    seconds: number;
    steps: number;
    data: string;
    validation_accuracy: number;
    record_points: number;
    kernel: string;
  };
  // The step's share of the sgemm: ≥ 55% on 1 and 2 threads (issue #9), ≥ 60% on 2 (issue #2).
  const sgemmTargets = [
    { threads: 1, target: 0.55 },
    { threads: 2, target: 0.6 },
  ].map(({ threads, target }) => {
    const r = step(threads);
    return {
      check: 'step-vs-sgemm',
      shape: r.shape,
      precision: 'float32',
      kernel: r.kernel,
      threads,
      ms_per_step: r.ms_per_step,
      gflops: r.gflops,
      sgemm_gflops: r.sgemm_gflops,
      ratio: r.ratio,
      target,
      met: quick ? null : r.ratio >= target,
    };
  });
  const peer2 = step(2).numpy_float32!;
  const numpyTarget = {
    check: 'step-vs-numpy',
    shape: '3072-50-10',
    precision: 'float32',
    kernel: step(2).kernel,
    threads: 2,
    ms_per_step: step(2).ms_per_step,
    numpy_ms_per_step: 'skipped' in peer2 ? null : peer2.ms_per_step,
    speedup: 'skipped' in peer2 ? null : peer2.speedup,
    target: 2.5,
    met: quick || 'skipped' in peer2 ? null : peer2.speedup >= 2.5,
    ...('skipped' in peer2 ? { skipped: peer2.skipped } : {}),
  };
  const runTarget = { ...full, target_seconds: 10, met: quick ? null : full.seconds < 10 };
  const wall = (performance.now() - t0) / 1000;
  const other = disturbance(ticks, wall);
  const loadEnd = {
    check: 'load',
    wall_seconds: wall,
    load_avg_1m_end: loadavg()[0],
    other_cpu_seconds: other?.other_cpu_seconds ?? null,
    other_cpu_share: other?.other_cpu_share ?? null,
  };
  if (json) {
    for (const t of [...sgemmTargets, numpyTarget, runTarget]) console.log(JSON.stringify(t));
    console.log(JSON.stringify(loadEnd));
    return;
  }
  printPeers(rows, numpy);
  const verdict = (met: boolean | null) => (quick ? 'not judged (--quick)' : met ? 'met' : 'NOT met');
  console.log('');
  for (const t of sgemmTargets)
    console.log(
      `target: 3072-50-10 float32 step (${t.kernel}) on ${t.threads} thread${t.threads > 1 ? 's' : ''} at ≥ ${Math.round(t.target * 100)}% of sgemm: ${(t.ratio * 100).toFixed(0)}% → ${verdict(t.met)}`,
    );
  console.log(
    `target: 3072-50-10 float32 step (${numpyTarget.kernel}) on 2 threads ≥ 2.5× faster than numpy float32: ${numpyTarget.speedup === null ? `not judged (numpy skipped: ${numpyTarget.skipped})` : `${numpyTarget.speedup.toFixed(2)}× → ${verdict(numpyTarget.met)}`}`,
  );
  console.log(
    `target: two-cycle 3-layer BN run (${full.steps} steps, ${full.record_points} record points, 45000/5000, 2 threads, ${full.kernel}) under 10 s: ${full.seconds.toFixed(2)} s on ${full.data}${quick ? ' (--quick: 900 steps only)' : ` → ${runTarget.met ? 'met' : 'NOT met'}`}; validation accuracy ${(full.validation_accuracy * 100).toFixed(2)}%`,
  );
  const others = other
    ? `other processes took ${other.other_cpu_seconds.toFixed(1)} CPU-seconds (${(other.other_cpu_share * 100).toFixed(1)}% of all CPUs' time)`
    : 'what other processes took is unknown (no /proc)';
  console.log(
    `\nduring the ${wall.toFixed(0)} s of this benchmark ${others}; load average (1 min) at the end ${loadEnd.load_avg_1m_end.toFixed(2)}`,
  );
}

await main(process.argv.slice(2));
