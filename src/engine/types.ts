// The engine's public types: what callers pass to src/engine/index.ts and get back, and the
// complete options the addon reads (every field present; src/engine/defaults.ts fills them in).
// Types only, so every module of src/engine can import them without importing one another.

export type Precision = 'float32' | 'float64';
export type InitSpec = { kind: 'normal'; sigma: number } | { kind: 'fan_in' } | { kind: 'he' } | { kind: 'xavier' };
export type Loss = 'cross_entropy' | 'svm';

export interface NetworkSpec {
  /** [D, H1 … Hk−1, C] */
  sizes: number[];
  /** Batch normalization on every hidden layer, before the ReLU (hidden layers then carry γ, β and no bias). */
  batchNorm: boolean;
  /** Running statistics: avg ← α·avg + (1−α)·batch. Default: ENGINE_DEFAULTS. */
  bnAlpha?: number;
  init: InitSpec;
  /** Probability of dropping a hidden unit in training (inverted dropout). Default: ENGINE_DEFAULTS. */
  dropout?: number;
  loss?: Loss;
}

export type CyclicPolicy = 'triangular' | 'triangular2' | 'exp_range';
export type LrRangeCurve = 'linear' | 'exponential';

export type ScheduleSpec =
  | { kind: 'constant'; eta: number }
  | { kind: 'step'; eta: number; factor: number; everyEpochs: number }
  /** gamma is required with policy exp_range, and used by no other policy. */
  | { kind: 'cyclic'; etaMin: number; etaMax: number; stepSize: number; policy?: CyclicPolicy; gamma?: number }
  | { kind: 'lr_range'; etaMin: number; etaMax: number; curve?: LrRangeCurve };

export interface Augmentation {
  /** σ of Gaussian noise added to each input value. */
  noise?: number;
  /** Random horizontal flip with probability 1/2. */
  flip?: boolean;
  /** Random shift by up to ±translate pixels in x and y. */
  translate?: number;
}

/**
 * One split of labelled examples as the engine takes it (native/engine.h's Split): N rows of D
 * values, row-major; labels 0 … C−1. Images are channel-planar 32×32×3 (CIFAR-10 layout).
 */
export interface Split {
  x: Float32Array;
  y: Uint8Array;
  n: number;
  d: number;
  /**
   * The uint8 pixels x came from (n·d), with the map x = scale·p + shift per dimension (d values
   * each). Optional: where given, float32 training may take the first layer's products on the
   * pixels (AMX tiles, native/amx.h), which rounds differently; TrainResult.kernel says which ran.
   */
  pixels?: Uint8Array;
  scale?: Float32Array;
  shift?: Float32Array;
}

export interface Metrics {
  loss: number;
  cost: number;
  accuracy: number;
}

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
  /** Training samples evaluated at each record point (the first N; 0 = all). */
  recordSubset?: number;
  /** BLAS threads for this run. */
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
  /** What took the first layer's products: "amx-bf16x3" (on pixels), "avx512", "avx2" or "blas" (generic). */
  kernel: string;
  /** The kernel level in use (native/dispatch.h): "generic", "avx2", "avx512" or "amx". */
  kernelLevel: string;
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
  /** Centred-difference step. */
  h?: number;
  /** Floor of the relative error's denominator, max(eps, |g_a| + |g_n|): below it an error is compared in absolute terms (an exactly-zero gradient, such as a hinge loss's bias entry where ±1/B cancel, leaves only rounding on the numerical side). */
  eps?: number;
}

export interface EvaluateOptions {
  lambda: number;
  threads?: number;
}

/** A saved network as readModel() reads it from NNLB bytes (src/engine/model.ts). */
export interface Model {
  sizes: number[];
  batchNorm: boolean;
  loss: Loss;
  bnAlpha: number;
  precision: Precision;
  /** W1 is (H1, D) row-major, like the assignments' W; names are 1-based. */
  tensors: Record<string, Float32Array | Float64Array>;
}

// ---- What the addon reads (native/addon.cpp): the same options with every field present.

export type CompleteNetworkSpec = Required<NetworkSpec>;

export type CompleteSchedule =
  | Extract<ScheduleSpec, { kind: 'constant' | 'step' }>
  | { kind: 'cyclic'; etaMin: number; etaMax: number; stepSize: number; policy: CyclicPolicy; gamma?: number }
  | { kind: 'lr_range'; etaMin: number; etaMax: number; curve: LrRangeCurve };

export interface CompleteTrainOptions extends Required<Omit<TrainOptions, 'network' | 'augmentation' | 'schedule'>> {
  network: CompleteNetworkSpec;
  augmentation: Required<Augmentation>;
  schedule: CompleteSchedule;
}

export interface CompleteGradientCheckOptions extends Required<Omit<GradientCheckOptions, 'network'>> {
  network: CompleteNetworkSpec;
}
