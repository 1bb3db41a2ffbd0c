// Types of the sections of one trial's configuration (what the engine trains with).
// Generated from schemas/experiment.schema.json by scripts/gen-types.js; do not edit.
// Run `node scripts/gen-types.js` after changing the schema.

/**
 * Where the data comes from and how it is split.
 */
export interface Dataset {
  /**
   * Dataset. cifar10 (binary or python layout under $NNLAB_DATA, fetched on first use), fashion_mnist (IDX files, Debian's dataset-fashion-mnist), mnist (IDX files under $NNLAB_DATA/mnist). Default cifar10.
   */
  source?: 'cifar10' | 'fashion_mnist' | 'mnist';
  /**
   * Folder holding the dataset's files; default: the standard place for the source (see `nnlab data where`).
   */
  root?: string;
  /**
   * Parts whose images form the training split, in order. cifar10: data_batch_1 … data_batch_5; fashion_mnist/mnist: train. Default [data_batch_1].
   *
   * @minItems 1
   */
  train?: [string, ...string[]];
  /**
   * Validation split: either other parts, or a holdout of the last N training images. Default {parts: [data_batch_2]}.
   */
  validation?: {
    /**
     * Parts used for validation.
     *
     * @minItems 1
     */
    parts?: [string, ...string[]];
    /**
     * Number of images taken from the end of the training split for validation (e.g. 5000). Must be smaller than the training split.
     */
    holdout?: number;
  };
  /**
   * Parts of the test split. Default [test_batch].
   *
   * @minItems 1
   */
  test?: [string, ...string[]];
  /**
   * Use only the first N images of the training split (after the holdout is taken). Default: all.
   */
  subsample?: number;
}
/**
 * The fully-connected network: sizes [D, hidden…, C].
 */
export interface Model {
  /**
   * Hidden layer widths; [] is the one-layer network s = Wx + b. Default [50].
   */
  hidden?: number[];
  /**
   * Batch normalization after each hidden linear layer, before the ReLU. Default false.
   */
  batch_norm?: boolean;
  /**
   * Momentum α of the exponential moving averages of the batch mean and variance used at test time: avg = α·avg + (1−α)·batch. Default 0.9; 0 < α < 1.
   */
  bn_alpha?: number;
  /**
   * Weight initialization: normal N(0, init_sigma²) for every layer; fan_in σ = 1/√d_in; he σ = √(2/d_in); xavier σ = √(2/(d_in+d_out)). Biases 0, γ 1, β 0. Default he.
   */
  init?: 'normal' | 'fan_in' | 'he' | 'xavier';
  /**
   * σ of init: normal. Default 0.01 (assignment 1); 0 < σ ≤ 10.
   */
  init_sigma?: number;
  /**
   * Inverted dropout: probability of dropping each hidden unit in training. Default 0; 0 ≤ p < 1.
   */
  dropout?: number;
  /**
   * cross_entropy of softmax outputs, or the multi-class SVM hinge loss (margin 1). Default cross_entropy.
   */
  loss?: 'cross_entropy' | 'svm';
}
/**
 * Mini-batch gradient descent.
 */
export interface Training {
  /**
   * Images per update step. Default 100; at most the training split's size.
   */
  batch_size?: number;
  /**
   * L2 weight λ: cost = loss + λ·Σ‖W_l‖². Default 0.01; ≥ 0.
   */
  lambda?: number;
  /**
   * Momentum of the update. Default 0 (plain SGD); 0 ≤ μ < 1.
   */
  momentum?: number;
  /**
   * Arithmetic of training. Default float32. Gradient checks always use float64.
   */
  precision?: 'float32' | 'float64';
  /**
   * Length of training in cycles of the cyclic schedule (2·step_size steps each). Give one of cycles, epochs or steps.
   */
  cycles?: number;
  /**
   * Length of training in epochs (⌊n/batch_size⌋ steps each).
   */
  epochs?: number;
  /**
   * Length of training in update steps.
   */
  steps?: number;
  /**
   * Shuffle the training split at each epoch. Default true.
   */
  shuffle?: boolean;
  /**
   * Training-time input augmentation (32×32×3 images only).
   */
  augmentation?: {
    /**
     * σ of Gaussian noise added to each (pre-processed) input. Default 0.
     */
    noise?: number;
    /**
     * Random horizontal flip with probability 0.5. Default false.
     */
    flip?: boolean;
    /**
     * Random translation by up to this many pixels in x and y. Default 0; 0 … 8.
     */
    translate?: number;
  };
}
/**
 * Learning-rate schedule η_t.
 */
export interface Schedule {
  /**
   * constant η; step: η·factor^⌊epoch/every⌋; cyclic (Smith 2015): η between eta_min and eta_max over 2·step_size steps; lr_range: the LR range test, η rising from eta_min to eta_max over the whole run. Default cyclic.
   */
  kind?: 'constant' | 'step' | 'cyclic' | 'lr_range';
  /**
   * η of constant and step schedules. Default 0.01.
   */
  eta?: number;
  /**
   * step: η is multiplied by this every `every` epochs. Default 0.1.
   */
  factor?: number;
  /**
   * step: epochs between decays. Default 10.
   */
  every?: number;
  /**
   * Lowest η of cyclic and lr_range. Default 1e-5.
   */
  eta_min?: number;
  /**
   * Highest η of cyclic and lr_range; must exceed eta_min. Default 0.1.
   */
  eta_max?: number;
  /**
   * cyclic: n_s, update steps per half cycle. Give this or step_size_epochs.
   */
  step_size?: number;
  /**
   * cyclic: n_s as k·⌊n/batch_size⌋, k epochs per half cycle (assignment 2 uses 2, assignment 3 uses 5). Used when step_size is absent. Default 2.
   */
  step_size_epochs?: number;
  /**
   * cyclic: triangular (constant amplitude), triangular2 (amplitude halves each cycle), exp_range (amplitude × gamma^t). Default triangular.
   */
  policy?: 'triangular' | 'triangular2' | 'exp_range';
  /**
   * exp_range: amplitude decay per step. Default 0.99994.
   */
  gamma?: number;
  /**
   * lr_range: how η rises. Default linear.
   */
  curve?: 'linear' | 'exponential';
  /**
   * Name of an LR range test variant (schedule.kind: lr_range) whose run chooses eta_min and eta_max: η_min where accuracy starts to rise clearly, η_max where it peaks (the report states the rule). The chosen values replace eta_min and eta_max in the trial's resolved configuration, so its trials wait for the test and are retrained when its result changes. Ignored by the LR range test itself. Default: none (eta_min and eta_max as written).
   */
  from?: string;
}
/**
 * Which learning curves are recorded (in native code, no per-batch call into JS).
 */
export interface Recording {
  /**
   * Points recorded per cycle (cyclic schedule). Default 10.
   */
  per_cycle?: number;
  /**
   * Points recorded per epoch (other schedules). Default 1; lr_range defaults to 100 points over the run.
   */
  per_epoch?: number;
  /**
   * Training images evaluated at each point (the first N; 0 = all). Validation is always evaluated whole. Default 10000.
   */
  subset?: number;
}
