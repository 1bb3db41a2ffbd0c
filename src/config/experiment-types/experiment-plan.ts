// Types of what the experiment runs around the trial configuration and how it reports.
// Generated from schemas/experiment.schema.json by scripts/gen-types.js; do not edit.
// Run `node scripts/gen-types.js` after changing the schema.

/**
 * Analytic against centred-difference numerical gradients, in float64, for the listed networks. Absent: no check.
 */
export interface GradientCheck {
  /**
   * Networks to check, each {hidden: [...], batch_norm: bool}.
   *
   * @minItems 1
   */
  networks: [
    {
      /**
       * Hidden widths.
       */
      hidden: number[];
      /**
       * With batch normalization. Default false.
       */
      batch_norm?: boolean;
    },
    ...{
      /**
       * Hidden widths.
       */
      hidden: number[];
      /**
       * With batch normalization. Default false.
       */
      batch_norm?: boolean;
    }[]
  ];
  /**
   * Training images used. Default 5.
   */
  samples?: number;
  /**
   * First input dimensions used. Default 20.
   */
  dims?: number;
  /**
   * λ used in the check. Default 0.01.
   */
  lambda?: number;
  /**
   * Step of the centred difference. Default 1e-5.
   */
  h?: number;
}
/**
 * One named variant ({name, set}) or a matrix ({matrix: {axis: {value-name: overrides}}}) whose axes multiply into variants named value-name-value-name.
 */
export interface VariantEntry {
  /**
   * Name of the variant, unique in the experiment.
   */
  name?: string;
  /**
   * Shown in the report.
   */
  description?: string;
  /**
   * Variants of one group are drawn in one comparison chart (e.g. "architecture", "initialization"). Default "variants".
   */
  group?: string;
  /**
   * Trainings of this variant (of each variant of a matrix), each with its own seed. Default: the experiment's repeats; 1 … 100.
   */
  repeats?: number;
  set?: PathOverrides;
  /**
   * Axes of a product of variants: {axis: {value-name: overrides}}.
   */
  matrix?: {
    [k: string]: {
      [k: string]: PathOverrides;
    };
  };
}
/**
 * Overrides as dotted paths into the experiment, e.g. {"model.hidden": [50, 50], "training.lambda": 0.005}. Values are validated like the base configuration.
 */
export interface PathOverrides {
  [k: string]: unknown;
}
/**
 * One search stage.
 */
export interface Search {
  /**
   * Name of the stage, e.g. coarse, fine.
   */
  name: string;
  /**
   * Variant whose configuration the stage starts from. Default: the first variant.
   */
  variant?: string;
  /**
   * random: `trials` values drawn from the distribution; grid: `trials` evenly spaced values over the range (log-spaced for log_uniform), or the listed values. Default random.
   */
  kind?: 'random' | 'grid';
  /**
   * Dotted path of the parameter searched, e.g. training.lambda.
   */
  param: string;
  /**
   * How values are drawn. log_uniform: 10^u with u uniform over log10 of the range (bounds must be positive). Default log_uniform.
   */
  distribution?: 'uniform' | 'log_uniform' | 'choice';
  /**
   * [low, high] of uniform and log_uniform. Give range, values or from.
   *
   * @minItems 2
   * @maxItems 2
   */
  range?: [number, number];
  /**
   * Values of choice and of an explicit grid.
   *
   * @minItems 1
   */
  values?: [unknown, ...unknown[]];
  /**
   * Take the range from the best trials of an earlier stage: [min, max] of their values, widened by `widen` (a factor on each side; in log space for log_uniform).
   */
  from?: {
    /**
     * Name of an earlier stage.
     */
    stage: string;
    /**
     * How many of its best trials (by validation accuracy). Default 3.
     */
    best?: number;
    /**
     * Factor widening the range on each side. Default 1.5.
     */
    widen?: number;
  };
  /**
   * Number of values tried. Default 8.
   */
  trials?: number;
  /**
   * Trainings of each value, each with its own seed; values are ranked by the mean validation accuracy of their repeats. Default: the experiment's repeats; 1 … 100.
   */
  repeats?: number;
  set?: PathOverrides;
}
/**
 * Retrain the best configuration of a search stage (e.g. on more data, for more cycles) and test it.
 */
export interface Final {
  /**
   * Search stage whose best trial is retrained. Default: the last stage.
   */
  from?: string;
  /**
   * Trainings of the final network, each with its own seed; the report gives the mean ± sd of their accuracies. Default: the experiment's repeats; 1 … 100.
   */
  repeats?: number;
  set?: PathOverrides;
}
/**
 * What the report shows.
 */
export interface Report {
  /**
   * Layout of the report. Default generic.
   */
  kind?: 'assignment1' | 'assignment2' | 'assignment3' | 'generic';
  /**
   * Draw the first layer's weights as one 32×32 image per class (one-layer networks). Default false.
   */
  weights?: boolean;
  /**
   * Also print report.pdf with headless Chromium. Default true.
   */
  pdf?: boolean;
  /**
   * Significance level of the report's verdicts on repeats: a difference is beyond the noise of the repeats when its two-sided t-test (paired by seed, else Welch) gives p < alpha, and its confidence interval is the (1 − alpha) one. Default 0.05; above 0, at most 0.2.
   */
  alpha?: number;
}
