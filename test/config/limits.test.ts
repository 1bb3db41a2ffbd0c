// Messages for what a file may not hold even where its YAML parses (src/config/limits.ts), by exact
// text: overflow, underflow, NaN and ∞, invalid UTF-8, aliases, unknown tags, and echoes of huge
// input cut short. Several were found by the fuzz tests (fuzz.test.ts) and are kept here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { resolveExperiment } from '../../src/config/resolve.ts';
import { ConfigError, ConfigErrors } from '../../src/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'nnlab-limits-'));
const CORPUS = join(import.meta.dirname, 'fuzz', 'corpus');

function errorsOf(text: string | Buffer, set?: string[], file = join(dir, 'a.yaml')): string[] {
  if (text) writeFileSync(file, text);
  const shown = relative(process.cwd(), file).startsWith('..') ? file : relative(process.cwd(), file);
  try {
    resolveExperiment(file, { set });
  } catch (err) {
    const list = err instanceof ConfigErrors ? err.errors : err instanceof ConfigError ? [err] : null;
    if (!list) throw err;
    return list.map((e) => e.message.split(shown).join('FILE'));
  }
  assert.fail('expected the config to be rejected');
}
const ok = 'name: a\ntraining: {cycles: 1}\n';

test('numbers that overflow, underflow or are not numbers name the place and the value as written', () => {
  assert.deepEqual(errorsOf(`${ok}schedule: {eta_max: 1e400, eta_min: -1e400}\n`), [
    'FILE:3:21: schedule.eta_max: 1e400 is too large (overflows to Infinity); the largest number is about 1.8e308',
    'FILE:3:37: schedule.eta_min: -1e400 is too large (overflows to -Infinity); the largest number is about 1.8e308',
  ]);
  assert.deepEqual(errorsOf(`name: a\ntraining: {cycles: 1, lambda: 1e-400}\n`), [
    'FILE:2:31: training.lambda: 1e-400 is too small (underflows to 0); write 0 if you mean 0',
  ]);
  assert.deepEqual(errorsOf(`name: a\ntraining: {cycles: 1, lambda: .nan, momentum: -.inf}\n`), [
    'FILE:2:31: training.lambda: .nan is not a number (NaN); give a finite number',
    'FILE:2:47: training.momentum: -.inf is infinite; give a finite number',
  ]);
  // Zero written as zero is not an underflow.
  writeFileSync(join(dir, 'z.yaml'), 'name: z\ntraining: {cycles: 1, lambda: 0.0, momentum: 0e5}\n');
  assert.equal(resolveExperiment(join(dir, 'z.yaml')).base.training.lambda, 0);
});

test('--set values get the same checks, placed at the column of the value in the flag', () => {
  assert.deepEqual(errorsOf(ok, ['training.lambda=1e400']), [
    '--set:1:17: cannot use the value of "training.lambda=1e400": training.lambda: 1e400 is too large (overflows to Infinity); the largest number is about 1.8e308',
  ]);
  assert.deepEqual(errorsOf(ok, ['model.hidden=[&a [1], *b]']), [
    '--set:1:23: cannot use the value of "model.hidden=[&a [1], *b]": invalid YAML: the alias *b refers to no anchor before it; define &b first',
  ]);
});

test('aliases: a bomb, an alias inside its own anchor, an alias to nothing (found by fuzzing: stack traces before)', () => {
  assert.deepEqual(
    errorsOf('', undefined, join(CORPUS, 'alias-bomb.yaml')).map((e) => e.replace(/^.*alias-bomb.yaml/, 'FILE')),
    [
      'FILE:7:10: invalid YAML: the aliases expand to more than 100000 values (*a4 alone stands for over 100000); write the values out or nest fewer aliases',
    ],
  );
  assert.deepEqual(
    errorsOf('', undefined, join(CORPUS, 'recursive-alias.yaml')).map((e) =>
      e.replace(/^.*recursive-alias.yaml/, 'FILE'),
    ),
    ['FILE:2:32: invalid YAML: the alias *x is inside its own anchor &x, so the value would contain itself'],
  );
  assert.deepEqual(errorsOf('name: a\ntraining: {cycles: *nope}\n'), [
    'FILE:2:20: invalid YAML: the alias *nope refers to no anchor before it; define &nope first',
  ]);
  // Aliases within the limit still work.
  assert.equal(
    resolveExperiment(
      (writeFileSync(
        join(dir, 'b.yaml'),
        'name: b\nmodel: {hidden: &h [20, 20]}\ntraining: {cycles: 1}\ngradient_check: {networks: [{hidden: *h}]}\n',
      ),
      join(dir, 'b.yaml')),
    ).gradientCheck!.networks[0].hidden.length,
    2,
  );
});

test('bytes that are not UTF-8 are placed at the first one; an unknown tag is an error, not a printed warning', () => {
  assert.deepEqual(
    errorsOf('', undefined, join(CORPUS, 'invalid-utf8.yaml')).map((e) => e.replace(/^.*invalid-utf8.yaml/, 'FILE')),
    ['FILE:3:18: the file is not valid UTF-8 (byte 0xff here); save it as UTF-8'],
  );
  assert.deepEqual(
    errorsOf(Buffer.concat([Buffer.from('name: a\ntitle: "é'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"\n')])),
    ['FILE:2:10: the file is not valid UTF-8 (byte 0xed here); save it as UTF-8'],
  );
  assert.deepEqual(errorsOf('name: a\nseed: !!float abc\ntraining: {cycles: 1}\n'), [
    'FILE:2:7: invalid YAML: Unresolved tag: tag:yaml.org,2002:float',
  ]);
});

test('a huge key or value is echoed by its start and length (found by fuzzing: 200 000-character message lines)', () => {
  assert.deepEqual(errorsOf(`${ok}? ${'a'.repeat(200_000)}\n: 1\n`), [
    `FILE:3:3: unknown key "${'a'.repeat(40)}…(200000 characters)"; allowed keys: $schema, extends, name, title, description, seed, repeats, dataset, preprocess, model, training, schedule, record, gradient_check, variants, searches, final, report`,
  ]);
  assert.deepEqual(errorsOf(`name: a\ntraining: {cycles: 1}\nmodel: {hidden: "${'x '.repeat(100_000)}"}\n`), [
    `FILE:3:17: model.hidden must be a list; got "${'x '.repeat(20)}…(200000 characters)"`,
  ]);
});

test('a matrix whose axes multiply past 1000 variants is refused at the matrix, at once (a hang before)', () => {
  const t0 = performance.now();
  assert.deepEqual(
    errorsOf('', undefined, join(CORPUS, 'matrix-explosion.yaml')).map((e) =>
      e.replace(/^.*matrix-explosion.yaml/, 'FILE'),
    ),
    [
      'FILE:5:7: variants[0].matrix makes 10000000 variants (10 × 10 × 10 × 10 × 10 × 10 × 10); at most 1000: split it into several matrices or drop an axis',
    ],
  );
  assert.ok(performance.now() - t0 < 5000);
});

test('a --set value with line breaks gives a one-line message (found by fuzzing: lines without a place)', () => {
  assert.deepEqual(errorsOf(ok, ['training.lambda=|\n  block\n  text']), [
    '--set training.lambda=|\\n  block\\n  text:1:1: training.lambda must be a number; got "block\\ntext\\n"',
  ]);
});
