// nnlab resolve: the same text for two formattings of one experiment and on every run; trials with
// hashes and what they change; and git diff through it as a textconv driver (extends included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { BIN, git, initRepo, nnlab, tempDir, TINY, write } from './fixtures.ts';

const FLOW = `# TINY written in flow style, keys in another order, with comments
training: { cycles: 1, lambda: 1.0e-2, batch_size: 100 }
schedule: { step_size: 500, eta_max: 0.1, eta_min: 0.00001, kind: cyclic }
model: { hidden: [50] }   # one hidden layer
dataset: { test: [test_batch], validation: { parts: [data_batch_2] }, train: [data_batch_1], source: cifar10 }
name: tiny
seed: 1
variants:
  - { name: wide, set: { model.hidden: [100] } }
`;
const BLOCK = `${TINY}variants:
  - name: wide
    set:
      model.hidden:
        - 100
`;

test('resolve prints the same text for two formattings of one file, and the same text twice', () => {
  const dir = write(tempDir(), { 'flow.yaml': FLOW, 'block.yaml': BLOCK });
  const a = nnlab(['resolve', 'flow.yaml'], dir);
  const b = nnlab(['resolve', 'block.yaml'], dir);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  assert.equal(nnlab(['resolve', 'flow.yaml'], dir).stdout, a.stdout);
  assert.ok(!a.stdout.includes('\x1b['));
  const [config, trials] = parseAllDocuments(a.stdout).map((d) => d.toJS());
  assert.equal(config.training.lambda, 0.01);
  assert.equal(config.model.dropout, 0, 'defaults are filled in');
  assert.deepEqual(Object.keys(config), [...Object.keys(config)].sort(), 'keys are sorted');
  assert.deepEqual(
    trials.trials.map((t: { id: string }) => t.id),
    ['variant/wide'],
  );
  assert.deepEqual(trials.trials[0].set, { 'model.hidden': [100] });
  assert.match(trials.trials[0].hash, /^[0-9a-f]{16}$/);
});

test('resolve --set applies overrides; a bad file exits 1 with its message, --textconv prints it as comments', () => {
  const dir = write(tempDir(), { 'a.yaml': TINY, 'bad.yaml': TINY.replace('lambda: 0.01', 'lambda: -1') });
  const r = nnlab(['resolve', 'a.yaml', '--set', 'training.lambda=0.5'], dir);
  assert.equal(parseAllDocuments(r.stdout)[0].toJS().training.lambda, 0.5);
  const bad = nnlab(['resolve', 'bad.yaml'], dir);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^bad\.yaml:12:11: training\.lambda/);
  const conv = nnlab(['resolve', '--textconv', 'bad.yaml'], dir);
  assert.equal(conv.status, 0);
  assert.match(
    conv.stdout,
    /^# nnlab resolve: does not resolve on its own; the file as written follows\.\n# {3}line 12:11: training\.lambda/,
  );
  assert.ok(conv.stdout.endsWith(TINY.replace('lambda: 0.01', 'lambda: -1')));
});

test('git diff through resolve as textconv: a change in an extended base shows in the child', () => {
  const base = TINY.replace('name: tiny\n', 'name: base\n');
  const dir = write(tempDir(), {
    'experiments/base.yaml': base,
    'experiments/child.yaml':
      'extends: base.yaml\nname: child\nvariants:\n  - { name: wide, set: { model.hidden: [100] } }\n',
    '.gitattributes': 'experiments/*.yaml diff=nnlab\n',
  });
  initRepo(dir);
  git(dir, 'config', 'diff.nnlab.textconv', `"${process.execPath}" "${BIN}" resolve`);
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'first');
  // Re-formatting is no change; a real change shows as resolved lines.
  writeFileSync(
    join(dir, 'experiments/child.yaml'),
    '# comment\nname: child\nvariants: [{ set: { model.hidden: [100] }, name: wide }]\nextends: base.yaml\n',
  );
  assert.equal(git(dir, 'diff', 'HEAD', '--', 'experiments/child.yaml'), '');
  writeFileSync(
    join(dir, 'experiments/child.yaml'),
    'extends: base.yaml\nname: child\nvariants:\n  - { name: wide, set: { model.hidden: [200] } }\n',
  );
  git(dir, 'commit', '-q', '-am', 'second');
  // Both sides are blobs here, so git hands resolve temporary copies: their extends still resolve.
  const out = git(dir, 'diff', 'HEAD~1', 'HEAD', '--', 'experiments/child.yaml');
  assert.match(out, /^-\s+model\.hidden: \[100\]$/m);
  assert.match(out, /^\+\s+model\.hidden: \[200\]$/m);
  assert.match(out, /^-\s+hash: [0-9a-f]{16}$/m);
  assert.ok(!/does not resolve/.test(out), out);
});
