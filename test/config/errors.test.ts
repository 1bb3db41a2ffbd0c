// Each class of config mistake, by its exact message, file, line and column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { resolveExperiment } from '../../src/config/resolve.ts';
import { ConfigError, ConfigErrors } from '../../src/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'nnlab-config-'));
const shown = (name: string) => {
  const rel = relative(process.cwd(), join(dir, name));
  return rel.startsWith('..') ? join(dir, name) : rel;
};

const strip = (e: { message: string }) => e.message.split(shown('') + '/').join('');

/** Writes files, resolves the first, and returns the error lines with the temp folder replaced by FILE's name. */
function errorsOf(files: Record<string, string>, set?: string[]): string[] {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const first = Object.keys(files)[0];
  try {
    resolveExperiment(join(dir, first), { set });
  } catch (err) {
    const list = err instanceof ConfigErrors ? err.errors : err instanceof ConfigError ? [err] : null;
    if (!list) throw err;
    return list.map(strip);
  }
  assert.fail('expected the config to be rejected');
}

test('unknown keys suggest the likely key, at the key', () => {
  assert.deepEqual(
    errorsOf({ 'a.yaml': 'name: a\nmodle:\n  hidden: [50]\ntraining:\n  batch_sise: 100\n  cycles: 1\n' }),
    [
      'a.yaml:2:1: unknown key "modle"; did you mean "model"?',
      'a.yaml:5:3: unknown key "batch_sise" in training; did you mean "batch_size"?',
    ],
  );
});

test('enum values suggest the likely value; types and bounds name the value', () => {
  assert.deepEqual(
    errorsOf({
      'b.yaml':
        'name: b\nmodel:\n  init: hee\n  hidden: [50, 0]\ntraining:\n  batch_size: "100x"\n  lambda: -1\n  cycles: 1\n',
    }),
    [
      'b.yaml:3:9: model.init must be one of normal, fan_in, he, xavier; got "hee"; did you mean "he"?',
      'b.yaml:4:16: model.hidden[1] must be ≥ 1; got 0',
      'b.yaml:6:15: training.batch_size must be an integer; got "100x"',
      'b.yaml:7:11: training.lambda must be ≥ 0; got -1',
    ],
  );
});

test('a missing required key points at its parent; a bad name suggests a valid one', () => {
  assert.deepEqual(errorsOf({ 'c.yaml': 'seed: 3\n' }), ['c.yaml:1:1: (top level) is missing the required key "name"']);
  assert.deepEqual(errorsOf({ 'c2.yaml': 'name: My Run\ntraining: {cycles: 1}\n' }), [
    'c2.yaml:1:7: name must match ^[a-z0-9][a-z0-9_-]*$; got "My Run"; did you mean "my-run"?',
  ]);
});

test('rules across fields: eta_min < eta_max, holdout and batch size within the training split', () => {
  assert.deepEqual(
    errorsOf({
      'd.yaml': 'name: d\ntraining:\n  cycles: 1\n  batch_size: 20000\nschedule:\n  eta_min: 0.1\n  eta_max: 0.01\n',
    }),
    [
      "d.yaml:4:15: training.batch_size must be at most the training split's size (10000 images); got 20000",
      'd.yaml:7:12: schedule.eta_max must be greater than eta_min (0.1); got 0.01',
    ],
  );
  assert.deepEqual(
    errorsOf({
      'e.yaml': 'name: e\ntraining: {cycles: 1}\ndataset:\n  train: [data_batch_1]\n  validation: {holdout: 10000}\n',
    }),
    ['e.yaml:5:25: dataset.validation.holdout must be smaller than the training split (10000 images); got 10000'],
  );
  assert.deepEqual(errorsOf({ 'f.yaml': 'name: f\ntraining: {cycles: 1, epochs: 3}\n' }), [
    'f.yaml:2:11: training gives cycles and epochs; give only one of cycles, epochs or steps',
  ]);
  assert.deepEqual(errorsOf({ 'g.yaml': 'name: g\ndataset: {train: [data_bach_1]}\ntraining: {cycles: 1}\n' }), [
    'g.yaml:2:19: dataset.train[0] is not a part of cifar10: "data_bach_1"; did you mean "data_batch_1"?',
  ]);
});

test('searches: the parameter path, the variant and the earlier stage must exist; log_uniform bounds positive', () => {
  const text = [
    'name: s',
    'training: {cycles: 1}',
    'variants:',
    '  - {name: small, set: {model.hidden: [10]}}',
    'searches:',
    '  - {name: coarse, param: training.lamda, range: [1.0e-5, 1.0e-1]}',
    '  - {name: mid, variant: smal, param: training.lambda, range: [0, 1]}',
    '  - {name: fine, param: training.lambda, from: {stage: corse}}',
    '',
  ].join('\n');
  assert.deepEqual(errorsOf({ 's.yaml': text }), [
    's.yaml:6:27: searches[0].param "training.lamda" is not a setting; did you mean "training.lambda"?',
    's.yaml:7:26: searches[1].variant "smal" is not a variant; did you mean "small"?',
    's.yaml:7:64: searches[1].range must be positive for log_uniform; got [0, 1] (use distribution: uniform, or a low bound like 1e-6)',
    's.yaml:8:56: searches[2].from.stage "corse" is not a search stage; did you mean "coarse"?',
  ]);
});

test('variants: overrides must name settings and hold valid values, reported at the override', () => {
  const text =
    'name: v\ntraining: {cycles: 1}\nvariants:\n  - name: a\n    set:\n      model.hiden: [3]\n  - name: b\n    set:\n      training.lambda: -3\n';
  assert.deepEqual(errorsOf({ 'v.yaml': text }), [
    'v.yaml:6:7: variant "a": "model.hiden" is not a setting; did you mean "model.hidden"?',
    'v.yaml:9:24: variant "b": training.lambda must be ≥ 0; got -3',
  ]);
});

test('an error inside an extended file is reported in that file', () => {
  assert.deepEqual(
    errorsOf({
      'child.yaml': 'extends: base.yaml\nname: child\n',
      'base.yaml': 'name: base\ntraining:\n  cycles: 1\n  momentum: 1.5\n',
    }),
    ['base.yaml:4:13: training.momentum must be < 1; got 1.5'],
  );
  assert.deepEqual(errorsOf({ 'orphan.yaml': 'extends: nowhere.yaml\nname: orphan\n' }), [
    'orphan.yaml:1:10: extends: cannot read "nowhere.yaml" (ENOENT); the path is relative to orphan.yaml',
  ]);
  const loop = errorsOf({ 'l1.yaml': 'extends: l2.yaml\nname: l1\n', 'l2.yaml': 'extends: l1.yaml\nname: l2\n' });
  assert.equal(loop.length, 1);
  assert.match(loop[0], /^l1\.yaml:1:1: extends forms a cycle: .*l1\.yaml → .*l2\.yaml → .*l1\.yaml$/);
});

test('the extending file wins, and its values are reported in it', () => {
  writeFileSync(join(dir, 'base2.yaml'), 'name: base2\ntraining:\n  cycles: 1\n  lambda: 0.5\n');
  writeFileSync(join(dir, 'child2.yaml'), 'extends: base2.yaml\nname: child2\ntraining:\n  lambda: -2\n');
  assert.throws(
    () => resolveExperiment(join(dir, 'child2.yaml')),
    (err: ConfigErrors) => {
      assert.deepEqual(err.errors.map(strip), ['child2.yaml:4:11: training.lambda must be ≥ 0; got -2']);
      return true;
    },
  );
  writeFileSync(join(dir, 'child3.yaml'), 'extends: base2.yaml\nname: child3\ntraining:\n  epochs: 2\n');
  const exp = resolveExperiment(join(dir, 'child3.yaml'));
  assert.equal(exp.base.training.epochs, 2);
  assert.equal(exp.base.training.cycles, undefined, 'epochs in the child replaces cycles of the base');
  assert.equal(exp.base.training.lambda, 0.5);
});

test('invalid YAML and duplicate keys are reported with their position', () => {
  assert.deepEqual(errorsOf({ 'y.yaml': 'name: y\ntraining: {cycles: 1\n' }).length, 1);
  assert.match(
    errorsOf({ 'y2.yaml': 'name: y\nname: z\n' })[0],
    /^y2\.yaml:2:1: invalid YAML: Map keys must be unique/,
  );
});

test('--set overrides are validated and named', () => {
  writeFileSync(join(dir, 'o.yaml'), 'name: o\ntraining: {cycles: 1}\n');
  assert.deepEqual(errorsOf({ 'o.yaml': 'name: o\ntraining: {cycles: 1}\n' }, ['training.lamda=3']), [
    '--set:1:1: "training.lamda" is not a setting; did you mean "training.lambda"?',
  ]);
  assert.deepEqual(errorsOf({ 'o.yaml': 'name: o\ntraining: {cycles: 1}\n' }, ['training.lambda=-1']), [
    '--set training.lambda=-1:1:1: training.lambda must be ≥ 0; got -1',
  ]);
  const exp = resolveExperiment(join(dir, 'o.yaml'), { set: ['training.lambda=0.25', 'model.hidden=[20, 10]'] });
  assert.equal(exp.base.training.lambda, 0.25);
  assert.deepEqual(exp.base.model.hidden, [20, 10]);
});
