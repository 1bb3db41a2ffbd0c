// The one typed door to the native training engine (native/, built by node-gyp): argument
// validation (TypeError/RangeError naming the argument and its value), options completed from
// ENGINE_DEFAULTS (defaults.ts), and the calls. Its types are in types.ts; config rules across
// fields live in src/config, and this module checks only what the engine itself needs.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { native, repoRoot } from './native.ts';
import { checkSplit, checkGradientCheck, checkTrainOptions, checkModel } from './validate.ts';
import { completeGradientCheck, completeNetwork, completeTrainOptions, ENGINE_DEFAULTS } from './defaults.ts';
import { engineBytes, formatBytes } from './memory.ts';
import { firstLayerKernel } from './first-layer.ts';
import { EngineError } from '../errors.ts';
import type {
  EvaluateOptions,
  GradCheckRow,
  GradientCheckOptions,
  Metrics,
  NetworkSpec,
  Split,
  TrainOptions,
  TrainProgress,
  TrainResult,
} from './types.ts';
export type * from './types.ts';
export { blas, type BlasStatus, type KernelLevel, type KernelStatus, KERNEL_LEVELS } from './native.ts';
export { readModel, encodeModel } from './model.ts';
export { ENGINE_DEFAULTS } from './defaults.ts';

/** Loads the engine; refuses (UsageError, one line) a forced kernel level this CPU lacks. */
export function loadEngine(): void {
  native();
}

/**
 * Changes whenever native/ changes: a hash of its sources. Trial hashes include it, so results
 * from another engine are never taken for this one's. The number before the + counts changes
 * outside native/ that change what a trial computes: 1.1, a dimension constant over the training
 * images standardizes to 0 (src/data/preprocess.ts).
 */
export const ENGINE_VERSION = (() => {
  const dir = join(repoRoot, 'native');
  const h = createHash('sha256');
  for (const f of readdirSync(dir).sort()) h.update(f).update(readFileSync(join(dir, f)));
  return `1.1+${h.digest('hex').slice(0, 10)}`;
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
  trainData: Split,
  validation?: Split,
  hooks: { signal?: AbortSignal; onProgress?: (p: TrainProgress) => void } = {},
): Promise<TrainResult> {
  checkTrainOptions(options);
  const o = completeTrainOptions(options);
  const classes = o.network.sizes[o.network.sizes.length - 1];
  checkSplit('train', trainData, o.network.sizes[0], classes);
  if (validation) checkSplit('validation', validation, o.network.sizes[0], classes);
  if (o.batchSize > trainData.n)
    throw new RangeError(`options.batchSize must be at most the training size (${trainData.n}); got ${o.batchSize}`);
  const aug = o.augmentation;
  if ((aug.flip || aug.translate > 0) && trainData.d !== 3072)
    throw new RangeError(
      `options.augmentation: flip and translate need 32×32×3 images (d = 3072); got d = ${trainData.d}`,
    );
  const { signal, onProgress } = hooks;
  if (signal?.aborted) throw abortError(signal);
  const run = native().train(o, trainData, validation ?? null, onProgress);
  const onAbort = () => run.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const r = await run.promise;
    const last = r.curves[r.curves.length - 1];
    return {
      ...r,
      final: r.final ?? { train: last.train, ...(last.validation ? { validation: last.validation } : {}) },
    };
  } catch (err) {
    if (signal?.aborted) throw abortError(signal);
    throw outOfMemory(err, () => {
      const n = o.network;
      const augment = !!(aug.noise || aug.flip || aug.translate);
      const bytes = engineBytes({
        sizes: n.sizes,
        batchNorm: n.batchNorm,
        dropout: n.dropout,
        precision: o.precision,
        momentum: o.momentum,
        batchSize: o.batchSize,
        trainRows: trainData.n,
        evaluatedRows: Math.max(trainData.n, validation?.n ?? 0),
        augment,
        kernel: firstLayerKernel({ precision: o.precision, augment, pixels: trainData.pixels !== undefined }),
      });
      return `about ${formatBytes(bytes.total)} for the network [${n.sizes.join(', ')}] (parameters ${formatBytes(bytes.parameters)}, gradients ${formatBytes(bytes.gradients)}, activations of a batch of ${o.batchSize} ${formatBytes(bytes.activations)})`;
    });
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Loss, cost (with λ) and accuracy of a saved model on a split, in bounded memory. */
export async function evaluate(model: Uint8Array, data: Split, options: EvaluateOptions): Promise<Metrics> {
  const m = checkModel(model);
  checkSplit('data', data, m.sizes[0], m.sizes[m.sizes.length - 1]);
  if (!(Number.isFinite(options.lambda) && options.lambda >= 0))
    throw new RangeError(`options.lambda must be a finite number ≥ 0; got ${options.lambda}`);
  return native()
    .evaluate(model, data, options.lambda, options.threads ?? ENGINE_DEFAULTS.threads)
    .catch((err) =>
      Promise.reject(outOfMemory(err, () => `the network [${m.sizes.join(', ')}] to evaluate ${data.n} rows`)),
    );
}

/**
 * Analytic gradients against centred differences (float64, batch statistics, no dropout) on all
 * of `data` as one batch: per tensor, max and mean |g_a − g_n| / max(eps, |g_a| + |g_n|) and the
 * max |g_a − g_n| over the entries whose ±h step crosses no ReLU or hinge kink (those are counted
 * in `kinks`).
 */
export async function gradientCheck(options: GradientCheckOptions, data: Split): Promise<GradCheckRow[]> {
  checkGradientCheck(options);
  checkSplit('data', data, options.network.sizes[0], options.network.sizes[options.network.sizes.length - 1]);
  const rows = await native()
    .gradientCheck(completeGradientCheck(options), data)
    .catch((err) =>
      Promise.reject(outOfMemory(err, () => `the network [${options.network.sizes.join(', ')}] for a gradient check`)),
    );
  return rows.map(({ tensor, maxRel, meanRel, maxAbs, count, kinks }) => ({
    tensor,
    maxRel,
    meanRel,
    maxAbs,
    count,
    kinks,
  }));
}

/**
 * Largest |fast − reference| between the BLAS forward/backward (float64) and the plain-loop
 * reference (native/reference.cpp): cost, activations s_l and h_l, and every gradient dW_l … .
 */
export async function compareWithReference(
  options: { network: NetworkSpec; lambda: number; seed: number },
  data: Split,
): Promise<Record<string, number>> {
  checkGradientCheck(options);
  checkSplit('data', data, options.network.sizes[0], options.network.sizes[options.network.sizes.length - 1]);
  return native().compareWithReference(
    { network: completeNetwork(options.network), lambda: options.lambda, seed: options.seed },
    data,
  );
}

/** Seconds for `repeats` n×n×n float32 products with the engine's OpenBLAS (benchmarks). */
export function sgemmSeconds(n: number, threads: number, repeats: number): number {
  return native().sgemm(n, threads, repeats);
}
