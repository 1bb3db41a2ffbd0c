// The engine's defaults: the one place where a value is chosen for an option a direct caller of
// src/engine/index.ts (tests, bench, the gradient check's fixed settings) leaves out. The addon has
// none; the runner passes every field from the resolved experiment, whose defaults are the schema's.
import type {
  CompleteGradientCheckOptions,
  CompleteNetworkSpec,
  CompleteSchedule,
  CompleteTrainOptions,
  GradientCheckOptions,
  NetworkSpec,
  ScheduleSpec,
  TrainOptions,
} from './types.ts';

/**
 * Equal to schemas/experiment.schema.json's defaults for the same settings (model.bn_alpha,
 * training.momentum, …; test/engine/defaults.test.ts compares them), so an engine call that leaves
 * an option out trains as an experiment that leaves it out. threads and eps have no setting there.
 */
export const ENGINE_DEFAULTS = Object.freeze({
  bnAlpha: 0.9,
  dropout: 0,
  loss: 'cross_entropy',
  momentum: 0,
  precision: 'float32',
  shuffle: true,
  augmentation: Object.freeze({ noise: 0, flip: false, translate: 0 }),
  recordSubset: 10000,
  threads: 1,
  policy: 'triangular',
  curve: 'linear',
  h: 1e-5,
  eps: 1e-6,
} as const);

export function completeNetwork(n: NetworkSpec): CompleteNetworkSpec {
  const d = ENGINE_DEFAULTS;
  return {
    sizes: n.sizes,
    batchNorm: n.batchNorm,
    bnAlpha: n.bnAlpha ?? d.bnAlpha,
    init: n.init,
    dropout: n.dropout ?? d.dropout,
    loss: n.loss ?? d.loss,
  };
}

function completeSchedule(s: ScheduleSpec): CompleteSchedule {
  if (s.kind === 'cyclic') return { ...s, policy: s.policy ?? ENGINE_DEFAULTS.policy };
  if (s.kind === 'lr_range') return { ...s, curve: s.curve ?? ENGINE_DEFAULTS.curve };
  return s;
}

export function completeTrainOptions(o: TrainOptions): CompleteTrainOptions {
  const d = ENGINE_DEFAULTS;
  return {
    network: completeNetwork(o.network),
    seed: o.seed,
    batchSize: o.batchSize,
    lambda: o.lambda,
    momentum: o.momentum ?? d.momentum,
    precision: o.precision ?? d.precision,
    totalSteps: o.totalSteps,
    shuffle: o.shuffle ?? d.shuffle,
    augmentation: {
      noise: o.augmentation?.noise ?? d.augmentation.noise,
      flip: o.augmentation?.flip ?? d.augmentation.flip,
      translate: o.augmentation?.translate ?? d.augmentation.translate,
    },
    schedule: completeSchedule(o.schedule),
    recordEvery: o.recordEvery,
    recordSubset: o.recordSubset ?? d.recordSubset,
    threads: o.threads ?? d.threads,
  };
}

export function completeGradientCheck(o: GradientCheckOptions): CompleteGradientCheckOptions {
  return {
    network: completeNetwork(o.network),
    lambda: o.lambda,
    seed: o.seed,
    h: o.h ?? ENGINE_DEFAULTS.h,
    eps: o.eps ?? ENGINE_DEFAULTS.eps,
  };
}
