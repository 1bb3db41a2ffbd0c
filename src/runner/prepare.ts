// Builds the engine's inputs for one trial config: the train/validation/test splits, pre-processed
// with statistics of the training split only, and the engine's options (derived lengths included).
import { loadParts, preprocess, sliceSplit, standardizeStats, type RawSplit } from '../data/index.ts';
import type { Dataset, TrainOptions } from '../engine/index.ts';
import { trainingLength, type GradientCheckConfig } from '../config/expand.ts';
import type { TrialConfig } from '../config/resolve.ts';

export interface PreparedData {
  train: Dataset;
  validation: Dataset;
  test: Dataset;
  classes: string[];
}

function toDataset(split: RawSplit, x: Float32Array): Dataset {
  return { x, y: split.y, n: split.n, d: split.d };
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
  const spec = how === 'standardize' ? ({ kind: 'standardize', stats: standardizeStats(train) } as const) : ({ kind: 'scale' } as const);
  return (s: RawSplit) => toDataset(s, preprocess(s, spec));
}

export async function prepareData(config: TrialConfig): Promise<PreparedData> {
  const { train, validation } = await rawSplits(config.dataset);
  const test = await loadParts(config.dataset.source, config.dataset.test, config.dataset.root ? { root: config.dataset.root } : {});
  const apply = preprocessor(config.preprocess, train);
  return { train: apply(train), validation: apply(validation), test: apply(test), classes: train.classes };
}

/** The first `samples` training images, first `dims` dimensions, pre-processed like training. */
export async function prepareGradientCheckData(c: GradientCheckConfig): Promise<Dataset> {
  const { train } = await rawSplits(c.dataset);
  const full = preprocessor(c.preprocess, train)(sliceSplit(train, 0, c.samples));
  const x = new Float32Array(c.samples * c.dims);
  for (let i = 0; i < c.samples; i++) x.set(full.x.subarray(i * full.d, i * full.d + c.dims), i * c.dims);
  return { x, y: full.y, n: c.samples, d: c.dims };
}

/** The engine's options for a trial config: what the YAML says, in the engine's words. */
export function trainOptions(c: TrialConfig, d: number, classes: number, threads: number): TrainOptions {
  const len = trainingLength(c);
  const s = c.schedule;
  const schedule: TrainOptions['schedule'] =
    s.kind === 'constant'
      ? { kind: 'constant', eta: s.eta }
      : s.kind === 'step'
        ? { kind: 'step', eta: s.eta, factor: s.factor, everyEpochs: s.every }
        : s.kind === 'cyclic'
          ? { kind: 'cyclic', etaMin: s.eta_min, etaMax: s.eta_max, stepSize: len.stepSize!, policy: s.policy, gamma: s.gamma }
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
