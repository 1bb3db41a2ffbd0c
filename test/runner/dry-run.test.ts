// The text of `nnlab run --dry-run` through the real CLI: each trial's change list against the base
// (a setting one side does not have is "unset"), and no "undefined" in the dry run of any
// committed experiment, locally or as Slurm jobs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir } from '../data/fixtures.ts';

const BIN = join(repoRoot, 'bin', 'nnlab.js');
const dryRun = (file: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, 'run', file, '--dry-run', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NNLAB_RUNS: tempDir('nnlab-dry-run-runs-'), NNLAB_DATA: tempDir('nnlab-dry-run-data-') },
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  return r;
};

test('the change list says "unset" for a setting one side does not have', () => {
  const lines = dryRun('experiments/assignment2.yaml').stdout.split('\n');
  const at = lines.findIndex((l) => / variant\/lr-range-test \(/.test(l));
  assert.ok(at >= 0, lines.join('\n'));
  // The variant's per_epoch and epochs replace the base's per_cycle and cycles (keys that exclude each other).
  assert.deepEqual(lines.slice(at + 1, at + 7), [
    '      record.per_cycle: 10 → unset',
    '      record.per_epoch: unset → 10',
    '      schedule.eta_max: 0.1 → 0.2',
    '      schedule.kind: "cyclic" → "lr_range"',
    '      training.cycles: 1 → unset',
    '      training.epochs: unset → 8',
  ]);
});

for (const name of readdirSync(join(repoRoot, 'experiments')).filter((f) => f.endsWith('.yaml')))
  test(`the dry run of experiments/${name} prints no "undefined", locally or for Slurm`, () => {
    for (const args of [[], ['--executor', 'slurm']]) {
      const r = dryRun(join('experiments', name), ...args);
      const bad = (r.stdout + r.stderr).split('\n').filter((l) => /undefined/.test(l));
      assert.deepEqual(bad, [], args.join(' '));
    }
  });
