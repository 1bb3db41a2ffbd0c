// Runners sharing a store (issue #10), all real `nnlab run` processes: two started together train
// each trial once and print the same tables; a killed runner's claim is taken over at once (its pid
// is gone); a stopped runner's claim is taken over once it has not been refreshed for the stale time.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  EXPERIMENT_NAME,
  TOTAL_TRIALS,
  allGone,
  committed,
  dataHome,
  descendants,
  experimentFile,
  freeze,
  hasProc,
  killLeftovers,
  missingFiles,
  nnlab,
  summary,
  tables,
  tempDir,
  thaw,
  trialFolders,
  until,
  type ProcessId,
  smallExperiment,
} from '../runner/fixtures.ts';

let data: string;
before(() => {
  data = dataHome();
});

const RUN = ['--no-report', '--jobs', '1', '--threads', '1'];

test('two runners started together on one store train each trial exactly once and print the same tables', async () => {
  const file = experimentFile();
  const runs = tempDir('nnlab-store-shared-');
  const env = { NNLAB_DATA: data, NNLAB_RUNS: runs };
  const [a, b] = await Promise.all([
    nnlab(['run', file, ...RUN], { env }).exited,
    nnlab(['run', file, ...RUN], { env }).exited,
  ]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  const [sa, sb] = [summary(a.stdout)!, summary(b.stdout)!];
  assert.equal(sa.trials, TOTAL_TRIALS);
  assert.equal(sb.trials, TOTAL_TRIALS);
  assert.equal(sa.trained + sb.trained, TOTAL_TRIALS, `each trial trained by one runner:\n${a.stdout}\n${b.stdout}`);
  assert.equal(sa.trained + sa.cached, TOTAL_TRIALS);
  assert.equal(sb.trained + sb.cached, TOTAL_TRIALS);
  // Counted from the progress display too: one "done in" per trial across both runners.
  const done = (s: string) => s.match(/: done in \d/g)?.length ?? 0;
  assert.equal(done(a.stdout) + done(b.stdout), TOTAL_TRIALS);
  assert.match(a.stdout + b.stdout, /: trained by another runner \([^)]+ pid \d+\) \([0-9a-f]{16}/);
  assert.equal(tables(a.stdout), tables(b.stdout));
  assert.equal(committed(runs).length, TOTAL_TRIALS);
  assert.deepEqual(trialFolders(runs), committed(runs), 'no temporary folders left');
  for (const h of committed(runs)) assert.deepEqual(missingFiles(runs, h), []);
  assert.deepEqual(readdirSync(join(runs, EXPERIMENT_NAME, 'claims')), [], 'every claim released');
});

// One variant of 120000 steps (about 1 s on a quiet machine), so it is surely mid-training when seen.
const LONG = smallExperiment('runner-e2e', 1000, 'variants:\n  - { name: long }\n');

function claimOf(runs: string): { host: string; pid: number } {
  const dir = join(runs, EXPERIMENT_NAME, 'claims');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.equal(files.length, 1, `${readdirSync(dir)}`);
  return JSON.parse(readFileSync(join(dir, files[0]), 'utf8'));
}

test(
  'a killed runner leaves its claim; the next runner takes it over at once (the pid is gone) and trains the trial',
  { skip: !hasProc && 'needs Linux /proc', timeout: 600_000 },
  async (t) => {
    const file = experimentFile(LONG);
    const runs = tempDir('nnlab-store-killed-');
    const env = { NNLAB_DATA: data, NNLAB_RUNS: runs };
    const first = nnlab(['run', file, ...RUN], { env });
    let started: ProcessId[] = [];
    t.after(() => {
      if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill('SIGKILL');
      killLeftovers(started);
    });
    await until(first, 'the trial started training', () => /variant\/long: step \d+\/120000/.test(first.stdout));
    started = descendants(first.pid);
    process.kill(first.pid, 'SIGKILL');
    await first.exited;
    await allGone(started);
    assert.deepEqual(claimOf(runs), { ...claimOf(runs), host: hostname(), pid: first.pid });

    const second = await nnlab(['run', file, ...RUN], { env }).exited;
    assert.equal(second.code, 0, second.stderr);
    assert.match(
      second.stdout,
      new RegExp(
        `variant/long: took over the claim of ${hostname()} pid ${first.pid}: its process ${first.pid} on ${hostname()} is gone`,
      ),
    );
    assert.match(second.stdout, /^1 trial: 1 trained, 0 cached, 0 failed, 0 diverged$/m);
    assert.equal(committed(runs).length, 1);
    assert.deepEqual(readdirSync(join(runs, EXPERIMENT_NAME, 'claims')), []);
  },
);

test(
  'a stopped runner stops refreshing its claim: another takes it over after the stale time; the first, resumed, keeps the committed trial',
  { skip: !hasProc && 'needs Linux /proc', timeout: 600_000 },
  async (t) => {
    const file = experimentFile(LONG);
    const runs = tempDir('nnlab-store-stopped-');
    const env = { NNLAB_DATA: data, NNLAB_RUNS: runs, NNLAB_CLAIM_STALE_SECONDS: '1' };
    const first = nnlab(['run', file, ...RUN], { env, detached: true });
    let started: ProcessId[] = [];
    t.after(() => {
      try {
        thaw(first.pid, true);
      } catch {
        /* gone */
      }
      if (first.child.exitCode === null && first.child.signalCode === null) first.child.kill('SIGKILL');
      killLeftovers(started);
    });
    await until(first, 'the trial started training', () => /variant\/long: step \d+\/120000/.test(first.stdout));
    started = descendants(first.pid);
    freeze(first.pid, true);
    const second = await nnlab(['run', file, ...RUN], { env }).exited;
    assert.equal(second.code, 0, second.stderr);
    assert.match(
      second.stdout,
      new RegExp(
        `variant/long: took over the claim of ${hostname()} pid ${first.pid}: it was not refreshed for \\d+ s`,
      ),
    );
    assert.match(second.stdout, /^1 trial: 1 trained, 0 cached, 0 failed, 0 diverged$/m);
    const result = readFileSync(join(runs, EXPERIMENT_NAME, 'trials', committed(runs)[0], 'result.json'), 'utf8');

    thaw(first.pid, true);
    const resumed = await first.exited;
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /variant\/long: trained by another runner that took over its claim/);
    assert.equal(
      readFileSync(join(runs, EXPERIMENT_NAME, 'trials', committed(runs)[0], 'result.json'), 'utf8'),
      result,
      'the committed trial is kept, not replaced',
    );
    assert.deepEqual(trialFolders(runs), committed(runs), 'the resumed runner left no temporary folder');
    assert.equal(existsSync(join(runs, EXPERIMENT_NAME, 'quarantine')), false);
  },
);
