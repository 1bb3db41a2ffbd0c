// The one typed door to the native training engine (native/, built by node-gyp): types, argument
// validation (TypeError/RangeError naming the argument and its value), and the calls. Config rules
// across fields live in src/config; this module checks only what the engine itself needs.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { native, repoRoot, type NativeMetrics } from './native.ts';
export { blas, type BlasStatus } from './native.ts';
import { checkDataset, checkGradientCheck, checkTrainOptions, checkModel } from './validate.ts';
import { engineBytes, formatBytes } from './memory.ts';
import { EngineError } from '../errors.ts';
export { readModel, encodeModel, type Model } from './model.ts';

export type Precision = 'float32' | 'float64';
export type InitSpec = { kind: 'normal'; sigma: number } | { kind: 'fan_in' } | { kind: 'he' } | { kind: 'xavier' };

export interface NetworkSpec {
  /** [D, H1 … Hk−1, C] */
  sizes: number[];
  /** Batch normalization on every hidden layer, before the ReLU (hidden layers then carry γ, β and no bias). */
  batchNorm: boolean;
  /** Running statistics: avg ← α·avg + (1−α)·batch. Default 0.9. */
  bnAlpha?: number;
  init: InitSpec;
  /** Probability of dropping a hidden unit in training (inverted dropout). Default 0. */
  dropout?: number;
  loss?: 'cross_entropy' | 'svm';
}

export type ScheduleSpec =
  | { kind: 'constant'; eta: number }
  | { kind: 'step'; eta: number; factor: number; everyEpochs: number }
  | { kind: 'cyclic'; etaMin: number; etaMax: number; stepSize: number; policy?: 'triangular' | 'triangular2' | 'exp_range'; gamma?: number }
  | { kind: 'lr_range'; etaMin: number; etaMax: number; curve?: 'linear' | 'exponential' };

export interface Augmentation {
  /** σ of Gaussian noise added to each input value. */
  noise?: number;
  /** Random horizontal flip with probability 1/2. */
  flip?: boolean;
  /** Random shift by up to ±translate pixels in x and y. */
  translate?: number;
}

/** N rows of D values, row-major; labels 0 … C−1. Images are channel-planar 32×32×3 (CIFAR-10 layout). */
export interface Dataset {
  x: Float32Array;
  y: Uint8Array;
  n: number;
  d: number;
}

export type Metrics = NativeMetrics;

export interface CurvePoint {
  /** Update steps done. */
  step: number;
  epoch: number;
  /** η of the last update (of step 0 at the first point). */
  eta: number;
  train: Metrics;
  validation?: Metrics;
}

export interface TrainOptions {
  network: NetworkSpec;
  seed: number;
  batchSize: number;
  lambda: number;
  momentum?: number;
  precision?: Precision;
  totalSteps: number;
  shuffle?: boolean;
  augmentation?: Augmentation;
  schedule: ScheduleSpec;
  /** Record metrics after every recordEvery steps (and at step 0 and the last step). */
  recordEvery: number;
  /** Training samples evaluated at each record point (the first N; 0 = all). Default 10000. */
  recordSubset?: number;
  /** BLAS threads for this run. Default 1. */
  threads?: number;
}

export interface TrainProgress {
  step: number;
  totalSteps: number;
  eta: number;
  trainAccuracy: number;
  validationAccuracy?: number;
}

export interface TrainResult {
  /** NNLB bytes (native/model_format.h); readModel() reads them. */
  model: Uint8Array;
  curves: CurvePoint[];
  steps: number;
  diverged: null | { step: number; message: string };
  /** Whole-split metrics at the end (at the last record point when the run diverged). */
  final: { train: Metrics; validation?: Metrics };
  /** FNV-1a 64 of the model bytes: equal fingerprints, equal parameters. */
  fingerprint: string;
  seconds: number;
}

export interface GradCheckRow {
  tensor: string;
  maxRel: number;
  meanRel: number;
  maxAbs: number;
  /** Entries of the tensor. */
  count?: number;
  /** Entries not compared because a ReLU or hinge kink lies within ±h (the difference quotient straddles it). */
  kinks?: number;
}

export interface GradientCheckOptions {
  network: NetworkSpec;
  lambda: number;
  seed: number;
  /** Centred-difference step. Default 1e-5. */
  h?: number;
  /** Floor of the relative error's denominator, max(eps, |g_a| + |g_n|): below it an error is compared in absolute terms (an exactly-zero gradient, such as a hinge loss's bias entry where ±1/B cancel, leaves only rounding on the numerical side). Default 1e-6. */
  eps?: number;
}

/**
 * Changes whenever native/ changes: a hash of its sources. Trial hashes include it, so results
 * from another engine are never taken for this one's.
 */
export const ENGINE_VERSION = (() => {
  const dir = join(repoRoot, 'native');
  const h = createHash('sha256');
  for (const f of readdirSync(dir).sort()) h.update(f).update(readFileSync(join(dir, f)));
  return `1.0+${h.digest('hex').slice(0, 10)}`;
})();

/** The addon's allocation failure (native/addon.cpp, kOutOfMemory) as an EngineError saying what was asked for. */
function outOfMemory(err: unknown, asked: () => string): unknown {
  if (!(err instanceof Error) || !err.message.startsWith('ENOMEM')) return err;
  return new EngineError(`out of memory: the engine could not allocate ${asked()}`, 'ENOMEM');
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('training aborted', 'AbortError');
}

/** Trains a network off the JS thread; stops within one mini-batch when signal aborts. */
export async function train(
  options: TrainOptions,
  trainData: Dataset,
  validation?: Dataset,
  hooks: { signal?: AbortSignal; onProgress?: (p: TrainProgress) => void } = {},
): Promise<TrainResult> {
  checkTrainOptions(options);
  const classes = options.network.sizes[options.network.sizes.length - 1];
  checkDataset('train', trainData, options.network.sizes[0], classes);
  if (validation) checkDataset('validation', validation, options.network.sizes[0], classes);
  if (options.batchSize > trainData.n) throw new RangeError(`options.batchSize must be at most the training size (${trainData.n}); got ${options.batchSize}`);
  const aug = options.augmentation;
  if (aug && (aug.flip || (aug.translate ?? 0) > 0) && trainData.d !== 3072)
    throw new RangeError(`options.augmentation: flip and translate need 32×32×3 images (d = 3072); got d = ${trainData.d}`);
  const { signal, onProgress } = hooks;
  if (signal?.aborted) throw abortError(signal);
  const run = native().train(options, trainData, validation ?? null, onProgress);
  const onAbort = () => run.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const r = await run.promise;
    const last = r.curves[r.curves.length - 1];
    return { ...r, final: r.final ?? { train: last.train, ...(last.validation ? { validation: last.validation } : {}) } };
  } catch (err) {
    if (signal?.aborted) throw abortError(signal);
    throw outOfMemory(err, () => {
      const n = options.network;
      const bytes = engineBytes({
        sizes: n.sizes,
        batchNorm: n.batchNorm,
        dropout: n.dropout ?? 0,
        precision: options.precision ?? 'float32',
        momentum: options.momentum ?? 0,
        batchSize: options.batchSize,
        trainRows: trainData.n,
        evaluatedRows: Math.max(trainData.n, validation?.n ?? 0),
        augment: !!(aug && (aug.noise || aug.flip || aug.translate)),
      });
      return `about ${formatBytes(bytes.total)} for the network [${n.sizes.join(', ')}] (parameters ${formatBytes(bytes.parameters)}, gradients ${formatBytes(bytes.gradients)}, activations of a batch of ${options.batchSize} ${formatBytes(bytes.activations)})`;
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Loss, cost (with λ) and accuracy of a saved model on a split, in bounded memory. */
export async function evaluate(model: Uint8Array, data: Dataset, options: { lambda: number; threads?: number }): Promise<Metrics> {
  const m = checkModel(model);
  checkDataset('data', data, m.sizes[0], m.sizes[m.sizes.length - 1]);
  if (!(Number.isFinite(options.lambda) && options.lambda >= 0)) throw new RangeError(`options.lambda must be a finite number ≥ 0; got ${options.lambda}`);
  return native()
    .evaluate(model, data, options.lambda, options.threads ?? 1)
    .catch((err) => Promise.reject(outOfMemory(err, () => `the network [${m.sizes.join(', ')}] to evaluate ${data.n} rows`)));
}

/**
 * Analytic gradients against centred differences (float64, batch statistics, no dropout) on all
 * of `data` as one batch: per tensor, max and mean |g_a − g_n| / max(eps, |g_a| + |g_n|) and the
 * max |g_a − g_n| over the entries whose ±h step crosses no ReLU or hinge kink (those are counted
 * in `kinks`).
 */
export async function gradientCheck(options: GradientCheckOptions, data: Dataset): Promise<GradCheckRow[]> {
  checkGradientCheck(options);
  checkDataset('data', data, options.network.sizes[0], options.network.sizes[options.network.sizes.length - 1]);
  const rows = await native()
    .gradientCheck({ h: 1e-5, eps: 1e-6, ...options }, data)
    .catch((err) => Promise.reject(outOfMemory(err, () => `the network [${options.network.sizes.join(', ')}] for a gradient check`)));
  return rows.map(({ tensor, maxRel, meanRel, maxAbs, count, kinks }) => ({ tensor, maxRel, meanRel, maxAbs, count, kinks }));
}

/**
 * Largest |fast − reference| between the BLAS forward/backward (float64) and the plain-loop
 * reference (native/reference.cpp): cost, activations s_l and h_l, and every gradient dW_l … .
 */
export async function compareWithReference(options: { network: NetworkSpec; lambda: number; seed: number }, data: Dataset): Promise<Record<string, number>> {
  checkGradientCheck(options);
  checkDataset('data', data, options.network.sizes[0], options.network.sizes[options.network.sizes.length - 1]);
  return native().compareWithReference(options, data);
}

/** Seconds for `repeats` n×n×n float32 products with the engine's OpenBLAS (benchmarks). */
export function sgemmSeconds(n: number, threads: number, repeats: number): number {
  return native().sgemm(n, threads, repeats);
}
