// Every rule across fields (src/config/rules/) has a file here that breaks it: the test is derived
// from the rule list, so a rule added without a case fails. Each case is checked by its exact
// message and place, and by the name of the rule that reported it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveExperiment } from '../../src/config/resolve.ts';
import { ALL_RULES, ruleOf } from '../../src/config/rules/index.ts';
import { ConfigErrors } from '../../src/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'nnlab-rules-'));

/** Files after `name: <rule>`; `error` is the expected line after the file's name. */
const CASES: Record<string, { file: string; error: string }> = {
  'part-exists': {
    file: 'training: {cycles: 1}\ndataset: {train: [data_batch_1], validation: {parts: [data_batch_6]}}\n',
    error: '3:55: dataset.validation.parts[0] is not a part of cifar10: "data_batch_6"; did you mean "data_batch_1"?',
  },
  'validation-parts-or-holdout': {
    file: 'training: {cycles: 1}\ndataset:\n  validation: {parts: [data_batch_2], holdout: 100}\n',
    error: '4:15: dataset.validation needs exactly one of parts (e.g. [data_batch_2]) or holdout (e.g. 5000)',
  },
  'validation-not-training': {
    file: 'training: {cycles: 1}\ndataset: {train: [data_batch_1, data_batch_2], validation: {parts: [data_batch_2]}}\n',
    error:
      '3:69: dataset.validation.parts[0] "data_batch_2" is also a training part; use dataset.validation.holdout to validate on held-out training images',
  },
  'holdout-within-training': {
    file: 'training: {cycles: 1}\ndataset: {validation: {holdout: 20000}}\n',
    error: '3:33: dataset.validation.holdout must be smaller than the training split (10000 images); got 20000',
  },
  'batch-within-training': {
    file: 'training: {cycles: 1, batch_size: 10001}\n',
    error: "2:35: training.batch_size must be at most the training split's size (10000 images); got 10001",
  },
  'one-length': {
    file: 'training: {batch_size: 100}\n',
    error: '2:11: training needs its length: one of cycles (cyclic schedule), epochs or steps',
  },
  'cycles-need-cyclic': {
    file: 'training: {cycles: 2}\nschedule: {kind: constant}\n',
    error: '2:20: training.cycles needs schedule.kind: cyclic; got schedule.kind "constant" (use epochs or steps)',
  },
  'eta-order': {
    file: 'training: {cycles: 1}\nschedule: {eta_min: 0.1, eta_max: 0.1}\n',
    error: '3:35: schedule.eta_max must be greater than eta_min (0.1); got 0.1',
  },
  'per-cycle-needs-cyclic': {
    file: 'training: {epochs: 1}\nschedule: {kind: step}\nrecord: {per_cycle: 5}\n',
    error: '4:21: record.per_cycle needs schedule.kind: cyclic; use record.per_epoch',
  },
  'augmentation-needs-images': {
    file: 'dataset: {source: mnist, train: [train], validation: {holdout: 5000}, test: [test]}\ntraining: {cycles: 1, augmentation: {flip: true}}\n',
    error: '3:37: training.augmentation flip and translate need 32×32×3 images; mnist has 784 dimensions',
  },
  'from-is-variant': {
    file: 'training: {cycles: 1}\nschedule: {from: range}\n',
    error: '3:18: schedule.from "range" is not a variant; variants: base',
  },
  'from-is-range-test': {
    file: 'training: {cycles: 1}\nvariants:\n  - {name: plain, set: {}}\n  - {name: t, set: {schedule.from: plain}}\n',
    error:
      '5:5: variant "t": schedule.from "plain" must name an LR range test (a variant with schedule.kind: lr_range); "plain" has schedule.kind cyclic',
  },
  'from-needs-cyclic': {
    file: 'training: {epochs: 1}\nvariants:\n  - {name: range, set: {schedule.kind: lr_range}}\n  - {name: t, set: {schedule: {from: range, kind: step}}}\n',
    error:
      '5:5: variant "t": schedule.from takes eta_min and eta_max from an LR range test, so it needs schedule.kind cyclic; got schedule.kind step',
  },
  'override-is-setting': {
    file: 'training: {cycles: 1}\nsearches:\n  - {name: coarse, param: training.lambda, values: [0.1], set: {training.momentun: 0.5}}\n',
    error: '4:65: searches[0].set: "training.momentun" is not a setting; did you mean "training.momentum"?',
  },
  'variant-name-or-matrix': {
    file: 'training: {cycles: 1}\nvariants:\n  - {description: nameless}\n',
    error: '4:5: variants[0] needs either name (with set) or matrix, not neither',
  },
  'matrix-size': {
    file: `training: {cycles: 1}\nvariants:\n  - matrix:\n${['a', 'b', 'c', 'd'].map((axis) => `      ${axis}: {${Array.from({ length: 6 }, (_, k) => `v${k}: {}`).join(', ')}}`).join('\n')}\n`,
    error:
      '5:7: variants[0].matrix makes 1296 variants (6 × 6 × 6 × 6); at most 1000: split it into several matrices or drop an axis',
  },
  'variant-name-unique': {
    file: 'training: {cycles: 1}\nvariants:\n  - {name: a, set: {}}\n  - {name: a, set: {training.lambda: 0.1}}\n',
    error: '5:5: variant name "a" is used twice (also at variants[0]); names must be unique',
  },
  'stage-name-unique': {
    file: 'training: {cycles: 1}\nsearches:\n  - {name: s, param: training.lambda, values: [0.1]}\n  - {name: s, param: training.lambda, values: [0.2]}\n',
    error: '5:12: searches[1].name "s" is used by an earlier stage; stage names must be unique',
  },
  'stage-variant-exists': {
    file: 'training: {cycles: 1}\nsearches:\n  - {name: s, variant: wide, param: training.lambda, values: [0.1]}\n',
    error: '4:24: searches[0].variant "wide" is not a variant; variants: base',
  },
  'param-is-setting': {
    file: 'training: {cycles: 1}\nsearches:\n  - {name: s, param: model.hiden, values: [[10]]}\n',
    error: '4:22: searches[0].param "model.hiden" is not a setting; did you mean "model.hidden"?',
  },
  'param-is-number': {
    file: 'training: {cycles: 1}\nsearches:\n  - {name: s, param: model.init, range: [0, 1], distribution: uniform}\n',
    error: '4:22: searches[0].param "model.init" is not a number; search it with distribution: choice and values',
  },
  'stage-values-source': {
    file: 'training: {cycles: 1}\nsearches:\n  - {name: s, param: training.lambda, range: [0.1, 0.2], values: [0.1]}\n',
    error: '4:5: searches[0] ("s") needs exactly one of range, values or from; got range and values',
  },
  'choice-needs-values': {
    file: 'training: {cycles: 1}\nsearches:\n  - {name: s, param: training.lambda, range: [0.1, 0.2], distribution: choice}\n',
    error: '4:72: searches[0].distribution choice needs values: [...]',
  },
  'range-order': {
    file: 'training: {cycles: 1}\nsearches:\n  - {name: s, param: training.lambda, range: [0.2, 0.1]}\n',
    error: '4:46: searches[0].range must be [low, high] with low < high; got [0.2, 0.1]',
  },
  'log-range-positive': {
    file: 'training: {cycles: 1}\nsearches:\n  - {name: s, param: training.lambda, range: [0, 0.1]}\n',
    error:
      '4:47: searches[0].range must be positive for log_uniform; got [0, 0.1] (use distribution: uniform, or a low bound like 1e-6)',
  },
  'from-stage-exists': {
    file: 'training: {cycles: 1}\nsearches:\n  - {name: s, param: training.lambda, from: {stage: coarse}}\n',
    error: '4:53: searches[0].from.stage "coarse" is not a search stage',
  },
  'from-stage-earlier': {
    file: 'training: {cycles: 1}\nsearches:\n  - {name: s, param: training.lambda, from: {stage: s}}\n',
    error: '4:53: searches[0].from.stage "s" must be an earlier stage than "s"',
  },
  'final-needs-search': {
    file: 'training: {cycles: 1}\nfinal: {set: {training.epochs: 2}}\n',
    error: '3:8: final retrains the best trial of a search, but the experiment has no searches',
  },
  'final-from-exists': {
    file: 'training: {cycles: 1}\nsearches:\n  - {name: coarse, param: training.lambda, values: [0.1]}\nfinal: {from: corse}\n',
    error: '5:15: final.from "corse" is not a search stage; did you mean "coarse"?',
  },
  'check-dims-within-input': {
    file: 'dataset: {source: mnist, train: [train], validation: {holdout: 5000}, test: [test]}\ntraining: {cycles: 1}\ngradient_check: {networks: [{hidden: [10]}], dims: 785}\n',
    error: '4:52: gradient_check.dims must be at most the input dimension (784); got 785',
  },
};

test('every rule has a case, and every case names a rule', () => {
  const names = ALL_RULES.map((r) => r.name);
  assert.equal(new Set(names).size, names.length, 'rule names are unique');
  assert.deepEqual(
    names.filter((n) => !(n in CASES)),
    [],
    'rules without a case below',
  );
  assert.deepEqual(
    Object.keys(CASES).filter((n) => !names.includes(n)),
    [],
    'cases of no rule',
  );
});

for (const r of ALL_RULES) {
  test(`rule ${r.name}: ${r.checks}`, (t) => {
    const c = CASES[r.name];
    if (!c) return t.skip('no case (reported by the test above)');
    const file = join(dir, `${r.name}.yaml`);
    writeFileSync(file, `name: ${r.name}\n${c.file}`);
    let errors: ConfigErrors | undefined;
    try {
      resolveExperiment(file);
    } catch (err) {
      if (!(err instanceof ConfigErrors)) throw err;
      errors = err;
    }
    assert.ok(errors, 'the case is rejected');
    const lines = errors.errors.map(
      (e) =>
        `${e.file.endsWith(`${r.name}.yaml`) ? '' : `${e.file}:`}${e.line}:${e.column}: ${e.detail}  [${ruleOf(e) ?? 'not a rule'}]`,
    );
    assert.deepEqual(lines, [`${c.error}  [${r.name}]`]);
  });
}
