// `nnlab run --only NAME` brings in what NAME depends on (the LR range test its schedule.from names,
// the stage it draws from), says so, and lists only that: the committed assignment2-bonus through
// --dry-run (local and the Slurm script), and a small Fashion-MNIST experiment run for real, with
// selections that cannot run (an LR range test finds no bounds, a stage all diverges) exiting 1
// with the reason, in the run and its dry run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEBIAN_FASHION_MNIST } from '../../src/data/index.ts';
import { repoRoot } from '../data/fixtures.ts';
import { nnlab, tempDir } from './fixtures.ts';

const NO_DATA = existsSync(DEBIAN_FASHION_MNIST)
  ? false
  : `${DEBIAN_FASHION_MNIST} absent (apt-get install dataset-fashion-mnist)`;
const BONUS = join('experiments', 'assignment2-bonus.yaml');

function env(runs: string): Record<string, string> {
  return { NNLAB_RUNS: runs, NNLAB_CONFIG: join(runs, 'no-config.yaml') };
}

/** A dry run's trial ids, its "(later)" and "(cannot run)" ids, and its lines without the trials. */
function dryRun(stdout: string): { trials: string[]; later: string[]; cannot: string[]; notes: string[] } {
  const lines = stdout.split('\n');
  return {
    trials: lines.flatMap((l) => /^ {2}[0-9a-f]{16} {2}(\S+)/.exec(l)?.[1] ?? []),
    later: lines.flatMap((l) => /^ {2}\(later\) +(\S+):/.exec(l)?.[1] ?? []),
    cannot: lines.flatMap((l) => /^ {2}\(cannot run\) +(\S+):/.exec(l)?.[1] ?? []),
    notes: lines.filter((l) => /^\S/.test(l) && !/^(memory|\(data not installed)/.test(l)),
  };
}

test('--only wide-flip on assignment2-bonus (dry run): brings in lr-range-test-wide, lists nothing else', async () => {
  const runs = tempDir('nnlab-only-runs-');
  const r = await nnlab(['run', BONUS, '--only', 'wide-flip', '--dry-run'], { env: env(runs) }).exited;
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(dryRun(r.stdout), {
    trials: ['variant/lr-range-test-wide'],
    later: ['variant/wide-flip'],
    cannot: [],
    notes: [
      `${BONUS}: 1 trial planned, 1 planned once earlier stages finish`,
      'also runs lr-range-test-wide: wide-flip takes its η bounds from it',
    ],
  });
  // Two selections needing two range tests; one that needs nothing brings nothing.
  const two = await nnlab(['run', BONUS, '--only', 'all-combined', '--only', 'wide-flip', '--dry-run'], {
    env: env(runs),
  }).exited;
  assert.equal(two.code, 0, two.stderr);
  assert.deepEqual(dryRun(two.stdout), {
    trials: ['variant/lr-range-test', 'variant/lr-range-test-wide'],
    later: ['variant/all-combined', 'variant/wide-flip'],
    cannot: [],
    notes: [
      `${BONUS}: 2 trials planned, 2 planned once earlier stages finish`,
      'also runs lr-range-test: all-combined takes its η bounds from it',
      'also runs lr-range-test-wide: wide-flip takes its η bounds from it',
    ],
  });
  const plain = await nnlab(['run', BONUS, '--only', 'momentum', '--dry-run'], { env: env(runs) }).exited;
  assert.deepEqual(dryRun(plain.stdout), {
    trials: ['variant/momentum', 'variant/momentum/r2', 'variant/momentum/r3'],
    later: [],
    cannot: [],
    notes: [`${BONUS}: 3 trials planned`],
  });
});

test("--only wide-flip --executor slurm (dry run): the first wave's script holds the range test alone", async () => {
  const runs = tempDir('nnlab-only-runs-');
  const r = await nnlab(['run', BONUS, '--only', 'wide-flip', '--executor', 'slurm', '--dry-run'], {
    env: env(runs),
  }).exited;
  assert.equal(r.code, 0, r.stderr);
  const tasks = r.stdout.split('\n').filter((l) => /^# {3}task \d+:/.test(l));
  assert.equal(tasks.length, 1, r.stdout);
  assert.match(tasks[0], /^# {3}task 0: variant\/lr-range-test-wide \([0-9a-f]{16}\)$/);
  assert.match(r.stdout, /^#SBATCH --array=0-0$/m);
});

/**
 * 2,500 Fashion-MNIST images, a 16-unit network, 40 steps a trial: two LR range tests (one over
 * η so small that accuracy cannot rise, so it chooses no bounds), variants taking their bounds
 * from them, a grid stage and a stage drawn from it; a stage whose λ makes every trial diverge, one
 * drawn from it and the final retraining of that one's best.
 */
const EXPERIMENT = `name: only-deps
seed: 3
dataset: { source: fashion_mnist, train: [train], validation: { holdout: 500 }, test: [test], subsample: 2500 }
preprocess: standardize
model: { hidden: [16], init: he }
training: { batch_size: 100, lambda: 0.001, cycles: 1 }
schedule: { kind: cyclic, eta_min: 1.0e-4, eta_max: 1.0e-1, step_size: 20 }
record: { per_cycle: 4, subset: 0 }
variants:
  - name: base
    set: {}
  - name: lr-test
    set:
      schedule: { kind: lr_range, eta_min: 1.0e-4, eta_max: 0.5, curve: linear }
      training.steps: 60
      record.per_epoch: 4
  - name: lr-flat
    set:
      schedule: { kind: lr_range, eta_min: 1.0e-9, eta_max: 2.0e-9, curve: linear }
      training.steps: 40
      record.per_epoch: 4
  - name: tuned
    set: { schedule.from: lr-test }
  - name: flat-bounds
    set: { schedule.from: lr-flat }
searches:
  - { name: coarse, variant: base, kind: grid, param: training.lambda, distribution: log_uniform, range: [1.0e-4, 1.0e-1], trials: 2 }
  - { name: fine, variant: base, kind: random, param: training.lambda, distribution: log_uniform, from: { stage: coarse, best: 1, widen: 2 }, trials: 2 }
  - { name: wild, variant: base, kind: grid, param: training.lambda, values: [1000, 5000], set: { schedule.eta_max: 1.0 } }
  - { name: wilder, variant: base, kind: random, param: training.lambda, distribution: log_uniform, from: { stage: wild, best: 1, widen: 2 }, trials: 2 }
final:
  from: wilder
`;

/** Ids of the trials a plain-rendered run trained or took from the store. */
function ran(stdout: string): string[] {
  return stdout
    .split('\n')
    .flatMap((l) => /^✔ ((?:variant|search|final)\S*)(?: {2}[^:]*)?: (?:done|cached)/.exec(l)?.[1] ?? [])
    .sort();
}

test(
  '--only on a real run: a stage brings the stage it is drawn from, a variant its range test (two waves)',
  { skip: NO_DATA, timeout: 300_000 },
  async () => {
    const runs = tempDir('nnlab-only-runs-');
    const file = join(tempDir('nnlab-only-exp-'), 'only.yaml');
    writeFileSync(file, EXPERIMENT);
    const args = (...only: string[]) => [
      'run',
      file,
      ...only.flatMap((o) => ['--only', o]),
      '--no-report',
      '--jobs',
      '1',
      '--threads',
      '1',
    ];
    const fine = await nnlab(args('fine'), { cwd: repoRoot, env: env(runs) }).exited;
    assert.equal(fine.code, 0, fine.stdout + fine.stderr);
    assert.equal(fine.stdout.split('\n')[0], 'also runs coarse: fine takes its range from its best 1 trial');
    assert.deepEqual(ran(fine.stdout), ['search/coarse/01', 'search/coarse/02', 'search/fine/01', 'search/fine/02']);
    assert.match(fine.stdout, /^4 trials: 4 trained, 0 cached, 0 failed, 0 diverged$/m);

    const tuned = await nnlab(args('tuned'), { cwd: repoRoot, env: env(runs) }).exited;
    assert.equal(tuned.code, 0, tuned.stdout + tuned.stderr);
    assert.equal(tuned.stdout.split('\n')[0], 'also runs lr-test: tuned takes its η bounds from it');
    assert.deepEqual(ran(tuned.stdout), ['variant/lr-test', 'variant/tuned']);
    // Only what was selected is tabled: not the stages stored by the run before.
    assert.doesNotMatch(tuned.stdout, /^Search /m);
    assert.match(tuned.stdout, /^2 trials: 2 trained, 0 cached, 0 failed, 0 diverged$/m);
  },
);

test(
  '--only final whose stages diverge: trains what it can, then exits 1 naming each entry that cannot run',
  { skip: NO_DATA, timeout: 300_000 },
  async () => {
    const runs = tempDir('nnlab-only-runs-');
    const file = join(tempDir('nnlab-only-exp-'), 'only.yaml');
    writeFileSync(file, EXPERIMENT);
    const r = await nnlab(['run', file, '--only', 'final', '--no-report', '--jobs', '1'], { env: env(runs) }).exited;
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.deepEqual(r.stdout.split('\n').slice(0, 2), [
      'also runs wilder: final retrains its best trial',
      'also runs wild: wilder takes its range from its best 1 trial',
    ]);
    assert.match(r.stdout, /^2 trials: 0 trained, 0 cached, 0 failed, 2 diverged$/m);
    const why = [
      'search/wilder: stage "wild" has no ranked trial to draw from (search/wild/01, search/wild/02 diverged)',
      'final: it needs stage "wilder", which cannot run',
    ];
    assert.deepEqual(
      r.stdout.trimEnd().split('\n').slice(-2),
      why.map((w) => `cannot run ${w}`),
    );
    const dry = await nnlab(['run', file, '--only', 'final', '--dry-run'], { env: env(runs) }).exited;
    assert.equal(dry.code, 1, dry.stdout + dry.stderr);
    assert.deepEqual(dryRun(dry.stdout).cannot, ['search/wilder', 'final']);
    assert.equal(dry.stdout.split('\n')[0], `${file}: 2 trials planned, 2 cannot run`);
    for (const w of why) assert.ok(dry.stdout.includes(`\n  (cannot run)      ${w}\n`), dry.stdout);
  },
);

test(
  '--only a variant whose LR range test chooses no bounds: trains the test, then exits 1 saying why; so does the dry run',
  { skip: NO_DATA, timeout: 300_000 },
  async () => {
    const runs = tempDir('nnlab-only-runs-');
    const file = join(tempDir('nnlab-only-exp-'), 'only.yaml');
    writeFileSync(file, EXPERIMENT);
    const why =
      'variant/flat-bounds: its LR range test "lr-flat" chose no η bounds (accuracy never rose above its starting value)';
    const before = await nnlab(['run', file, '--only', 'flat-bounds', '--dry-run'], { env: env(runs) }).exited;
    assert.equal(before.code, 0, before.stderr);
    assert.deepEqual(dryRun(before.stdout).later, ['variant/flat-bounds']);
    const r = await nnlab(['run', file, '--only', 'flat-bounds', '--no-report', '--jobs', '1'], { env: env(runs) })
      .exited;
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.deepEqual(ran(r.stdout), ['variant/lr-flat']);
    assert.equal(r.stdout.trimEnd().split('\n').at(-1), `cannot run ${why}`);
    const after = await nnlab(['run', file, '--only', 'flat-bounds', '--dry-run'], { env: env(runs) }).exited;
    assert.equal(after.code, 1, after.stdout + after.stderr);
    assert.deepEqual(dryRun(after.stdout), {
      trials: ['variant/lr-flat'],
      later: [],
      cannot: ['variant/flat-bounds'],
      notes: [`${file}: 1 trial planned, 1 cannot run`, 'also runs lr-flat: flat-bounds takes its η bounds from it'],
    });
    assert.match(after.stdout, new RegExp(`^ {2}\\(cannot run\\) {6}${why.replace(/[()]/g, '\\$&')}$`, 'm'));
  },
);
