// `nnlab run` end to end with real worker processes: a full staged run and its cached rerun, a trial
// the worker cannot run, a worker killed by SIGKILL, and invalid experiment files. Interrupted runs
// and resuming them are in resume.test.ts.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  EXPERIMENT_NAME,
  TOTAL_TRIALS,
  dataHome,
  descendants,
  experimentFile,
  hasProc,
  isWorker,
  killLeftovers,
  missingFiles,
  nnlab,
  readPlan,
  runToEnd,
  summaryLine,
  tables,
  OVERHEAD_LINE,
  readResult,
  tempDir,
  trialFolders,
  trialsDir,
  until,
  type ProcessId,
  smallExperiment,
} from './fixtures.ts';
import { blasProvenance } from '../../src/runner/provenance.ts';

let data: string;
before(() => {
  data = dataHome();
});

/** Rows of a ranked table: rank, value, validation and test accuracy, trial hash. */
function rows(text: string, stage: string): { rank: number; value: number; val: number; test: number; hash: string }[] {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`Search "${stage}": `));
  assert.ok(at >= 0, `no table of stage ${stage} in\n${text}`);
  assert.match(lines[at + 1], /^ {2}rank {2}training\.lambda {3}val acc {3}test acc {2}trial$/);
  const out = [];
  for (const l of lines.slice(at + 2)) {
    const m = /^ +(\d+) {2}(\S+) +(\d+\.\d\d)% +(\d+\.\d\d)% {2}([0-9a-f]{16})$/.exec(l);
    if (!m) break;
    out.push({ rank: +m[1], value: +m[2], val: +m[3], test: +m[4], hash: m[5] });
  }
  return out;
}

const round4 = (v: number) => Number(v.toPrecision(4));

test('a full run trains every stage, prints the ranked tables; a second run trains nothing', async () => {
  const file = experimentFile();
  const runs = tempDir('nnlab-runner-runs-');
  const env = { NNLAB_DATA: data, NNLAB_RUNS: runs };

  // Run from the experiment's own folder, as a user of an installed nnlab would: the workers must
  // not depend on the working directory to find their TypeScript loader.
  const first = await runToEnd(basename(file), env, dirname(file));
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, new RegExp(`^${summaryLine(TOTAL_TRIALS, TOTAL_TRIALS, 0)}$`, 'm'));
  assert.doesNotMatch(first.stdout, /FAILED|removed/);

  // The plan: every trial listed once the stages are done, each stored whole under its hash.
  const plan = readPlan(runs);
  assert.deepEqual(plan.pending, []);
  const ids = plan.trials.map((t) => t.id);
  assert.deepEqual(ids, [
    'gradient-check/2-layer',
    'variant/no-bn',
    'variant/bn',
    ...[1, 2, 3, 4, 5, 6].map((i) => `search/coarse/0${i}`),
    ...[1, 2, 3].map((i) => `search/fine/0${i}`),
    'final',
  ]);
  const hashes = plan.trials.map((t) => t.hash);
  assert.deepEqual(
    trialFolders(runs),
    [...hashes].sort(),
    'the trials folder holds exactly the planned trials, no temporary folders',
  );
  for (const h of hashes) assert.deepEqual(missingFiles(runs, h), [], `trial ${h}`);
  assert.deepEqual(readdirSync(join(trialsDir(runs), plan.trials[1].hash)).sort(), [
    'config.json',
    'curves.jsonl',
    'manifest.json',
    'model.bin',
    'result.json',
  ]);
  assert.deepEqual(readdirSync(join(trialsDir(runs), plan.trials[0].hash)).sort(), [
    'config.json',
    'manifest.json',
    'result.json',
  ]);
  assert.equal(existsSync(join(runs, EXPERIMENT_NAME, 'failed')), false);
  // Each worker recorded the BLAS it ran on: the same library and core as this process, chosen alike.
  const blas = blasProvenance();
  for (const h of hashes)
    assert.deepEqual(
      JSON.parse(readFileSync(join(trialsDir(runs), h, 'result.json'), 'utf8')).blas,
      blas,
      `trial ${h}`,
    );

  // The tables: ranked by validation accuracy; the fine stage's range is the best 2 of coarse
  // widened ×1.5 (log scale); the final retrains the best of fine.
  const text = tables(first.stdout);
  const coarse = rows(text, 'coarse');
  const fine = rows(text, 'fine');
  assert.deepEqual(
    coarse.map((r) => r.rank),
    [1, 2, 3, 4, 5, 6],
  );
  assert.deepEqual(
    fine.map((r) => r.rank),
    [1, 2, 3],
  );
  assert.deepEqual(new Set(coarse.map((r) => r.hash)), new Set(hashes.slice(3, 9)));
  assert.deepEqual(new Set(fine.map((r) => r.hash)), new Set(hashes.slice(9, 12)));
  for (const t of [coarse, fine])
    for (let i = 1; i < t.length; i++) assert.ok(t[i - 1].val >= t[i].val, `ranked by validation accuracy:\n${text}`);
  assert.ok(coarse[0].val > coarse.at(-1)!.val, `the data is learnable, so λ matters:\n${text}`);
  const best2 = [coarse[0].value, coarse[1].value];
  const range = `[${round4(Math.min(...best2) / 1.5)}, ${round4(Math.max(...best2) * 1.5)}]`;
  assert.ok(text.startsWith('Search "coarse": training.lambda over [0.001, 1]\n'), text);
  assert.ok(
    text.includes(`\nSearch "fine": training.lambda over ${range} (from the best 2 of "coarse", widened ×1.5)\n`),
    text,
  );
  for (const r of fine)
    assert.ok(
      r.value >= Math.min(...best2) / 1.5 && r.value <= Math.max(...best2) * 1.5,
      `fine value ${r.value} in ${range}`,
    );
  assert.match(
    text,
    new RegExp(
      `\\nFinal: training\\.lambda = ${fine[0].value}, trained 240 steps: validation \\d+\\.\\d\\d%, test \\d+\\.\\d\\d%$`,
    ),
  );

  // The second run: everything cached, nothing rewritten, the same tables.
  const results = hashes.map((h) => readFileSync(join(trialsDir(runs), h, 'result.json'), 'utf8'));
  const second = await runToEnd(basename(file), env, dirname(file));
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, new RegExp(`^${summaryLine(TOTAL_TRIALS, 0, TOTAL_TRIALS)}$`, 'm'));
  assert.doesNotMatch(second.stdout, /: done in |: running/);
  assert.equal(second.stdout.match(/: cached \([0-9a-f]{16}/g)?.length, TOTAL_TRIALS);
  assert.equal(tables(second.stdout), text);
  assert.deepEqual(
    hashes.map((h) => readFileSync(join(trialsDir(runs), h, 'result.json'), 'utf8')),
    results,
  );
});

// Three variants on the same data; the config layer takes mnist for its 60000 training images, so a
// batch of 500 passes validation, but the synthetic set has 400 after the holdout: the worker's
// engine refuses it. An honest failure a trimmed MNIST copy would give.
const THREE_VARIANTS = (middle: string) =>
  smallExperiment(
    'runner-failure',
    1,
    `variants:
  - { group: batch, name: small-batch, set: { training.batch_size: 20 } }
  - { group: batch, name: middle, set: ${middle} }
  - { group: batch, name: large-batch, set: { training.batch_size: 100 } }
`,
  );

test('a trial the worker cannot run fails alone: the others finish, the failure is reported with its log, exit 1', async () => {
  const file = experimentFile(THREE_VARIANTS('{ training.batch_size: 500 }'));
  const runs = tempDir('nnlab-runner-runs-');
  const r = await runToEnd(file, { NNLAB_DATA: data, NNLAB_RUNS: runs });
  assert.equal(r.code, 1, r.stderr);
  const plan = readPlan(runs, 'runner-failure');
  const [small, middle, large] = plan.trials;
  const log = join(runs, 'runner-failure', 'failed', `${middle.hash}.log`);
  const message = 'options.batchSize must be at most the training size (400); got 500';
  const lines = r.stdout.split('\n');
  const end = lines.slice(lines.findIndex((l) => l.startsWith('3 trials:')));
  assert.match(end[1], OVERHEAD_LINE);
  assert.deepEqual(
    [end[0], ...end.slice(2)],
    [summaryLine(3, 2, 0, 1), `  FAILED variant/middle: ${message}`, `    log: ${log}`, ''],
  );
  // The progress display marks the trial failed (✖, on stderr without a terminal).
  assert.ok(r.stderr.includes(`✖ variant/middle [FAILED: ${message} (log: ${log})]`), r.stderr);
  assert.deepEqual(readdirSync(join(runs, 'runner-failure', 'trials')).sort(), [small.hash, large.hash].sort());
  const text = readFileSync(log, 'utf8');
  assert.ok(text.startsWith(`variant/middle (${middle.hash})\n${message}\n\nRangeError: ${message}\n    at `), text);
});

test(
  'a worker killed by SIGKILL fails only its trial, named as killed; the rerun trains just that trial',
  { skip: !hasProc && 'needs Linux /proc', timeout: 120_000 },
  async (t) => {
    // The middle variant trains 2000 cycles (240000 steps, about 2 s where the others take a tenth of one),
    // so it is surely still running when its first progress line appears.
    const file = experimentFile(THREE_VARIANTS('{ training.cycles: 2000 }'));
    const runs = tempDir('nnlab-runner-runs-');
    const env = { NNLAB_DATA: data, NNLAB_RUNS: runs };
    const run = nnlab(['run', file, '--no-report', '--jobs', '1', '--threads', '1'], { env });
    let workers: ProcessId[] = [];
    t.after(() => {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
      killLeftovers(workers);
    });
    await until(run, 'variant/middle started training', () => /variant\/middle: step \d+\/240000/.test(run.stdout));
    workers = descendants(run.pid).filter(isWorker);
    assert.equal(workers.length, 1, JSON.stringify(descendants(run.pid)));
    process.kill(workers[0].pid, 'SIGKILL');
    const r = await run.exited;

    assert.equal(r.code, 1, r.stderr);
    const plan = readPlan(runs, 'runner-failure');
    const middle = plan.trials[1];
    const log = join(runs, 'runner-failure', 'failed', `${middle.hash}.log`);
    assert.match(
      r.stdout,
      new RegExp(
        `^${summaryLine(3, 2, 0, 1)}\\n${OVERHEAD_LINE.source.slice(1, -1)}\\n {2}FAILED variant/middle: the trial's process was killed by SIGKILL \\(out of memory\\?\\)\\n {4}log: ${log}$`,
        'm',
      ),
    );
    assert.ok(
      readFileSync(log, 'utf8').startsWith(
        `variant/middle (${middle.hash})\nthe trial's process was killed by SIGKILL (out of memory?)\n`,
      ),
    );
    assert.deepEqual(
      trialFoldersOf(runs),
      [plan.trials[0].hash, plan.trials[2].hash].sort(),
      'no folder of the killed trial, not even a temporary one',
    );
    // The pool replaced the killed worker: the trial before ran in it, the one after in a new one.
    const [before, after] = [plan.trials[0], plan.trials[2]].map(
      (x) => readResult(runs, x.hash, 'runner-failure').worker as { pid: number; job: number },
    );
    assert.deepEqual(before, { pid: workers[0].pid, job: 1, data: 'built' });
    assert.notEqual(after.pid, workers[0].pid);
    assert.deepEqual(after, { pid: after.pid, job: 1, data: 'built' });

    const again = await runToEnd(file, env);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^${summaryLine(3, 1, 2)}$`, 'm'));
    assert.match(again.stdout, /variant\/middle: done in /);
    assert.deepEqual(trialFoldersOf(runs), plan.trials.map((x) => x.hash).sort());
  },
);

function trialFoldersOf(runs: string): string[] {
  return readdirSync(join(runs, 'runner-failure', 'trials')).sort();
}

test('an invalid experiment file: exit 1, FILE:LINE:COL: message on stderr, no stack trace, nothing written', async () => {
  const dir = tempDir('nnlab-runner-bad-');
  const runs = tempDir('nnlab-runner-runs-');
  const cases: [string, string, string][] = [
    [
      'typo.yaml',
      'name: bad\nmodle:\n  hidden: [16]\ntraining:\n  cycles: 1\n',
      'typo.yaml:2:1: unknown key "modle"; did you mean "model"?',
    ],
    [
      'rule.yaml',
      'name: bad\nschedule: { kind: cyclic, eta_min: 0.1, eta_max: 0.01 }\ntraining: { cycles: 1 }\n',
      'rule.yaml:2:50: schedule.eta_max must be greater than eta_min (0.1); got 0.01',
    ],
    [
      'syntax.yaml',
      'name: bad\nmodel:\n  hidden: [16\ntraining: { cycles: 1 }\n',
      'syntax.yaml:4:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
  ];
  for (const [name, text, message] of cases) {
    writeFileSync(join(dir, name), text);
    const r = await nnlab(['run', name, '--no-report', '--jobs', '1'], {
      cwd: dir,
      env: { NNLAB_DATA: data, NNLAB_RUNS: runs },
    }).exited;
    assert.equal(r.code, 1, name);
    assert.equal(r.stderr, `${message}\n`);
    assert.equal(r.stdout, '');
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
  assert.deepEqual(readdirSync(runs), []);
  assert.deepEqual(readdirSync(dir).sort(), ['rule.yaml', 'syntax.yaml', 'typo.yaml']);
});

test('--only selects by name and rejects a name the file does not define, with a suggestion', async () => {
  const file = experimentFile(THREE_VARIANTS('{ training.batch_size: 50 }'));
  const runs = tempDir('nnlab-runner-runs-');
  const bad = await nnlab(['run', file, '--only', 'midle', '--no-report'], {
    env: { NNLAB_DATA: data, NNLAB_RUNS: runs },
  }).exited;
  assert.equal(bad.code, 2);
  assert.equal(
    bad.stderr,
    `nnlab: run: --only midle: ${file} has no variant or stage of that name; did you mean "middle"? (its names: small-batch, middle, large-batch)\n`,
  );
  assert.deepEqual(readdirSync(runs), []);
  const one = await nnlab(['run', file, '--only', 'middle', '--no-report', '--jobs', '1'], {
    env: { NNLAB_DATA: data, NNLAB_RUNS: runs },
  }).exited;
  assert.equal(one.code, 0, one.stderr);
  assert.match(one.stdout, /^1 trial: 1 trained, 0 cached, 0 failed, 0 diverged$/m);
});
