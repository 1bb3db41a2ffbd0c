// Builds the engine's inputs for one trial config: the train/validation/test splits, pre-processed
// with statistics of the training split only, and the engine's options (derived lengths included).
// A process keeps the last splits it built, so a worker that takes trial after trial on the same
// data (a whole experiment, usually) reads and standardizes them once.
import { loadParts, pixelMap, preprocess, sliceSplit, standardizeStats, type RawSplit } from '../data/index.ts';
import type { CompleteTrainOptions, Split } from '../engine/index.ts';
import { trainingLength, type GradientCheckConfig } from '../config/expand.ts';
import type { TrialConfig } from '../config/resolve.ts';
import { canonicalJson, sha256 } from '../config/canonical.ts';

export interface PreparedData {
  train: Split;
  validation: Split;
  test: Split;
  classes: string[];
}

/** The split as the engine takes it: the floats, and the pixels with x = scale·p + shift (pixelMap). */
function toSplit(split: RawSplit, x: Float32Array, map: ReturnType<typeof pixelMap>): Split {
  return { x, y: split.y, n: split.n, d: split.d, pixels: split.x, ...map };
}

/** The raw training and validation splits of a config (holdout and subsample applied). */
export async function rawSplits(dataset: TrialConfig['dataset']): Promise<{ train: RawSplit; validation: RawSplit }> {
  const root = dataset.root ? { root: dataset.root } : {};
  let train = await loadParts(dataset.source, dataset.train, root);
  let validation: RawSplit;
  if (dataset.validation.holdout) {
    const cut = train.n - dataset.validation.holdout;
    validation = sliceSplit(train, cut, train.n);
    train = sliceSplit(train, 0, cut);
  } else {
    validation = await loadParts(dataset.source, dataset.validation.parts!, root);
  }
  if (dataset.subsample && dataset.subsample < train.n) train = sliceSplit(train, 0, dataset.subsample);
  return { train, validation };
}

function preprocessor(how: TrialConfig['preprocess'], train: RawSplit) {
  const spec =
    how === 'standardize'
      ? ({ kind: 'standardize', stats: standardizeStats(train) } as const)
      : ({ kind: 'scale' } as const);
  const map = pixelMap(spec, train.d);
  return (s: RawSplit) => toSplit(s, preprocess(s, spec), map);
}

/** The three splits of a config, built from the files. */
export async function prepareData(config: DataSpec): Promise<PreparedData> {
  const { train, validation } = await rawSplits(config.dataset);
  const test = await loadParts(
    config.dataset.source,
    config.dataset.test,
    config.dataset.root ? { root: config.dataset.root } : {},
  );
  const apply = preprocessor(config.preprocess, train);
  return { train: apply(train), validation: apply(validation), test: apply(test), classes: train.classes };
}

/** What a trial's prepared data depend on: the data files (their fingerprint), the splits and the pre-processing. */
type DataSpec = Pick<TrialConfig, 'dataset' | 'preprocess'>;

/** Equal keys, equal prepared data (to the bit): the data files' fingerprint, the splits, the pre-processing. */
export function dataKey(c: DataSpec, dataFingerprint: string): string {
  return sha256(canonicalJson({ dataFingerprint, dataset: c.dataset, preprocess: c.preprocess })).slice(0, 16);
}

/** Whether a trial's data were built for it or found in this process's memory. */
export type DataSource = 'built' | 'memory';

// One entry: the splits of an experiment are some 700 MB of floats for CIFAR-10, which a worker
// held during each trial anyway; keeping the last ones between trials costs no more memory.
let kept: { key: string; data: PreparedData } | null = null;

/**
 * prepareData, memoized on dataKey: the last splits built in this process are returned as they are
 * (the very same arrays, so the same floats) when the next trial asks for the same data.
 */
export async function preparedData(
  c: DataSpec,
  dataFingerprint: string,
): Promise<{ data: PreparedData; from: DataSource }> {
  const key = dataKey(c, dataFingerprint);
  if (kept?.key === key) return { data: kept.data, from: 'memory' };
  kept = null; // let the old splits go before the new ones are built
  const data = await prepareData(c);
  kept = { key, data };
  return { data, from: 'built' };
}

/**
 * The first `samples` training images, first `dims` dimensions, pre-processed like training: rows
 * of the prepared training split, which pre-processing computes row by row with the same statistics.
 */
export async function prepareGradientCheckData(
  c: GradientCheckConfig,
  dataFingerprint: string,
): Promise<{ data: Split; from: DataSource }> {
  const { data: prepared, from } = await preparedData(c, dataFingerprint);
  const full = prepared.train;
  const x = new Float32Array(c.samples * c.dims);
  for (let i = 0; i < c.samples; i++) x.set(full.x.subarray(i * full.d, i * full.d + c.dims), i * c.dims);
  return { data: { x, y: full.y.slice(0, c.samples), n: c.samples, d: c.dims }, from };
}

/**
 * The engine's options for a trial config: what the YAML says, in the engine's words. Complete (the
 * type requires every field), so the engine's own defaults never stand in for the schema's.
 */
export function trainOptions(c: TrialConfig, d: number, classes: number, threads: number): CompleteTrainOptions {
  const len = trainingLength(c);
  const s = c.schedule;
  const schedule: CompleteTrainOptions['schedule'] =
    s.kind === 'constant'
      ? { kind: 'constant', eta: s.eta }
      : s.kind === 'step'
        ? { kind: 'step', eta: s.eta, factor: s.factor, everyEpochs: s.every }
        : s.kind === 'cyclic'
          ? {
              kind: 'cyclic',
              etaMin: s.eta_min,
              etaMax: s.eta_max,
              stepSize: len.stepSize!,
              policy: s.policy,
              gamma: s.gamma,
            }
          : { kind: 'lr_range', etaMin: s.eta_min, etaMax: s.eta_max, curve: s.curve };
  return {
    network: {
      sizes: [d, ...c.model.hidden, classes],
      batchNorm: c.model.batch_norm,
      bnAlpha: c.model.bn_alpha,
      init: c.model.init === 'normal' ? { kind: 'normal', sigma: c.model.init_sigma } : { kind: c.model.init },
      dropout: c.model.dropout,
      loss: c.model.loss,
    },
    seed: c.seed,
    batchSize: c.training.batch_size,
    lambda: c.training.lambda,
    momentum: c.training.momentum,
    precision: c.training.precision,
    totalSteps: len.totalSteps,
    shuffle: c.training.shuffle,
    augmentation: c.training.augmentation,
    schedule,
    recordEvery: len.recordEvery,
    recordSubset: c.record.subset,
    threads,
  };
}
