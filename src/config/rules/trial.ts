// Rules of one trainable configuration (the base, each variant, each search stage's start): the
// data split, the training length, the schedule, the augmentation, and schedule.from's range test.
import { SOURCES } from '../../data/catalog.ts';
import { didYouMean } from '../messages.ts';
import { splitSizes, type TrialConfig } from '../trial.ts';
import { rule, suggestOrList, type Rule } from './rule.ts';

/** Rules of one trainable configuration: the base, each variant and each search stage's start. */
export const TRIAL_RULES: Rule<TrialConfig>[] = [
  rule({
    name: 'part-exists',
    checks: 'every part named in dataset.train, dataset.test and dataset.validation.parts is a part of the source',
    message: (where: string, source: string, part: string) =>
      `${where} is not a part of ${source}: "${part}"${suggestOrList(part, Object.keys(SOURCES[source as TrialConfig['dataset']['source']].parts), 'parts')}`,
    find: (c, report) => {
      const { parts } = SOURCES[c.dataset.source];
      for (const split of ['train', 'test'] as const) {
        c.dataset[split].forEach(
          (p, i) => p in parts || report(['dataset', split, i], `dataset.${split}[${i}]`, c.dataset.source, p),
        );
      }
      c.dataset.validation.parts?.forEach(
        (p, i) =>
          p in parts ||
          report(['dataset', 'validation', 'parts', i], `dataset.validation.parts[${i}]`, c.dataset.source, p),
      );
    },
  }),
  rule({
    name: 'validation-parts-or-holdout',
    checks: 'dataset.validation gives exactly one of parts and holdout',
    message: () => 'dataset.validation needs exactly one of parts (e.g. [data_batch_2]) or holdout (e.g. 5000)',
    find: (c, report) => {
      const v = c.dataset.validation;
      if ((v.parts === undefined) === (v.holdout === undefined)) report(['dataset', 'validation']);
    },
  }),
  rule({
    name: 'validation-not-training',
    checks: 'no validation part is also a training part',
    message: (i: number, part: string) =>
      `dataset.validation.parts[${i}] "${part}" is also a training part; use dataset.validation.holdout to validate on held-out training images`,
    find: (c, report) => {
      const { parts } = SOURCES[c.dataset.source];
      c.dataset.validation.parts?.forEach(
        (p, i) => p in parts && c.dataset.train.includes(p) && report(['dataset', 'validation', 'parts', i], i, p),
      );
    },
  }),
  rule({
    name: 'holdout-within-training',
    checks: 'dataset.validation.holdout is smaller than the training split',
    message: (train: number, holdout: number) =>
      `dataset.validation.holdout must be smaller than the training split (${train} images); got ${holdout}`,
    find: (c, report) => {
      const { parts } = SOURCES[c.dataset.source];
      const train = c.dataset.train.reduce((s, p) => s + (parts[p] ?? 0), 0);
      const { holdout } = c.dataset.validation;
      if (holdout !== undefined && holdout >= train) report(['dataset', 'validation', 'holdout'], train, holdout);
    },
  }),
  rule({
    name: 'batch-within-training',
    checks: "training.batch_size is at most the training split's size",
    message: (train: number, batch: number) =>
      `training.batch_size must be at most the training split's size (${train} images); got ${batch}`,
    find: (c, report) => {
      const { train } = splitSizes(c);
      if (train > 0 && c.training.batch_size > train) report(['training', 'batch_size'], train, c.training.batch_size);
    },
  }),
  rule({
    name: 'one-length',
    checks: 'training gives exactly one of cycles, epochs and steps',
    message: (given: string[]) =>
      given.length
        ? `training gives ${given.join(' and ')}; give only one of cycles, epochs or steps`
        : 'training needs its length: one of cycles (cyclic schedule), epochs or steps',
    find: (c, report) => {
      const given = (['cycles', 'epochs', 'steps'] as const).filter((k) => c.training[k] !== undefined);
      if (given.length !== 1) report(['training'], given);
    },
  }),
  rule({
    name: 'cycles-need-cyclic',
    checks: 'training.cycles is given only with a cyclic schedule',
    message: (kind: string) =>
      `training.cycles needs schedule.kind: cyclic; got schedule.kind "${kind}" (use epochs or steps)`,
    find: (c, report) => {
      if (c.training.cycles !== undefined && c.schedule.kind !== 'cyclic')
        report(['training', 'cycles'], c.schedule.kind);
    },
  }),
  rule({
    name: 'eta-order',
    checks: 'schedule.eta_min < schedule.eta_max for the cyclic schedule and the LR range test',
    message: (min: number, max: number) => `schedule.eta_max must be greater than eta_min (${min}); got ${max}`,
    find: (c, report) => {
      const s = c.schedule;
      if ((s.kind === 'cyclic' || s.kind === 'lr_range') && !(s.eta_min < s.eta_max))
        report(['schedule', 'eta_max'], s.eta_min, s.eta_max);
    },
  }),
  rule({
    name: 'per-cycle-needs-cyclic',
    checks: 'record.per_cycle is given only with a cyclic schedule',
    message: () => `record.per_cycle needs schedule.kind: cyclic; use record.per_epoch`,
    find: (c, report) => {
      if (c.record.per_cycle !== undefined && c.schedule.kind !== 'cyclic') report(['record', 'per_cycle']);
    },
  }),
  rule({
    name: 'augmentation-needs-images',
    checks: 'flips and translations are asked for only on 32×32×3 images',
    message: (source: string, d: number) =>
      `training.augmentation flip and translate need 32×32×3 images; ${source} has ${d} dimensions`,
    find: (c, report) => {
      const aug = c.training.augmentation;
      const { d } = SOURCES[c.dataset.source];
      if ((aug.flip || aug.translate > 0) && d !== 3072) report(['training', 'augmentation'], c.dataset.source, d);
    },
  }),
];

/** A trial config whose schedule.from names the LR range test that gives it eta_min and eta_max. */
export interface FromSubject {
  config: TrialConfig;
  variants: { name: string; config: TrialConfig }[];
}

const rangeTest = (s: FromSubject) => s.variants.find((v) => v.name === s.config.schedule.from);
const usesFrom = (s: FromSubject) => s.config.schedule.from !== undefined && s.config.schedule.kind !== 'lr_range';

/** Rules of schedule.from, where a file writes it (resolve.ts chooses the subjects and places). */
export const FROM_RULES: Rule<FromSubject>[] = [
  rule({
    name: 'from-is-variant',
    checks: 'schedule.from names a variant',
    message: (name: string, names: string[]) =>
      `schedule.from "${name}" is not a variant${didYouMean(name, names) || (names.length ? `; variants: ${names.join(', ')}` : '')}`,
    find: (s, report) => {
      if (usesFrom(s) && !rangeTest(s))
        report(
          ['schedule', 'from'],
          s.config.schedule.from!,
          s.variants.map((v) => v.name),
        );
    },
  }),
  rule({
    name: 'from-is-range-test',
    checks: 'the variant schedule.from names is an LR range test',
    message: (name: string, kind: string) =>
      `schedule.from "${name}" must name an LR range test (a variant with schedule.kind: lr_range); "${name}" has schedule.kind ${kind}`,
    find: (s, report) => {
      const source = rangeTest(s);
      if (usesFrom(s) && source && source.config.schedule.kind !== 'lr_range')
        report(['schedule', 'from'], source.name, source.config.schedule.kind);
    },
  }),
  rule({
    name: 'from-needs-cyclic',
    checks: 'a schedule that takes its bounds from an LR range test is cyclic',
    message: (kind: string) =>
      `schedule.from takes eta_min and eta_max from an LR range test, so it needs schedule.kind cyclic; got schedule.kind ${kind}`,
    find: (s, report) => {
      if (usesFrom(s) && rangeTest(s)?.config.schedule.kind === 'lr_range' && s.config.schedule.kind !== 'cyclic')
        report(['schedule', 'from'], s.config.schedule.kind);
    },
  }),
];
