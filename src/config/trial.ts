// One trainable configuration: its type with every default filled in, the sections a trial hash
// covers, and the split sizes it implies. Resolving a file into these is resolve.ts's job.
import { SOURCES, type Source } from '../data/catalog.ts';

/** The sections that make one trainable configuration (what a trial hash covers). */
export const TRIAL_SECTIONS = ['seed', 'dataset', 'preprocess', 'model', 'training', 'schedule', 'record'] as const;

/** One trainable configuration with every default filled in. */
export interface TrialConfig {
  seed: number;
  dataset: {
    source: Source;
    root?: string;
    train: string[];
    validation: { parts?: string[]; holdout?: number };
    test: string[];
    subsample?: number;
  };
  preprocess: 'standardize' | 'scale';
  model: {
    hidden: number[];
    batch_norm: boolean;
    bn_alpha: number;
    init: 'normal' | 'fan_in' | 'he' | 'xavier';
    init_sigma: number;
    dropout: number;
    loss: 'cross_entropy' | 'svm';
  };
  training: {
    batch_size: number;
    lambda: number;
    momentum: number;
    precision: 'float32' | 'float64';
    cycles?: number;
    epochs?: number;
    steps?: number;
    shuffle: boolean;
    augmentation: { noise: number; flip: boolean; translate: number };
  };
  schedule: {
    kind: 'constant' | 'step' | 'cyclic' | 'lr_range';
    eta: number;
    factor: number;
    every: number;
    eta_min: number;
    eta_max: number;
    step_size?: number;
    step_size_epochs: number;
    policy: 'triangular' | 'triangular2' | 'exp_range';
    gamma: number;
    curve: 'linear' | 'exponential';
    /** The LR range test variant that chooses eta_min and eta_max (filled in by expand.ts). */
    from?: string;
  };
  record: { per_cycle?: number; per_epoch?: number; subset: number };
}

/** Training images after the holdout and subsampling; validation images. */
export function splitSizes(config: TrialConfig): { train: number; validation: number; test: number } {
  const facts = SOURCES[config.dataset.source];
  const count = (parts: string[] | undefined) => (parts ?? []).reduce((s, p) => s + (facts.parts[p] ?? 0), 0);
  let train = count(config.dataset.train);
  let validation = count(config.dataset.validation.parts);
  if (config.dataset.validation.holdout) {
    validation = config.dataset.validation.holdout;
    train -= validation;
  }
  if (config.dataset.subsample) train = Math.min(train, config.dataset.subsample);
  return { train, validation, test: count(config.dataset.test) };
}
