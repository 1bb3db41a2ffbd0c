// The local executor's pool (src/runner/executor.ts) with real worker processes: one worker takes
// trial after trial and builds their shared data once; results are the same, to the bit, as those
// of trials each trained by a fresh worker that built the data for itself; the summary gives the
// per-trial overhead. (A killed worker being replaced is in run.test.ts.)
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { overheadLine, type TrialOutcome } from '../../src/runner/run.ts';
import {
  OVERHEAD_LINE,
  dataHome,
  experimentFile,
  nnlab,
  readPlan,
  readResult,
  runToEnd,
  summaryLine,
  tempDir,
} from './fixtures.ts';

let data: string;
before(() => {
  data = dataHome();
});

// Four trials on the same data (a gradient check and three variants), a few hundred steps each.
const FOUR_TRIALS = `name: runner-pool
seed: 7
dataset: { source: mnist, train: [train], validation: { holdout: 100 }, test: [test] }
preprocess: standardize
model: { hidden: [16] }
training: { batch_size: 20, lambda: 0.001, cycles: 1 }
schedule: { kind: cyclic, eta_min: 1.0e-4, eta_max: 1.0e-1, step_size: 60 }
record: { per_cycle: 4, subset: 0 }
gradient_check: { networks: [{ hidden: [8] }], samples: 3, dims: 10 }
variants:
  - { group: batch, name: small-batch, set: { training.batch_size: 10 } }
  - { group: batch, name: middle, set: { training.batch_size: 20 } }
  - { group: batch, name: large-batch, set: { training.batch_size: 100, model.batch_norm: true } }
`;

interface Stored {
  id: string;
  startedAt: string;
  engineSeconds: number;
  seconds: number;
  worker: { pid: number; job: number; data: string };
  fingerprint?: string;
  final?: unknown;
  rows?: unknown;
}

test(
  'one worker takes every trial and builds their data once; fresh workers give the same results to the bit',
  { timeout: 180_000 },
  async () => {
    const file = experimentFile(FOUR_TRIALS);
    const runs = tempDir('nnlab-runner-pool-');
    const env = { NNLAB_DATA: data, NNLAB_RUNS: runs };
    const pooled = await runToEnd(file, env);
    assert.equal(pooled.code, 0, pooled.stderr);
    const lines = pooled.stdout.split('\n');
    const at = lines.indexOf(summaryLine(4, 4, 0));
    assert.ok(at >= 0, pooled.stdout);
    const overhead = OVERHEAD_LINE.exec(lines[at + 1]);
    assert.ok(overhead, lines[at + 1]);
    const plan = readPlan(runs, 'runner-pool');
    const read = () => plan.trials.map((t) => readResult(runs, t.hash, 'runner-pool') as unknown as Stored);
    const results = read().sort((a, b) => a.startedAt.localeCompare(b.startedAt));

    // One process, its jobs 1 … 4; the data built for the first, kept for the other three.
    assert.equal(new Set(results.map((r) => r.worker.pid)).size, 1, JSON.stringify(results.map((r) => r.worker)));
    assert.deepEqual(
      results.map((r) => [r.worker.job, r.worker.data]),
      [
        [1, 'built'],
        [2, 'memory'],
        [3, 'memory'],
        [4, 'memory'],
      ],
    );
    for (const r of results)
      assert.ok(
        r.engineSeconds > 0 && r.engineSeconds <= r.seconds,
        `${r.id}: engine ${r.engineSeconds}s of ${r.seconds}s`,
      );
    // The slowest trial is named; the first one pays for the worker's start and the data.
    assert.equal(overhead[1], results[0].id);
    assert.equal(overhead[2], ': a new worker');

    // Each trial again, alone, in a worker of its own that builds the data for it.
    for (const t of plan.trials) {
      const only = t.id.startsWith('gradient-check/') ? 'gradient-check' : t.id.slice('variant/'.length);
      const r = await nnlab(['run', file, '--only', only, '--force', '--no-report', '--jobs', '1', '--threads', '1'], {
        env,
      }).exited;
      assert.equal(r.code, 0, r.stderr);
      const alone = readResult(runs, t.hash, 'runner-pool') as unknown as Stored;
      const p = results.find((x) => x.id === t.id)!;
      assert.deepEqual([alone.worker.job, alone.worker.data], [1, 'built'], t.id);
      assert.notEqual(alone.worker.pid, p.worker.pid);
      assert.deepEqual(
        { id: t.id, fingerprint: alone.fingerprint, final: alone.final, rows: alone.rows },
        { id: t.id, fingerprint: p.fingerprint, final: p.final, rows: p.rows },
      );
    }
  },
);

test('the overhead line: median and slowest of the trained trials, with why the slowest was slow', () => {
  const o = (
    id: string,
    seconds: number | undefined,
    engineSeconds: number | undefined,
    job = 2,
    data: 'built' | 'memory' = 'memory',
  ): TrialOutcome => ({
    trial: { id } as TrialOutcome['trial'],
    status: seconds === undefined ? 'cached' : 'trained',
    seconds,
    engineSeconds,
    worker: { pid: 1, job, data },
  });
  assert.equal(overheadLine([o('a', undefined, undefined)]), null, 'nothing trained, no line');
  assert.equal(
    overheadLine([o('a', 10.5, 10.4), o('b', 12, 9, 1, 'built'), o('c', 5.25, 5), o('cached', undefined, undefined)]),
    'overhead a trial (wall − engine time): median 0.25s, max 3.00s (b: a new worker)',
  );
  assert.equal(
    overheadLine([o('a', 10.5, 10.4), o('b', 3, 1, 4, 'built')]),
    'overhead a trial (wall − engine time): median 1.05s, max 2.00s (b: data built)',
  );
  assert.equal(
    overheadLine([o('a', 1.5, 1.0), o('b', 3, 2.9)]),
    'overhead a trial (wall − engine time): median 0.30s, max 0.50s (a)',
  );
});
