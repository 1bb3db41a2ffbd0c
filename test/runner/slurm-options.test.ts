// The Slurm executor's settings without a cluster: the user config file under the command line,
// the sbatch script --dry-run prints, and the exact error of each bad setting (nothing submitted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dataHome, experimentFile, nnlab, tempDir } from './fixtures.ts';
import { formatBytes } from '../../src/engine/memory.ts';
import { repoRoot } from '../data/fixtures.ts';

const data = dataHome();

function setup(config?: string) {
  const runs = tempDir('nnlab-slurm-opt-');
  const configFile = join(runs, 'config.yaml');
  if (config !== undefined) writeFileSync(configFile, config);
  return { runs, configFile, env: { NNLAB_DATA: data, NNLAB_RUNS: runs, NNLAB_CONFIG: configFile } };
}

test('--dry-run --executor slurm prints the array script: config file settings, the command line over them', async () => {
  const { runs, env } = setup(
    'slurm:\n  partition: long\n  account: lab42\n  time: "02:00:00"\n  sbatch_args: ["--constraint=avx512"]\n  cpus_per_task: 2\n',
  );
  const file = experimentFile();
  const e = await nnlab(
    [
      'run',
      file,
      '--executor',
      'slurm',
      '--dry-run',
      '--partition',
      'short',
      '--mem',
      '1G',
      '--array-limit',
      '4',
      '--sbatch-arg=--exclusive',
      '--only',
      'coarse',
    ],
    { env },
  ).exited;
  assert.equal(e.code, 0, e.stderr);
  const script = e.stdout.slice(e.stdout.indexOf('#!/bin/bash'));
  const wave = join(runs, 'runner-e2e', 'slurm', 'waves', '<wave>.json');
  assert.match(
    e.stdout,
    new RegExp(`^# sbatch script for 6 trials \\(wave file ${wave.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\):$`, 'm'),
  );
  assert.match(e.stdout, /^# {3}task 0: search\/coarse\/01 \([0-9a-f]{16}\)$/m);
  assert.deepEqual(
    script.split('\n').filter((l) => l.startsWith('#SBATCH')),
    [
      '#SBATCH --job-name=nnlab-runner-e2e',
      '#SBATCH --array=0-5%4',
      `#SBATCH --output=${join(runs, 'runner-e2e', 'slurm', 'logs', '%A_%a.out')}`,
      '#SBATCH --partition=short',
      '#SBATCH --time=02:00:00',
      '#SBATCH --mem=1G',
      '#SBATCH --cpus-per-task=2',
      '#SBATCH --account=lab42',
      '#SBATCH --constraint=avx512',
      '#SBATCH --exclusive',
    ],
  );
  assert.match(script, /^export OPENBLAS_NUM_THREADS=\$\{SLURM_CPUS_PER_TASK:-1\}$/m);
  // The task is the compiled JavaScript, started by plain node: no TypeScript loader on the nodes.
  assert.ok(
    script
      .split('\n')
      .includes(`exec ${process.execPath} ${join(repoRoot, 'dist', 'runner', 'slurm', 'task.js')} '${wave}'`),
    script,
  );
  assert.equal(existsSync(join(runs, 'runner-e2e', 'slurm')), false, 'a dry run writes nothing');
});

test('bad Slurm settings are refused with the place and the fix, before anything is submitted', async () => {
  const file = experimentFile();
  const cases: [string | undefined, string[], (configFile: string) => string][] = [
    [
      'slurm:\n  partiton: gpu\n',
      [],
      (f) =>
        `nnlab: ${f}: slurm.partiton is not a setting; did you mean "partition"? (settings: partition, time, mem, cpus_per_task, account, qos, sbatch_args, array_limit, retries)`,
    ],
    [
      'slurm:\n  time: two hours\n',
      [],
      (f) =>
        `nnlab: ${f}: slurm.time: must be a Slurm time: minutes, MM:SS, HH:MM:SS or D-HH:MM:SS (e.g. "02:00:00"); got "two hours"`,
    ],
    [
      'slurm:\n  sbatch_args: "--exclusive"\n',
      [],
      (f) =>
        `nnlab: ${f}: slurm.sbatch_args: must be a list of sbatch options, each starting with "-" (e.g. ["--constraint=avx512"]); got "--exclusive"`,
    ],
    [
      'slurms:\n  time: 10\n',
      [],
      (f) => `nnlab: ${f}: unknown section "slurms"; did you mean "slurm"? (the file has one section, "slurm:")`,
    ],
    [undefined, ['--cpus-per-task', '0'], () => 'nnlab: run: --cpus-per-task: must be a positive integer; got "0"'],
    [undefined, ['--retries=-1'], () => 'nnlab: run: --retries: must be a whole number, 0 or more; got "-1"'],
    [
      undefined,
      ['--mem', 'lots'],
      () => 'nnlab: run: --mem: must be a size as sbatch --mem takes it (e.g. 4G or 500M); got "lots"',
    ],
    [
      undefined,
      ['--jobs', '2'],
      () =>
        'nnlab: run: --jobs is for the local executor; with --executor slurm each trial is a task with --cpus-per-task threads',
    ],
  ];
  for (const [config, args, message] of cases) {
    const { runs, configFile, env } = setup(config);
    const e = await nnlab(['run', file, '--executor', 'slurm', ...args], { env }).exited;
    assert.equal(e.code, 2, `${args.join(' ')}\n${e.stdout}\n${e.stderr}`);
    assert.equal(e.stderr.trim(), message(configFile));
    assert.equal(existsSync(join(runs, 'runner-e2e')), false, 'nothing written');
  }
  const local = await nnlab(['run', file, '--partition', 'gpu'], { env: setup().env }).exited;
  assert.equal(local.code, 2);
  assert.equal(local.stderr.trim(), 'nnlab: run: --partition is an option of the Slurm executor: add --executor slurm');
  const executor = await nnlab(['run', file, '--executor', 'pbs'], { env: setup().env }).exited;
  assert.equal(executor.stderr.trim(), 'nnlab: run: --executor must be local or slurm; got "pbs"');
});

test("--mem is the memory check's limit: a trial that needs more is refused before anything is submitted", async () => {
  const { runs, env } = setup();
  const e = await nnlab(
    ['run', experimentFile(), '--executor', 'slurm', '--mem', '1M', '--only', 'bn', '--no-report'],
    { env },
  ).exited;
  assert.equal(e.code, 1, e.stdout + e.stderr);
  assert.match(
    e.stderr,
    new RegExp(
      `: trial variant/bn needs about .+, more than the Slurm task's --mem 1M \\(${formatBytes(1024 ** 2).replace('.', '\\.')}\\); use fewer or narrower hidden layers, a smaller batch or fewer images$`,
      'm',
    ),
  );
  assert.equal(existsSync(join(runs, 'runner-e2e', 'slurm')), false, 'nothing submitted');
});
