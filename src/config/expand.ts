// Expands a resolved experiment into trials: one per variant, one per search value, the final
// retraining and the gradient check, each with a hash of what it computes. Values of a stage that
// derives its range from an earlier one are known only once that stage has results (`bestOf`).
import { canonicalJson, sha256 } from './canonical.ts';
import { SOURCES } from '../data/catalog.ts';
import { override, splitSizes, stageConfig, type ResolvedExperiment, type TrialConfig } from './resolve.ts';
import { schemaAt } from './schema.ts';
import { repeatConfig, repeatSuffix } from './repeats.ts';

export interface GradientCheckConfig {
  seed: number;
  dataset: TrialConfig['dataset'];
  preprocess: TrialConfig['preprocess'];
  loss: TrialConfig['model']['loss'];
  network: { hidden: number[]; batch_norm: boolean };
  samples: number;
  dims: number;
  lambda: number;
  h: number;
}

interface TrialBase {
  /** Readable, unique in the experiment: variant/NAME, search/STAGE/NN, final, gradient-check/NAME. */
  id: string;
  hash: string;
}
export interface TrainTrial extends TrialBase {
  kind: 'train';
  role: 'variant' | 'search' | 'final';
  variant: string;
  group: string;
  stage?: string;
  index?: number;
  param?: string;
  value?: unknown;
  /** Which training of the setting this is (1-based), of how many (repeats.ts derives the seed). */
  repeat: number;
  repeats: number;
  config: TrialConfig;
}
export interface GradientCheckTrial extends TrialBase {
  kind: 'gradient_check';
  role: 'gradient_check';
  config: GradientCheckConfig;
}
export type Trial = TrainTrial | GradientCheckTrial;

export interface StagePlan {
  name: string;
  param: string;
  variant: string;
  kind: 'random' | 'grid';
  distribution: 'uniform' | 'log_uniform' | 'choice';
  range?: [number, number];
  values?: unknown[];
  from?: { stage: string; best: number; widen: number; bestValues: unknown[] };
  /** True while the stage waits for an earlier stage's results. */
  pending: boolean;
  trials: number;
  repeats: number;
}

export interface Plan {
  trials: Trial[];
  stages: StagePlan[];
  /** Trials that cannot be listed yet (a derived stage or the final), with the reason. */
  pending: { id: string; reason: string }[];
}

export interface PlanContext {
  engineVersion: string;
  dataFingerprint: string;
  /** Best finished trials among a stage's trials by validation accuracy, best first; null while the stage is unfinished. */
  bestOf?: (stageTrials: TrainTrial[]) => { value: unknown; config: TrialConfig; validationAccuracy: number }[] | null;
  /** η_min and η_max chosen from an LR range test's trials (all its repeats); null while they are not stored. */
  lrBounds?: (rangeTestTrials: TrainTrial[]) => { etaMin: number; etaMax: number } | null;
}

export function trialHash(kind: string, config: unknown, ctx: PlanContext): string {
  return sha256(canonicalJson({ kind, config, engine: ctx.engineVersion, data: ctx.dataFingerprint })).slice(0, 16);
}

/** Derived training lengths: n_s, total steps, record interval (the numbers the engine runs). */
export interface TrainingLength {
  n: number;
  stepsPerEpoch: number;
  stepSize: number | null;
  totalSteps: number;
  recordEvery: number;
  epochs: number;
}

export function trainingLength(c: TrialConfig): TrainingLength {
  const n = splitSizes(c).train;
  const stepsPerEpoch = Math.max(1, Math.floor(n / c.training.batch_size));
  const stepSize =
    c.schedule.kind === 'cyclic'
      ? (c.schedule.step_size ?? Math.max(1, Math.round(c.schedule.step_size_epochs * stepsPerEpoch)))
      : null;
  let totalSteps: number;
  if (c.training.steps !== undefined) totalSteps = c.training.steps;
  else if (c.training.epochs !== undefined) totalSteps = Math.max(1, Math.round(c.training.epochs * stepsPerEpoch));
  else totalSteps = Math.max(1, Math.round(c.training.cycles! * 2 * stepSize!));
  // record's defaults depend on the schedule's kind, which the schema cannot express: they live
  // here (per_cycle 10; per_epoch 1; an LR range test 100 points), as its descriptions say.
  let recordEvery: number;
  if (stepSize !== null) recordEvery = Math.max(1, Math.round((2 * stepSize) / (c.record.per_cycle ?? 10)));
  else if (c.record.per_epoch !== undefined) recordEvery = Math.max(1, Math.round(stepsPerEpoch / c.record.per_epoch));
  else if (c.schedule.kind === 'lr_range') recordEvery = Math.max(1, Math.round(totalSteps / 100));
  else recordEvery = stepsPerEpoch;
  return { n, stepsPerEpoch, stepSize, totalSteps, recordEvery, epochs: totalSteps / stepsPerEpoch };
}

/** mulberry32: a small seeded generator so search values depend only on the seed and stage name. */
function generator(seed: number, label: string): () => number {
  let a = (seed ^ parseInt(sha256(label).slice(0, 8), 16)) >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const round4 = (v: number) => Number(v.toPrecision(4));

function stageValues(stage: StagePlan, seed: number, integer: boolean): unknown[] {
  if (stage.values && (stage.distribution === 'choice' || stage.kind === 'grid')) {
    if (stage.kind === 'grid') return stage.values;
    const rnd = generator(seed, stage.name);
    return Array.from({ length: stage.trials }, () => stage.values![Math.floor(rnd() * stage.values!.length)]);
  }
  const [lo, hi] = stage.range!;
  const log = stage.distribution === 'log_uniform';
  const a = log ? Math.log10(lo) : lo;
  const b = log ? Math.log10(hi) : hi;
  const rnd = generator(seed, stage.name);
  const us =
    stage.kind === 'grid'
      ? Array.from({ length: stage.trials }, (_, i) => (stage.trials === 1 ? 0.5 : i / (stage.trials - 1)))
      : Array.from({ length: stage.trials }, () => rnd());
  return us.map((u) => {
    const x = a + u * (b - a);
    const v = log ? 10 ** x : x;
    return integer ? Math.round(v) : round4(v);
  });
}

function widenRange(values: number[], widen: number, log: boolean): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  if (log) return [round4(lo / widen), round4(hi * widen)];
  const half = ((hi - lo) / 2 || Math.abs(lo) * 0.1 || 0.1) * widen;
  const mid = (lo + hi) / 2;
  return [round4(mid - half), round4(mid + half)];
}

function stageTrials(trials: Trial[], stage: string): TrainTrial[] {
  return trials.filter((t): t is TrainTrial => t.kind === 'train' && t.role === 'search' && t.stage === stage);
}

/**
 * A config with its schedule.from resolved: eta_min and eta_max replaced by the bounds its LR range
 * test chose (kept with `from` in the resolved config, so the trial's hash covers them), or a
 * pending reason while the test has no stored result. The test itself ignores `from`.
 */
function handOver(
  config: TrialConfig,
  rangeTests: Map<string, TrainTrial[]>,
  ctx: PlanContext,
): { config: TrialConfig } | { pending: string } {
  const from = config.schedule.from;
  if (from === undefined) return { config };
  if (config.schedule.kind === 'lr_range') {
    const { from: _ignored, ...schedule } = config.schedule;
    return { config: { ...config, schedule } };
  }
  const bounds = ctx.lrBounds?.(rangeTests.get(from) ?? []) ?? null;
  if (!bounds) return { pending: `η_min and η_max chosen by the LR range test "${from}"` };
  return { config: { ...config, schedule: { ...config.schedule, eta_min: bounds.etaMin, eta_max: bounds.etaMax } } };
}

/** One trial per repeat of a setting: ids `BASE`, `BASE/r2`…, seeds from repeats.ts. */
function repeated(
  config: TrialConfig,
  repeats: number,
  make: (config: TrialConfig, repeat: number, suffix: string) => Omit<TrainTrial, 'hash'>,
  ctx: PlanContext,
): TrainTrial[] {
  return Array.from({ length: repeats }, (_, i) => {
    const trial = make(repeatConfig(config, i + 1), i + 1, repeatSuffix(i + 1));
    return { ...trial, hash: trialHash('train', trial.config, ctx) };
  });
}

export function planTrials(exp: ResolvedExperiment, ctx: PlanContext): Plan {
  const trials: Trial[] = [];
  const pending: Plan['pending'] = [];
  const stages: StagePlan[] = [];

  if (exp.gradientCheck) {
    const gc = exp.gradientCheck;
    for (const net of gc.networks) {
      const config: GradientCheckConfig = {
        seed: exp.base.seed,
        dataset: exp.base.dataset,
        preprocess: exp.base.preprocess,
        loss: exp.base.model.loss,
        network: { hidden: net.hidden, batch_norm: net.batch_norm ?? false },
        samples: gc.samples!,
        dims: gc.dims!,
        lambda: gc.lambda!,
        h: gc.h!,
      };
      const name = `${net.hidden.length + 1}-layer${net.batch_norm ? '-bn' : ''}`;
      trials.push({
        id: `gradient-check/${name}`,
        kind: 'gradient_check',
        role: 'gradient_check',
        config,
        hash: trialHash('gradient_check', config, ctx),
      });
    }
  }

  // LR range tests first: the variants, stages and final whose schedule.from names one need its trials.
  const rangeTests = new Map<string, TrainTrial[]>();
  const variantTrials = new Map<string, TrainTrial[] | string>();
  const isRangeTest = (v: (typeof exp.variants)[number]) => v.config.schedule.kind === 'lr_range';
  for (const v of [...exp.variants.filter(isRangeTest), ...exp.variants.filter((v) => !isRangeTest(v))]) {
    const h = handOver(v.config, rangeTests, ctx);
    if ('pending' in h) {
      variantTrials.set(v.name, h.pending);
      continue;
    }
    const list = repeated(
      h.config,
      v.repeats,
      (config, repeat, suffix) => ({
        id: `variant/${v.name}${suffix}`,
        kind: 'train',
        role: 'variant',
        variant: v.name,
        group: v.group,
        repeat,
        repeats: v.repeats,
        config,
      }),
      ctx,
    );
    variantTrials.set(v.name, list);
    if (isRangeTest(v)) rangeTests.set(v.name, list);
  }
  for (const v of exp.variants) {
    const list = variantTrials.get(v.name)!;
    if (typeof list === 'string') pending.push({ id: `variant/${v.name}`, reason: list });
    else trials.push(...list);
  }

  for (const s of exp.searches) {
    const variant = s.variant ?? exp.variants[0].name;
    const repeats = s.repeats ?? exp.repeats;
    const stage: StagePlan = {
      name: s.name,
      param: s.param,
      variant,
      kind: s.kind,
      distribution: s.distribution,
      range: s.range as [number, number] | undefined,
      values: s.values,
      pending: false,
      trials: s.trials,
      repeats,
    };
    const h = handOver(stageConfig(exp, s), rangeTests, ctx);
    const log = s.distribution === 'log_uniform';
    if (s.from) {
      const best = ctx.bestOf?.(stageTrials(trials, s.from.stage)) ?? null;
      if (!best || !best.length) {
        stage.pending = true;
        stage.from = { stage: s.from.stage, best: s.from.best!, widen: s.from.widen!, bestValues: [] };
      } else {
        const top = best.slice(0, s.from.best!).map((b) => b.value as number);
        stage.from = { stage: s.from.stage, best: s.from.best!, widen: s.from.widen!, bestValues: top };
        stage.range = widenRange(top, s.from.widen!, log);
      }
    }
    if ('pending' in h) stage.pending = true;
    stages.push(stage);
    if (stage.pending) {
      pending.push({
        id: `search/${s.name}`,
        reason:
          'pending' in h ? h.pending : `range derived from the best ${s.from!.best} trials of stage "${s.from!.stage}"`,
      });
      continue;
    }
    const integer = schemaAt(s.param.split('.'))?.type === 'integer';
    const base = (h as { config: TrialConfig }).config;
    stageValues(stage, exp.base.seed, integer).forEach((value, i) => {
      const id = `search/${s.name}/${String(i + 1).padStart(2, '0')}`;
      const make = (config: TrialConfig, repeat: number, suffix: string) => ({
        id: id + suffix,
        kind: 'train' as const,
        role: 'search' as const,
        variant,
        group: `search/${s.name}`,
        stage: s.name,
        index: i,
        param: s.param,
        value,
        repeat,
        repeats,
        config,
      });
      trials.push(...repeated(override(base, { [s.param]: value }), repeats, make, ctx));
    });
  }

  if (exp.final) {
    const from = exp.final.from ?? exp.searches.at(-1)!.name;
    const best = ctx.bestOf?.(stageTrials(trials, from)) ?? null;
    if (!best || !best.length) pending.push({ id: 'final', reason: `retrains the best trial of stage "${from}"` });
    else {
      const stage = exp.searches.find((s) => s.name === from)!;
      const h = handOver(override(best[0].config, exp.final.set ?? {}), rangeTests, ctx);
      const repeats = exp.final.repeats ?? exp.repeats;
      if ('pending' in h) pending.push({ id: 'final', reason: h.pending });
      else {
        const make = (config: TrialConfig, repeat: number, suffix: string) => ({
          id: `final${suffix}`,
          kind: 'train' as const,
          role: 'final' as const,
          variant: stage.variant ?? exp.variants[0].name,
          group: 'final',
          stage: from,
          param: stage.param,
          value: best[0].value,
          repeat,
          repeats,
          config,
        });
        trials.push(...repeated(h.config, repeats, make, ctx));
      }
    }
  }
  return { trials, stages, pending };
}

/** Input dimension and classes of a config's data source. */
export function dataShape(c: { dataset: { source: keyof typeof SOURCES } }): { d: number; classes: number } {
  const f = SOURCES[c.dataset.source];
  return { d: f.d, classes: f.classes };
}
