// `nnlab run --executor slurm` against a real single-node Slurm started for these tests: the same
// hashes and tables as the local executor, a cancelled task and its rerun, a task over its time
// limit, --detach with `nnlab status`, and Ctrl-C cancelling the submitted jobs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../data/fixtures.ts';
import {
  EXPERIMENT_NAME,
  TOTAL_TRIALS,
  dataHome,
  experimentFile,
  nnlab,
  readPlan,
  summaryLine,
  tables,
  until,
  type Exit,
  type Running,
} from './fixtures.ts';
import { skipReason, startCluster, type Cluster } from './slurm-cluster.ts';

const skip = skipReason();
let cluster: Cluster;
let data: string;
/** Started first and checked last: a trial that needs minutes under a one-minute limit. */
let overTime: { run: Running; runs: string } | null = null;

before(async () => {
  if (skip) return;
  cluster = await startCluster();
  data = dataHome();
  const runs = runsFolder();
  const file = experimentFile();
  overTime = {
    runs,
    run: nnlab(
      [
        'run',
        file,
        '--executor',
        'slurm',
        '--only',
        'bn',
        '--set',
        'training.cycles=100000',
        '--time',
        '1',
        '--no-report',
      ],
      { env: env(runs) },
    ),
  };
});

// Run stores of this file are removed here, once the cluster has stopped and no task writes into
// them any more (test/data/fixtures.ts removes its temporary folders before this hook runs).
const stores: string[] = [];
function runsFolder(): string {
  const d = mkdtempSync(join(tmpdir(), 'nnlab-slurm-runs-'));
  stores.push(d);
  return d;
}

after(() => {
  if (overTime && overTime.run.child.exitCode === null) overTime.run.child.kill('SIGKILL');
  cluster?.stop();
  for (const d of stores) rmSync(d, { recursive: true, force: true });
});

function env(runs: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...cluster.env, NNLAB_DATA: data, NNLAB_RUNS: runs, NNLAB_CONFIG: join(runs, 'no-config.yaml'), ...extra };
}

function slurm(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { env: { ...process.env, ...cluster.env } }).toString();
}

/** State files the Slurm executor keeps per trial. */
function states(
  runs: string,
  experiment = EXPERIMENT_NAME,
): { id: string; hash: string; arrayJobId: string; taskId: number; attempt: number; state: string }[] {
  const dir = join(runs, experiment, 'slurm', 'trials');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      try {
        return [JSON.parse(readFileSync(join(dir, f), 'utf8'))];
      } catch {
        return [];
      }
    });
}

const ok = (e: Exit) => assert.equal(e.code, 0, `exit ${e.code}\n${e.stdout}\n${e.stderr}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test(
  "quickstart through --executor slurm gives the local executor's trial hashes, results and tables",
  { skip: skip ?? false },
  async () => {
    const quickstart = join(repoRoot, 'experiments', 'quickstart.yaml');
    const small = ['--set', 'dataset.subsample=3000', '--no-report'];
    const localRuns = runsFolder();
    const slurmRuns = runsFolder();
    const local = await nnlab(['run', quickstart, ...small, '--jobs', '1', '--threads', '1'], { env: env(localRuns) })
      .exited;
    ok(local);
    const remote = await nnlab(['run', quickstart, ...small, '--executor', 'slurm', '--cpus-per-task', '1'], {
      env: env(slurmRuns),
    }).exited;
    ok(remote);
    assert.match(remote.stdout, new RegExp(`^${summaryLine(7, 7, 0)}$`, 'm'));
    assert.equal(tables(remote.stdout), tables(local.stdout));
    const a = readPlan(localRuns, 'quickstart');
    const b = readPlan(slurmRuns, 'quickstart');
    assert.deepEqual(b.trials, a.trials);
    // Every trial went through Slurm (a state file naming its job, committed by its task) and stored
    // the same result: same fingerprint of the trained weights, same accuracies.
    const st = states(slurmRuns, 'quickstart');
    assert.equal(st.length, 7);
    assert.ok(
      st.every((s) => s.state === 'committed' && /^\d+$/.test(s.arrayJobId)),
      JSON.stringify(st),
    );
    const read = (runs: string, hash: string) =>
      JSON.parse(readFileSync(join(runs, 'quickstart', 'trials', hash, 'result.json'), 'utf8'));
    for (const { hash } of a.trials) {
      const [x, y] = [read(localRuns, hash), read(slurmRuns, hash)];
      assert.equal(y.fingerprint, x.fingerprint, `trial ${hash}`);
      assert.deepEqual(y.final ?? y.rows, x.final ?? x.rows, `trial ${hash}`);
      assert.equal(y.threads, 1);
    }
  },
);

test(
  'a local runner and a Slurm run on one store train each trial once, each some of them',
  { skip: skip ?? false },
  async (t) => {
    const runs = runsFolder();
    const file = experimentFile();
    const args = ['run', file, '--only', 'coarse', '--no-report'];
    // The local runner starts once a task has claimed its trial, while the other tasks wait in the
    // queue: each side then trains some trials and waits for the other's.
    const remote = nnlab([...args, '--executor', 'slurm', '--cpus-per-task', '1'], { env: env(runs) });
    await until(remote, 'a task is training', () => states(runs).some((s) => s.state === 'running'));
    const local = nnlab([...args, '--jobs', '1', '--threads', '1'], { env: env(runs) });
    const [a, b] = await Promise.all([local.exited, remote.exited]);
    ok(a);
    ok(b);
    const trained = (e: Exit) =>
      Number(/^6 trials: (\d+) trained, (\d+) cached, 0 failed, 0 diverged$/m.exec(e.stdout)?.[1] ?? NaN);
    // The tasks that trained their trial wrote no "elsewhere"; the others took the local runner's result.
    const st = states(runs);
    const byTasks = st.filter((s) => s.state === 'committed' && !('elsewhere' in s)).length;
    assert.equal(trained(b), byTasks, b.stdout);
    assert.equal(
      trained(a) + trained(b),
      6,
      `local trained ${trained(a)}, Slurm tasks ${trained(b)}\n${a.stdout}\n${b.stdout}`,
    );
    assert.ok(trained(a) > 0 && trained(b) > 0, `both sides trained: local ${trained(a)}, Slurm tasks ${trained(b)}`);
    t.diagnostic(`trained by the local runner: ${trained(a)}; by Slurm tasks: ${trained(b)}`);
    assert.equal(tables(a.stdout), tables(b.stdout));
    assert.equal(readdirSync(join(runs, EXPERIMENT_NAME, 'trials')).length, 6);
  },
);

test('a cancelled array task is reported as cancelled; the rerun trains only it', { skip: skip ?? false }, async () => {
  const runs = runsFolder();
  const file = experimentFile();
  const args = ['run', file, '--executor', 'slurm', '--only', 'coarse', '--array-limit', '1', '--no-report'];
  const run = nnlab(args, { env: env(runs) });
  await until(run, 'the six trials are submitted', () => states(runs).length === 6);
  const last = states(runs).find((s) => s.taskId === 5)!;
  slurm('scancel', [`${last.arrayJobId}_5`]);
  const first = await run.exited;
  assert.equal(first.code, 1, first.stderr);
  assert.match(first.stdout, new RegExp(`^${summaryLine(6, 5, 0, 1)}$`, 'm'));
  assert.match(
    first.stdout,
    new RegExp(`^ {2}FAILED ${last.id}: Slurm job ${last.arrayJobId}_5 was cancelled while queued$`, 'm'),
  );
  const again = await nnlab(args, { env: env(runs) }).exited;
  ok(again);
  assert.match(again.stdout, new RegExp(`^${summaryLine(6, 1, 5)}$`, 'm'));
  assert.match(again.stdout, new RegExp(`✔ ${last.id.replaceAll('/', '\\/')} .*: done in`));
});

test(
  '--detach submits and exits; the follow-up jobs finish the stages; status and run see it whole',
  { skip: skip ?? false },
  async () => {
    const runs = runsFolder();
    const file = experimentFile();
    const detached = await nnlab(['run', file, '--executor', 'slurm', '--detach'], { env: env(runs) }).exited;
    ok(detached);
    // The gradient check, both variants and the first stage now; the rest once that has ended.
    const m = /^submitted 9 trials as Slurm job array (\d+) \(tasks 0-8\)$/m.exec(detached.stdout);
    assert.ok(m, detached.stdout);
    const next = new RegExp(
      `^follow-up job (\\d+) plans and submits the next stages \\(search/fine, final\\) once job ${m[1]} has ended$`,
      'm',
    ).exec(detached.stdout);
    assert.ok(next, detached.stdout);
    assert.match(
      detached.stdout,
      new RegExp(
        `^detached: Slurm jobs ${m[1]}, ${next[1]}; see where they are with: nnlab status ${file.replaceAll('/', '\\/')}$`,
        'm',
      ),
    );

    const status = await nnlab(['status', file], { env: env(runs) }).exited;
    ok(status);
    assert.match(
      status.stdout,
      /^9 trials: \d+ done, \d+ running, \d+ queued, 0 failed, 0 not submitted; 2 waiting on earlier stages$/m,
    );
    assert.match(
      status.stdout,
      new RegExp(`^follow-up job ${next[1]}: pending, plans the next stage once job ${m[1]} has ended$`, 'm'),
    );

    // Nothing waits on this machine: the follow-up jobs submit the fine stage, then the final.
    for (let i = 0; ; i++) {
      if (!slurm('squeue', ['-h']).trim()) break;
      assert.ok(i < 600, `jobs still queued after 2 minutes:\n${slurm('squeue', [])}`);
      await sleep(200);
    }
    const done = await nnlab(['status', file], { env: env(runs) }).exited;
    ok(done);
    assert.match(
      done.stdout,
      new RegExp(`^${TOTAL_TRIALS} trials: ${TOTAL_TRIALS} done, 0 running, 0 queued, 0 failed, 0 not submitted$`, 'm'),
    );
    const collect = await nnlab(['run', file, '--executor', 'slurm', '--no-report'], { env: env(runs) }).exited;
    ok(collect);
    assert.match(collect.stdout, new RegExp(`^${summaryLine(TOTAL_TRIALS, 0, TOTAL_TRIALS)}$`, 'm'));
    assert.match(collect.stdout, /^Final: training\.lambda = /m);
  },
);

test(
  '--only fine through Slurm: coarse brought in, two waves; --detach --only fine follows up for fine alone',
  { skip: skip ?? false },
  async () => {
    const file = experimentFile();
    const runs = runsFolder();
    const e = await nnlab(['run', file, '--executor', 'slurm', '--only', 'fine', '--no-report'], { env: env(runs) })
      .exited;
    ok(e);
    assert.equal(e.stdout.split('\n')[0], 'also runs coarse: fine takes its range from its best 2 trials');
    assert.match(e.stdout, new RegExp(`^${summaryLine(9, 9, 0)}$`, 'm'));
    // The first wave is the coarse stage, the second the fine one; nothing else went to Slurm.
    const st = states(runs);
    const waves = [...new Set(st.map((s) => s.arrayJobId))].sort((a, b) => Number(a) - Number(b));
    assert.equal(waves.length, 2, JSON.stringify(st));
    assert.deepEqual(
      waves.map((w) =>
        st
          .filter((s) => s.arrayJobId === w)
          .map((s) => s.id.replace(/\/\d+$/, ''))
          .sort(),
      ),
      [Array(6).fill('search/coarse'), Array(3).fill('search/fine')],
    );

    const detachedRuns = runsFolder();
    const d = await nnlab(['run', file, '--executor', 'slurm', '--detach', '--only', 'fine'], {
      env: env(detachedRuns),
    }).exited;
    ok(d);
    const m = /^submitted 6 trials as Slurm job array (\d+) \(tasks 0-5\)$/m.exec(d.stdout);
    assert.ok(m, d.stdout);
    // The final is pending too, but not selected: the follow-up is for fine alone.
    assert.match(
      d.stdout,
      new RegExp(
        `^follow-up job \\d+ plans and submits the next stage \\(search/fine\\) once job ${m[1]} has ended$`,
        'm',
      ),
    );
    // The follow-up submits the fine stage; then nothing is left to plan for the selection.
    const stored = () => {
      const dir = join(detachedRuns, EXPERIMENT_NAME, 'trials');
      return existsSync(dir) ? readdirSync(dir).filter((n) => /^[0-9a-f]{16}$/.test(n)).length : 0;
    };
    for (let i = 0; stored() < 9; i++) {
      assert.ok(i < 600, `${stored()} of 9 trials stored after 2 minutes:\n${slurm('squeue', [])}`);
      await sleep(200);
    }
    const status = await nnlab(['status', file], { env: env(detachedRuns) }).exited;
    assert.match(status.stdout, /^ {2}[0-9a-f]{16} {2}final: not submitted$/m);
  },
);

test('Ctrl-C cancels the submitted jobs and says so', { skip: skip ?? false }, async () => {
  const runs = runsFolder();
  const file = experimentFile();
  const run = nnlab(['run', file, '--executor', 'slurm', '--only', 'coarse', '--array-limit', '1', '--no-report'], {
    env: env(runs),
  });
  await until(run, 'the trials are submitted', () => states(runs).length === 6);
  const id = states(runs)[0].arrayJobId;
  run.child.kill('SIGINT');
  const e = await run.exited;
  assert.equal(e.code, 130, e.stderr);
  assert.match(e.stdout + e.stderr, new RegExp(`^nnlab: cancelled Slurm job ${id} \\(scancel\\)$`, 'm'));
  const left = slurm('squeue', ['-h', '-j', id, '-o', '%i %T']).trim();
  assert.equal(left, '', `still queued or running:\n${left}`);
  const finalStates: string[] = slurm('scontrol', ['show', 'job', '-o', id]).match(/JobState=\w+/g) ?? [];
  assert.ok(finalStates.includes('JobState=CANCELLED'), finalStates.join(' '));
});

test(
  'a task that fails is resubmitted --retries times, then reported failed with its error and log',
  { skip: skip ?? false },
  async () => {
    const runs = runsFolder();
    const file = experimentFile();
    // --export=NONE: the tasks do not get NNLAB_DATA, so they look for the data where it is not.
    const e = await nnlab(
      [
        'run',
        file,
        '--executor',
        'slurm',
        '--only',
        'bn',
        '--retries',
        '1',
        '--sbatch-arg=--export=NONE',
        '--no-report',
      ],
      { env: env(runs) },
    ).exited;
    assert.equal(e.code, 1, e.stderr);
    const s = states(runs)[0];
    assert.equal(s.attempt, 2, 'submitted twice');
    assert.match(e.stdout, /variant\/bn: Slurm job \d+_0 failed \(exit code 1\): .*; retry 1 of 1$/m);
    const failed = new RegExp(
      `^ {2}FAILED variant/bn: Slurm job ${s.arrayJobId}_0 failed \\(exit code 1\\): (.+)$`,
      'm',
    ).exec(e.stdout);
    assert.ok(failed, e.stdout);
    const log = readFileSync(join(runs, EXPERIMENT_NAME, 'failed', `${s.hash}.log`), 'utf8');
    assert.match(log, new RegExp(`^nnlab task ${s.arrayJobId}_0: variant/bn `, 'm'), "the task's log is kept");
    assert.match(log, new RegExp(`^FAILED: ${failed[1].replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  },
);

test('a task over its time limit is reported as timed out', { skip: skip ?? false }, async () => {
  const { run } = overTime!;
  const e = await run.exited;
  assert.equal(e.code, 1, e.stderr);
  const s = states(overTime!.runs)[0];
  assert.match(
    e.stdout,
    new RegExp(`^ {2}FAILED variant/bn: Slurm job ${s.arrayJobId}_0 timed out \\(--time 1\\)$`, 'm'),
  );
  assert.match(e.stdout, new RegExp(`^${summaryLine(1, 0, 0, 1)}$`, 'm'));
});
