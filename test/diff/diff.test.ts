// nnlab diff: formatting-only changes are no change; a changed base shows with the base's line;
// a changed search range adds and removes trials; git revisions on one side and --git; result
// deltas with seed-to-seed noise; the three output formats; exit codes of the real command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareExperiments, resolveSide, type FileDiff } from '../../src/diff/compare.ts';
import { openSide } from '../../src/diff/sides.ts';
import { planTrials } from '../../src/config/expand.ts';
import { resolveExperiment } from '../../src/config/resolve.ts';
import { git, initRepo, nnlab, storeResult, tempDir, TINY, twoSides, write } from './fixtures.ts';

// Every store empty unless a test points NNLAB_RUNS at its fixtures: the repository's own runs/
// (whatever this machine has trained) must not change what a diff of the committed files shows.
const NO_RUNS = join(tempDir(), 'runs-none');
process.env.NNLAB_RUNS = NO_RUNS;

function diff(a: string, b: string, cwd?: string): FileDiff {
  const sa = openSide(a, cwd);
  const sb = openSide(b, cwd);
  try {
    return compareExperiments({ side: sa, exp: resolveSide(sa) }, { side: sb, exp: resolveSide(sb) });
  } finally {
    sa.cleanup();
    sb.cleanup();
  }
}

const SEARCH = `searches:
  - name: coarse
    param: training.lambda
    distribution: log_uniform
    range: [1.0e-5, 1.0e-1]
    trials: 4
`;

// The same experiment as TINY + SEARCH: comments, other key order, block and flow styles swapped.
const REFORMATTED = `# the same experiment, written differently
schedule: { kind: cyclic, eta_max: 0.1, eta_min: 0.00001, step_size: 500 }   # flow map
training:
  cycles: 1
  lambda: 1.0e-2
  batch_size: 100
searches: [{ trials: 4, range: [0.00001, 0.1], name: coarse, distribution: log_uniform, param: training.lambda }]
model: { hidden: [ 50 ] }
dataset:
  test:
    - test_batch
  validation:
    parts:
      - data_batch_2
  train: [data_batch_1]
  source: cifar10
seed: 1
name: tiny
`;

test('re-formatting a file (comments, key order, flow vs block) is no semantic change, exit 0', () => {
  const dir = write(tempDir(), { 'experiments/a.yaml': TINY + SEARCH, 'experiments/b.yaml': REFORMATTED });
  const d = diff(join(dir, 'experiments/a.yaml'), join(dir, 'experiments/b.yaml'));
  assert.equal(d.semanticChange, false);
  assert.deepEqual(d.settings, []);
  assert.deepEqual([d.trials.added, d.trials.removed, d.trials.changed], [[], [], []]);
  assert.equal(d.trials.unchanged.length, 5);
  const r = nnlab(['diff', 'experiments/a.yaml', 'experiments/b.yaml'], dir);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, 'experiments/a.yaml → experiments/b.yaml: no semantic change (5 trials unchanged)\n');
});

test("a changed default in an extended file shows in the child, at the base file's line", () => {
  const base = TINY.replace('name: tiny\n', 'name: base\n');
  const dir = write(tempDir(), {
    'old/base.yaml': base,
    'old/child.yaml': 'extends: base.yaml\nname: child\n',
    'new/base.yaml': base.replace('lambda: 0.01', 'lambda: 0.02'),
    'new/child.yaml': 'extends: base.yaml\nname: child\n',
  });
  const d = diff(join(dir, 'old/child.yaml'), join(dir, 'new/child.yaml'), dir);
  assert.equal(d.semanticChange, true);
  assert.equal(d.settings.length, 1);
  const [s] = d.settings;
  assert.equal(s.path, 'training.lambda');
  assert.deepEqual([s.change, s.old, s.new], ['changed', 0.01, 0.02]);
  assert.match(s.oldAt!, /old\/base\.yaml:12:11$/);
  assert.match(s.newAt!, /new\/base\.yaml:12:11$/);
  assert.deepEqual(
    d.trials.changed.map((t) => t.id),
    ['variant/base'],
  );
});

test('a value filled in from the schema is reported as "default"', () => {
  const dir = write(tempDir(), {
    'a.yaml': TINY,
    'b.yaml': TINY.replace('  hidden: [50]\n', '  hidden: [50]\n  dropout: 0.2\n'),
  });
  const d = diff(join(dir, 'a.yaml'), join(dir, 'b.yaml'));
  assert.deepEqual(
    d.settings.map((s) => [s.path, s.old, s.new, s.oldAt, s.newAt?.replace(/^.*\//, '')]),
    [['model.dropout', 0, 0.2, 'default', 'b.yaml:10:12']],
  );
});

test("a changed search range removes the old values' trials and adds the new ones", () => {
  const dir = write(tempDir(), {
    'a.yaml': TINY + SEARCH,
    'b.yaml': TINY + SEARCH.replace('range: [1.0e-5, 1.0e-1]', 'range: [1.0e-4, 1.0e-2]'),
  });
  const d = diff(join(dir, 'a.yaml'), join(dir, 'b.yaml'));
  assert.deepEqual(
    d.settings.map((s) => [s.path, s.old, s.new]),
    [['searches[coarse].range', [1e-5, 0.1], [1e-4, 0.01]]],
  );
  assert.equal(d.trials.added.length, 4);
  assert.equal(d.trials.removed.length, 4);
  assert.deepEqual(d.trials.changed, []);
  assert.deepEqual(
    d.trials.unchanged.map((t) => t.id),
    ['variant/base'],
  );
  for (const t of d.trials.added) {
    assert.equal(t.param, 'training.lambda');
    assert.ok((t.value as number) >= 1e-4 && (t.value as number) <= 1e-2, `${t.value} in the new range`);
  }
  // The same seed draws the same uniform numbers: the new values are the old ones mapped to the new range.
  assert.deepEqual(
    d.trials.added.map((t) => t.id),
    d.trials.removed.map((t) => t.id),
  );
});

test('a git revision on one side, with its extends read at that revision; and --git HEAD', () => {
  const base = TINY.replace('name: tiny\n', 'name: base\n');
  const dir = write(tempDir(), {
    'experiments/base.yaml': base,
    'experiments/exp.yaml': 'extends: base.yaml\nname: exp\n' + SEARCH,
  });
  initRepo(dir);
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'first');
  writeFileSync(join(dir, 'experiments/base.yaml'), base.replace('eta_max: 1.0e-1', 'eta_max: 5.0e-2'));

  const d = diff('HEAD:experiments/exp.yaml', 'experiments/exp.yaml', dir);
  assert.equal(d.old, 'HEAD:experiments/exp.yaml');
  assert.deepEqual(
    d.settings.map((s) => [s.path, s.old, s.new, s.oldAt]),
    [['schedule.eta_max', 0.1, 0.05, 'HEAD:experiments/base.yaml:17:12']],
  );
  assert.equal(d.trials.added.length + d.trials.changed.length, 5);

  const one = nnlab(['diff', 'HEAD:experiments/exp.yaml', 'experiments/exp.yaml', '--format', 'json'], dir);
  assert.equal(one.status, 1, one.stderr);
  assert.equal(JSON.parse(one.stdout).files[0].settings[0].oldAt, 'HEAD:experiments/base.yaml:17:12');

  const all = nnlab(['diff', '--git', 'HEAD', '--format', 'json'], dir);
  assert.equal(all.status, 1, all.stderr);
  const files = JSON.parse(all.stdout).files as FileDiff[];
  assert.deepEqual(
    files.map((f) => [f.old, f.new, f.status]),
    [
      ['HEAD:experiments/base.yaml', 'experiments/base.yaml', 'changed'],
      ['HEAD:experiments/exp.yaml', 'experiments/exp.yaml', 'changed'],
    ],
  );

  git(dir, 'commit', '-q', '-am', 'second');
  const none = nnlab(['diff', '--git', 'HEAD'], dir);
  assert.equal(none.status, 0, none.stderr);
  assert.equal(none.stdout, 'nnlab diff --git HEAD: no experiment changed\n');
  const back = nnlab(['diff', '--git', 'HEAD~1'], dir);
  assert.equal(back.status, 1, back.stderr);
});

test('result deltas of single runs: a t-test against the seed-to-seed sd of the stored other seeds', () => {
  const variants = `variants:
  - { name: one, set: {} }
  - { name: one-seed2, set: { seed: 2 } }
  - { name: wide, set: { model.hidden: [100] } }
  - { name: wide-seed2, set: { model.hidden: [100], seed: 2 } }
`;
  const { dir, runs, old, now } = twoSides(
    TINY + variants,
    TINY.replace('eta_max: 1.0e-1', 'eta_max: 5.0e-2') + variants,
  );
  const accuracies: Record<string, [number, number]> = {
    one: [0.4, 0.41],
    'one-seed2': [0.42, 0.425],
    wide: [0.45, 0.5],
    'wide-seed2': [0.46, 0.505],
  };
  for (const [name, [a, b]] of Object.entries(accuracies)) {
    const ta = old.get(`variant/${name}`)!;
    const tb = now.get(`variant/${name}`)!;
    storeResult(runs, 'tiny', ta.hash, ta.config, { validation: a, test: a - 0.01, seconds: 10 });
    storeResult(runs, 'tiny', tb.hash, tb.config, { validation: b, test: b - 0.01, seconds: 12 });
  }
  // Both sides' stores resolve to dir/runs: experiments/old/../../runs would be dir/experiments/runs,
  // so point NNLAB_RUNS at the fixtures.
  process.env.NNLAB_RUNS = runs;
  let d: FileDiff;
  try {
    d = diff(join(dir, 'experiments/old/tiny.yaml'), join(dir, 'experiments/tiny.yaml'));
  } finally {
    process.env.NNLAB_RUNS = NO_RUNS;
  }
  assert.equal(d.hashes.configOnly, false);
  assert.equal(d.hashes.engineVersion, 'engine-test');
  const byId = new Map(d.results.map((r) => [r.id, r]));
  assert.deepEqual([...byId.keys()], ['variant/one', 'variant/one-seed2', 'variant/wide', 'variant/wide-seed2']);
  const one = byId.get('variant/one')!.validationAccuracy!;
  assert.equal(one.old, 0.4);
  assert.equal(one.new, 0.41);
  assert.ok(Math.abs(one.delta - 0.01) < 1e-12);
  // Each side's config has two stored seeds (one, one-seed2): sd over them, Welch–Satterthwaite df.
  // scipy 1.10.1: t = 0.01/√(tvar([0.4, 0.42]) + tvar([0.41, 0.425])) = 0.5657, df = 1.8546,
  // p = 2·t.sf(t, df) = 0.6324876772446357; for wide t = 6.3246, df = 1.4706, p = 0.0484620353451713.
  const near = (got: number, want: number, what: string) =>
    assert.ok(Math.abs(got - want) <= 1e-9 * Math.abs(want), `${what}: ${got}, scipy ${want}`);
  assert.equal(one.comparison!.test, 'single-runs');
  near(one.comparison!.result!.t, 0.5656854249492358, 'one t');
  near(one.comparison!.result!.df, 1.8545994065281923, 'one df');
  near(one.comparison!.result!.p, 0.6324876772446357, 'one p');
  assert.equal(one.withinNoise, true);
  const wide = byId.get('variant/wide')!.validationAccuracy!;
  near(wide.comparison!.result!.p, 0.0484620353451713, 'wide p');
  // scipy's t.ppf at non-integer df is good to about 1e-8 (test/stats/t-test.test.ts).
  assert.ok(Math.abs(wide.comparison!.result!.ci[0] - 0.001078655877353299) < 1e-9, 'wide CI low');
  assert.equal(wide.withinNoise, false);
  // Every seed took 10 s (old) and 12 s (new): no spread, so no test.
  assert.deepEqual(byId.get('variant/wide')!.seconds, { old: 10, new: 12, delta: 2 });

  const md = nnlab(['diff', 'experiments/old/tiny.yaml', 'experiments/tiny.yaml', '--format', 'md'], dir, {
    NNLAB_RUNS: runs,
  });
  assert.equal(md.status, 1, md.stderr);
  const row = (id: string) => md.stdout.split('\n').find((l) => l.startsWith(`| \`variant/${id}\``) && l.includes('%'));
  assert.equal(
    row('one'),
    '| `variant/one` | 40.00% → 41.00%, +1.00 pp (95% CI −7.21 … 9.21; t-test of one run each against the sd of other stored seeds, p = 0.63, df = 1.85): within the noise of the seeds | 39.00% → 40.00%, +1.00 pp (95% CI −7.21 … 9.21; t-test of one run each against the sd of other stored seeds, p = 0.63, df = 1.85): within the noise of the seeds | 10.0 s → 12.0 s, +2.0 s |',
  );
  assert.match(
    row('wide')!,
    /^\| `variant\/wide` \| 45\.00% → 50\.00%, \+5\.00 pp \(95% CI 0\.11 … 9\.89; t-test of one run each against the sd of other stored seeds, p = 0\.048, df = 1\.47\): beyond the noise of the seeds \|/,
  );
});

test('--format md: the exact Markdown of a small change', () => {
  const dir = write(tempDir(), { 'a.yaml': TINY, 'b.yaml': TINY.replace('lambda: 0.01', 'lambda: 0.02') });
  const ctx = { engineVersion: 'config-only', dataFingerprint: 'config-only' };
  const hash = (f: string) => planTrials(resolveExperiment(join(dir, f)), ctx).trials[0].hash;
  const r = nnlab(['diff', 'a.yaml', 'b.yaml', '--format', 'md'], dir);
  assert.equal(r.status, 1, r.stderr);
  assert.equal(
    r.stdout,
    `**nnlab diff** \`a.yaml\` → \`b.yaml\`: 1 setting changed; trials: 1 retrained, 0 unchanged.

| Setting | Change | Old | New | Old source | New source |
|---|---|---|---|---|---|
| \`training.lambda\` | changed | \`0.01\` | \`0.02\` | \`a.yaml:12:11\` | \`b.yaml:12:11\` |

Trials: 1 retrained, 0 unchanged:

| Trial | Change | Hash | Value |
|---|---|---|---|
| \`variant/base\` | retrained | \`${hash('a.yaml')}\` → \`${hash('b.yaml')}\` |  |

Hashes are config-only: no stored run gives the engine version and data fingerprint, so they will not match the run store.
`,
  );
});

test('--format json: a stable schema with every field; terminal output has no colour off a TTY', () => {
  const dir = write(tempDir(), {
    'a.yaml': TINY + SEARCH,
    'b.yaml': TINY.replace('lambda: 0.01', 'lambda: 0.02') + SEARCH.replace('trials: 4', 'trials: 5'),
  });
  const r = nnlab(['diff', 'a.yaml', 'b.yaml', '--format=json'], dir);
  assert.equal(r.status, 1, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.deepEqual(Object.keys(report), ['version', 'semanticChange', 'files']);
  assert.equal(report.version, 2);
  assert.equal(report.semanticChange, true);
  const [f] = report.files;
  assert.deepEqual(Object.keys(f), [
    'old',
    'new',
    'status',
    'semanticChange',
    'hashes',
    'settings',
    'trials',
    'pending',
    'results',
  ]);
  assert.deepEqual(
    f.settings.map((s: { path: string }) => s.path),
    ['searches[coarse].trials', 'training.lambda'],
  );
  assert.deepEqual(Object.keys(f.trials), ['added', 'removed', 'changed', 'unchanged']);
  assert.deepEqual(
    f.trials.added.map((t: { id: string }) => t.id),
    ['search/coarse/05'],
  );
  assert.deepEqual(
    f.trials.changed.map((t: { id: string }) => t.id),
    ['variant/base'],
  );
  assert.equal(f.trials.unchanged.length, 4);
  assert.deepEqual(f.hashes, { engineVersion: 'config-only', dataFingerprint: 'config-only', configOnly: true });

  const t = nnlab(['diff', 'a.yaml', 'b.yaml'], dir, { NO_COLOR: '' });
  assert.equal(t.status, 1);
  assert.ok(!t.stdout.includes('\x1b['), 'no escape codes when stdout is not a terminal');
  assert.match(t.stdout, /~ training\.lambda: 0\.01 → 0\.02\n {6}a\.yaml:12:11 → b\.yaml:12:11\n/);
  assert.match(t.stdout, /\+ search\/coarse\/05 {2}[0-9a-f]{16} {2}training\.lambda = /);
  const coloured = nnlab(['diff', 'a.yaml', 'b.yaml'], dir, { NO_COLOR: '', FORCE_COLOR: '1' });
  assert.ok(coloured.stdout.includes('\x1b[33m~\x1b[0m'), 'FORCE_COLOR forces colour');
});

test('exit codes of the real command: 0 same, 1 changed, 2 on errors (missing file, invalid config, usage)', () => {
  const dir = write(tempDir(), {
    'a.yaml': TINY,
    'b.yaml': TINY.replace('lambda: 0.01', 'lambda: 0.02'),
    'bad.yaml': TINY.replace('model:', 'modle:'),
  });
  assert.equal(nnlab(['diff', 'a.yaml', 'a.yaml'], dir).status, 0);
  assert.equal(nnlab(['diff', 'a.yaml', 'b.yaml'], dir).status, 1);
  const missing = nnlab(['diff', 'a.yaml', 'nope.yaml'], dir);
  assert.equal(missing.status, 2);
  assert.equal(
    missing.stderr,
    'cannot read "nope.yaml": no such file, and not of the form REV:path (e.g. main:experiments/assignment2.yaml)\n',
  );
  const bad = nnlab(['diff', 'a.yaml', 'bad.yaml'], dir);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^bad\.yaml:\d+:1: unknown key "modle"; did you mean "model"\?/);
  const usage = nnlab(['diff', 'a.yaml'], dir);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /^nnlab: diff: give two experiment files/);
  assert.equal(nnlab(['diff', 'a.yaml', 'b.yaml', '--format', 'html'], dir).status, 2);
  const notRepo = nnlab(['diff', 'HEAD:a.yaml', 'a.yaml'], dir);
  assert.equal(notRepo.status, 2);
});

test('the committed assignment2 with a narrower coarse range: 12 trials removed, 12 added, the variants kept', () => {
  const dir = tempDir();
  const text = readFileSync('experiments/assignment2.yaml', 'utf8');
  write(dir, { 'experiments/assignment2.yaml': text.replace('range: [1.0e-5, 1.0e-1]', 'range: [1.0e-4, 1.0e-2]') });
  const d = diff('experiments/assignment2.yaml', join(dir, 'experiments/assignment2.yaml'));
  assert.deepEqual(
    d.settings.map((s) => s.path),
    ['searches[coarse].range'],
  );
  assert.deepEqual([d.trials.added.length, d.trials.removed.length], [12, 12]);
  assert.deepEqual(
    d.trials.unchanged.map((t) => t.id),
    ['gradient-check/2-layer', 'variant/one-cycle', 'variant/three-cycles', 'variant/lr-range-test'],
  );
  assert.deepEqual(d.pending.new, ['search/fine', 'final']);
});
