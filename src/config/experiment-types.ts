// Type of an experiment file; the types of its sections are in experiment-types/.
// Generated from schemas/experiment.schema.json by scripts/gen-types.js; do not edit.
// Run `node scripts/gen-types.js` after changing the schema.
import type { Dataset, Model, Recording, Schedule, Training } from './experiment-types/trial-config.ts';
import type { Final, GradientCheck, Report, Search, VariantEntry } from './experiment-types/experiment-plan.ts';
export type { Dataset, Model, Training, Schedule, Recording } from './experiment-types/trial-config.ts';
export type { GradientCheck, VariantEntry, PathOverrides, Search, Final, Report } from './experiment-types/experiment-plan.ts';

/**
 * One experiment: a dataset, a fully-connected network, its training and schedule, variants, hyperparameter searches and a final retraining. Run it with `nnlab run FILE`.
 */
export interface NnlabExperiment {
  /**
   * Editor hint only; ignored by nnlab.
   */
  $schema?: string;
  /**
   * Path (relative to this file) of an experiment file this one builds on. Maps merge deeply, lists replace, this file wins.
   */
  extends?: string;
  /**
   * Identifier of the experiment: names its folders runs/NAME/ and reports/NAME/. Lower-case letters, digits, '-' and '_'.
   */
  name: string;
  /**
   * Title shown at the top of the report. Default: the name.
   */
  title?: string;
  /**
   * What the experiment is about; shown under the report's title.
   */
  description?: string;
  /**
   * Seed of every random choice (initialization, shuffling, dropout, augmentation, search sampling). Default 1; 0 … 2^32−1.
   */
  seed?: number;
  /**
   * Trainings of each setting, each with its own seed: repeat 1 uses the seed itself, repeat k > 1 a seed hashed from (seed, k), the same for every setting so that settings are compared on the same seeds. Tables show the mean ± sample standard deviation (n) of the repeats, charts the mean curve with a ±1 sd band, searches rank values by their mean validation accuracy. Default 1; 1 … 100.
   */
  repeats?: number;
  dataset?: Dataset;
  /**
   * standardize: subtract the training mean and divide by the training standard deviation, per dimension, computed on the training split only. scale: divide pixels by 255. Default standardize.
   */
  preprocess?: 'standardize' | 'scale';
  model?: Model;
  training?: Training;
  schedule?: Schedule;
  record?: Recording;
  gradient_check?: GradientCheck;
  /**
   * Named variants of the base configuration, each trained as its own trial. An entry is either one variant (name + set) or a matrix whose axes multiply. No variants: the base configuration is trained once as variant "base".
   */
  variants?: VariantEntry[];
  /**
   * Ordered hyperparameter search stages (coarse to fine). Each samples one parameter and trains one trial per value; a later stage may take its range from the best trials of an earlier one.
   */
  searches?: Search[];
  final?: Final;
  report?: Report;
}
