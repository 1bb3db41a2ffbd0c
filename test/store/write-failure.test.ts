// A store that cannot be written (issue #10): a file size limit (ulimit -f, as a full disk fails a
// write) and a read-only store, each met by a real `nnlab run` process: the run ends with the path
// and the reason, exit 2, and every trial committed before stays whole; the next run resumes.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { committed, dataHome, experimentFile, nnlab, readPlan, tempDir, trialFolders } from '../runner/fixtures.ts';
import { THREE_TRIALS } from './fixtures.ts';

let data: string;
before(() => {
  data = dataHome();
});

const RUN = ['--no-report', '--jobs', '1', '--threads', '1'];
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const STOPPED =
  'nnlab: the run stopped; trials committed before are kept. Free space or allow writing there, then run again to resume.';

/** Every committed trial's files, byte for byte. */
function snapshot(runs: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const h of committed(runs))
    for (const f of readdirSync(join(runs, 'runner-e2e', 'trials', h)))
      m.set(`${h}/${f}`, readFileSync(join(runs, 'runner-e2e', 'trials', h, f), 'latin1'));
  return m;
}

test('a file size limit (ulimit -f 4) hit writing model.bin: exit 2 naming the file and the reason; committed trials intact; the rerun resumes', async () => {
  const file = experimentFile(THREE_TRIALS);
  const runs = tempDir('nnlab-store-full-');
  const env = { NNLAB_DATA: data, NNLAB_RUNS: runs };
  const first = await nnlab(['run', file, ...RUN, '--only', 'gradient-check'], { env }).exited;
  assert.equal(first.code, 0, first.stderr);
  const kept = snapshot(runs);
  assert.equal(committed(runs).length, 1);

  const limited = await nnlab(['run', file, ...RUN], { env, wrap: ['bash', '-c', 'ulimit -f 4 && exec "$0" "$@"'] })
    .exited;
  assert.equal(limited.code, 2, `${limited.stdout}\n${limited.stderr}`);
  const tmp = `${esc(join(runs, 'runner-e2e', 'trials'))}/[0-9a-f]{16}\\.tmp-${esc(hostname())}-\\d+-\\d+`;
  assert.match(
    limited.stderr,
    new RegExp(
      `(?:^|\n)nnlab: cannot write the run store: ${tmp}/model\\.bin: file too large, the file size limit \\(ulimit -f\\) was reached \\(EFBIG\\)\\n${esc(STOPPED)}\\n$`,
    ),
  );
  assert.deepEqual(snapshot(runs), kept, 'the committed trial is untouched');
  assert.deepEqual(trialFolders(runs), committed(runs), 'no temporary folder left');
  assert.equal(existsSync(join(runs, 'runner-e2e', 'failed')), false, 'not recorded as a failure of the trial');
  assert.deepEqual(readdirSync(join(runs, 'runner-e2e', 'claims')), [], 'claims released');

  const verify = await nnlab(['store', 'verify', file], { env }).exited;
  assert.equal(verify.code, 0, verify.stdout);
  const rerun = await nnlab(['run', file, ...RUN], { env }).exited;
  assert.equal(rerun.code, 0, rerun.stderr);
  assert.match(rerun.stdout, /^3 trials: 2 trained, 1 cached, 0 failed, 0 diverged$/m);
});

test('a read-only store: exit 2 naming the path and "permission denied"; nothing committed is changed', async (t) => {
  const file = experimentFile(THREE_TRIALS);
  const runs = tempDir('nnlab-store-readonly-');
  const env = { NNLAB_DATA: data, NNLAB_RUNS: runs };
  const first = await nnlab(['run', file, ...RUN, '--only', 'first'], { env }).exited;
  assert.equal(first.code, 0, first.stderr);
  const kept = snapshot(runs);
  const store = join(runs, 'runner-e2e');
  const folders = [
    store,
    ...['trials', 'claims'].map((d) => join(store, d)),
    ...committed(runs).map((h) => join(store, 'trials', h)),
  ];
  for (const d of folders) chmodSync(d, 0o555);
  t.after(() => {
    for (const d of folders) chmodSync(d, 0o755);
  });
  // Root writes anywhere: run it without the capability that lets it ignore file permissions.
  const wrap =
    process.getuid?.() === 0
      ? ['setpriv', '--bounding-set=-dac_override,-dac_read_search', '--inh-caps=-dac_override,-dac_read_search', '--']
      : [];
  const plan = statSync(join(store, 'plan.json')).mtimeMs;

  const r = await nnlab(['run', file, ...RUN], { env, wrap }).exited;
  assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
  const draft = `${esc(join(store, 'claims'))}/[0-9a-f]{16}\\.${esc(hostname())}-\\d+-[0-9a-f]{16}\\.draft`;
  assert.match(
    r.stderr,
    new RegExp(
      `(?:^|\n)nnlab: cannot write the run store: ${draft}: permission denied \\(EACCES\\)\\n${esc(STOPPED)}\\n$`,
    ),
  );
  assert.deepEqual(snapshot(runs), kept);
  assert.equal(statSync(join(store, 'plan.json')).mtimeMs, plan, 'plan.json not rewritten');
  assert.equal(readPlan(runs).trials.length, 3);
});
