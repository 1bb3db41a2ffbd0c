// Interrupted runs resume (issue #3): a runner killed with SIGKILL mid-search, and one stopped with
// Ctrl-C, leave only whole trials under their hashes; the rerun trains exactly the unfinished trials
// and ends with the same results as an uninterrupted run (same seed, one thread: deterministic).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  EXPERIMENT_NAME,
  TOTAL_TRIALS,
  allGone,
  committed,
  dataHome,
  descendants,
  experimentFile,
  hasProc,
  isHash,
  isTemporary,
  isWorker,
  freeze,
  killLeftovers,
  liveWorkers,
  missingFiles,
  nnlab,
  readPlan,
  readResult,
  runToEnd,
  summaryLine,
  thaw,
  tables,
  tempDir,
  trialFolders,
  trialsDir,
  until,
  type ProcessId,
  smallExperiment,
} from './fixtures.ts';

let data: string;
let file: string;
/** The uninterrupted run's store, tables and plan (trial id → hash). */
let reference: { runs: string; tables: string; ids: Map<string, string> };

before(async () => {
  data = dataHome();
  file = experimentFile();
  const runs = tempDir('nnlab-runner-reference-');
  const r = await runToEnd(file, { NNLAB_DATA: data, NNLAB_RUNS: runs });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^${summaryLine(TOTAL_TRIALS, TOTAL_TRIALS, 0)}$`, 'm'));
  reference = { runs, tables: tables(r.stdout), ids: new Map(readPlan(runs).trials.map((t) => [t.id, t.hash])) };
});

const hashesOf = (prefix: string) => [...reference.ids].filter(([id]) => id.startsWith(prefix)).map(([, h]) => h);

/** Every committed folder is a whole trial of the plan. */
function assertWhole(runs: string): void {
  const planned = new Set(reference.ids.values());
  for (const h of committed(runs)) {
    assert.ok(planned.has(h), `unplanned trial folder ${h}`);
    assert.deepEqual(missingFiles(runs, h), [], `committed trial ${h} is whole`);
  }
}

/** The same results as the uninterrupted run, to the last bit: metrics and model fingerprints. */
function assertSameResults(runs: string): void {
  for (const [id, h] of reference.ids) {
    const [a, b] = [readResult(reference.runs, h), readResult(runs, h)];
    assert.deepEqual(
      { id, final: b.final, fingerprint: b.fingerprint, rows: b.rows },
      { id, final: a.final, fingerprint: a.fingerprint, rows: a.rows },
    );
  }
}

test(
  'SIGKILL of the runner mid-search: its worker stops, no half-written trial counts, the rerun trains only the rest',
  { skip: !hasProc && 'needs Linux /proc', timeout: 120_000 },
  async (t) => {
    const runs = tempDir('nnlab-runner-killed-');
    const env = { NNLAB_DATA: data, NNLAB_RUNS: runs };
    const coarse = hashesOf('search/coarse/');
    const run = nnlab(['run', file, '--no-report', '--jobs', '1', '--threads', '1'], { env });
    let started: ProcessId[] = [];
    t.after(() => {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
      killLeftovers(started);
    });

    // At least 2 search trials committed and another one in flight: its worker has begun writing it.
    // The runner is frozen (SIGSTOP) while this is checked, so that it neither commits a trial nor
    // starts a worker between this look and the kill.
    const inFlight = () =>
      trialFolders(runs).filter(
        (n) => isTemporary(n) && coarse.includes(n.slice(0, 16)) && existsSync(join(trialsDir(runs), n, 'config.json')),
      );
    const ready = () => committed(runs).filter((h) => coarse.includes(h)).length >= 2 && inFlight().length > 0;
    await until(run, '2 search trials were committed', () => {
      if (!ready()) return false;
      freeze(run.pid);
      if (ready() && liveWorkers(run.pid).length === 1) return true;
      thaw(run.pid);
      return false;
    });
    started = descendants(run.pid);
    const done = committed(runs);
    const temporary = trialFolders(runs).filter(isTemporary);
    process.kill(run.pid, 'SIGKILL');
    const killed = await run.exited;
    assert.equal(killed.signal, 'SIGKILL');

    const doneCoarse = done.filter((h) => coarse.includes(h)).length;
    assert.ok(
      doneCoarse >= 2 && doneCoarse < coarse.length,
      `killed mid-search: ${doneCoarse} of ${coarse.length} search trials committed`,
    );
    // The worker (and whatever else the runner started) stops on its own once its parent is gone.
    await allGone(started);
    const leftIn = temporary.map(
      (n) =>
        `${n} (${readdirSync(join(trialsDir(runs), n))
          .sort()
          .join(', ')})`,
    );
    t.diagnostic(
      `killed with ${done.length} of ${TOTAL_TRIALS} trials committed (${doneCoarse} of ${coarse.length} in the search); left behind: ${leftIn.join('; ')}`,
    );

    // What the kill left: whole trials under their hashes, the one in flight only under a temporary name.
    assert.deepEqual(committed(runs), done);
    assertWhole(runs);
    assert.equal(temporary.length, 1, `one trial was in flight: ${temporary}`);
    assert.deepEqual(trialFolders(runs).filter(isTemporary), temporary);
    const unfinished = temporary[0].slice(0, 16);
    assert.equal(done.includes(unfinished), false);

    const rerun = await runToEnd(file, env);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.ok(rerun.stdout.startsWith('removed 1 unfinished trial folder left by an interrupted run\n'), rerun.stdout);
    assert.match(
      rerun.stdout,
      new RegExp(`^${summaryLine(TOTAL_TRIALS, TOTAL_TRIALS - done.length, done.length)}$`, 'm'),
    );
    const inFlightId = [...reference.ids].find(([, h]) => h === unfinished)![0];
    assert.match(rerun.stdout, new RegExp(`^✔ ${inFlightId} .*: done in `, 'm'));
    assert.equal(tables(rerun.stdout), reference.tables);
    assert.deepEqual(
      trialFolders(runs),
      [...reference.ids.values()].sort(),
      'every trial stored, temporary folders swept',
    );
    assertWhole(runs);
    assertSameResults(runs);
  },
);

test(
  'Ctrl-C during a run: exits 130 without waiting for the trial in flight, keeps whole trials only; the rerun resumes',
  { skip: !hasProc && 'needs Linux /proc', timeout: 120_000 },
  async (t) => {
    const runs = tempDir('nnlab-runner-interrupted-');
    const env = { NNLAB_DATA: data, NNLAB_RUNS: runs };
    // Its own process group, as a shell runs a job: Ctrl-C signals the runner and its workers alike.
    const run = nnlab(['run', file, '--no-report', '--jobs', '1', '--threads', '1'], { env, detached: true });
    let started: ProcessId[] = [];
    t.after(() => {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
      killLeftovers(started);
    });

    // A trial of the first search stage in flight: its worker has begun writing it and not finished.
    // The job is frozen (SIGSTOP to the group) while this is checked and until Ctrl-C has been sent,
    // so that the trial cannot finish in between.
    const coarse = hashesOf('search/coarse/');
    const inFlight = () =>
      trialFolders(runs).filter(
        (n) => isTemporary(n) && coarse.includes(n.slice(0, 16)) && existsSync(join(trialsDir(runs), n, 'config.json')),
      );
    await until(run, 'a trial of the first search stage was in flight', () => {
      if (!inFlight().length) return false;
      freeze(run.pid, true);
      const ready =
        inFlight().length === 1 &&
        !existsSync(join(trialsDir(runs), inFlight()[0], 'result.json')) &&
        liveWorkers(run.pid).length === 1;
      if (!ready) thaw(run.pid, true);
      return ready;
    });
    started = descendants(run.pid);
    const interrupted = inFlight()[0].slice(0, 16);
    process.kill(-run.pid, 'SIGINT');
    thaw(run.pid, true);
    const r = await run.exited;
    await allGone(started);

    assert.equal(r.code, 130, r.stderr);
    assert.ok(
      r.stderr.startsWith('\nnnlab: stopping the trials in flight (finished trials are kept; run again to resume)…\n'),
      r.stderr,
    );
    assert.ok(r.stderr.endsWith('nnlab: interrupted; run the same command again to resume.\n'), r.stderr);
    assert.doesNotMatch(r.stdout, /^\d+ trials: /m);
    const done = committed(runs);
    t.diagnostic(`interrupted with ${done.length} of ${TOTAL_TRIALS} trials committed, in flight: ${interrupted}`);
    assert.ok(done.length >= 3 && done.length < TOTAL_TRIALS, `${done.length} trials committed`);
    // The trial in flight is stopped within a mini-batch; but once its engine has returned it finishes
    // (evaluation, files) without looking at the abort, and its 'done' can reach the runner before the
    // signal does. Either way it is whole under its hash or absent, never half-written (checked below).
    if (done.includes(interrupted))
      t.diagnostic(`the trial in flight (${interrupted}) had finished before Ctrl-C was handled: committed whole`);
    assert.deepEqual(trialFolders(runs), done, 'no temporary folders: the runner removed the one in flight');
    assertWhole(runs);
    assert.equal(existsSync(join(runs, EXPERIMENT_NAME, 'failed')), false, 'an interrupted trial is not a failed one');
    const plan = JSON.parse(readFileSync(join(runs, EXPERIMENT_NAME, 'plan.json'), 'utf8')) as {
      trials: { hash: string }[];
      pending: { id: string }[];
    };
    assert.deepEqual(
      plan.trials.map((x) => x.hash),
      hashesOf('').slice(0, 9),
      'plan.json written on the interruption, later stages pending',
    );
    assert.deepEqual(
      plan.pending.map((p) => p.id),
      ['search/fine', 'final'],
    );

    const rerun = await runToEnd(file, env);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.doesNotMatch(rerun.stdout, /removed/);
    assert.match(
      rerun.stdout,
      new RegExp(`^${summaryLine(TOTAL_TRIALS, TOTAL_TRIALS - done.length, done.length)}$`, 'm'),
    );
    assert.equal(tables(rerun.stdout), reference.tables);
    assert.deepEqual(trialFolders(runs), [...reference.ids.values()].sort());
    assert.ok(committed(runs).every(isHash));
    assertSameResults(runs);
  },
);

test(
  'a worker whose runner is killed stops mid-trial instead of finishing it',
  { skip: !hasProc && 'needs Linux /proc', timeout: 120_000 },
  async (t) => {
    // One variant of 2400000 steps (some 20 s; a search trial takes a tenth of one): if the worker kept
    // training after its runner died, it would write the trial's result into its temporary folder.
    const long = experimentFile(smallExperiment('runner-long', 20000, 'variants:\n  - { name: long }\n'));
    const runs = tempDir('nnlab-runner-long-');
    const run = nnlab(['run', long, '--no-report', '--jobs', '1', '--threads', '1'], {
      env: { NNLAB_DATA: data, NNLAB_RUNS: runs },
    });
    let started: ProcessId[] = [];
    t.after(() => {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
      killLeftovers(started);
    });
    await until(run, 'the trial started training', () => /variant\/long: step \d+\/2400000/.test(run.stdout));
    started = descendants(run.pid);
    assert.equal(started.filter(isWorker).length, 1, JSON.stringify(started));
    process.kill(run.pid, 'SIGKILL');
    await run.exited;
    await allGone(started);

    const dir = join(runs, 'runner-long', 'trials');
    const left = readdirSync(dir);
    assert.equal(left.length, 1, `${left}`);
    assert.ok(isTemporary(left[0]), left[0]);
    assert.deepEqual(
      readdirSync(join(dir, left[0])),
      ['config.json'],
      'stopped before writing curves, model or result',
    );
  },
);
