// `nnlab store verify` and `nnlab store gc` as documented in the README (issue #10), run as real
// processes on a store made by a real `nnlab run`.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { committed, dataHome, experimentFile, nnlab, readPlan, tempDir } from '../runner/fixtures.ts';
import { THREE_TRIALS } from './fixtures.ts';

let data: string;
let file: string;
let reference: string;
before(async () => {
  data = dataHome();
  file = experimentFile(THREE_TRIALS);
  reference = tempDir('nnlab-store-commands-');
  const r = await nnlab(['run', file, '--no-report', '--jobs', '1', '--threads', '1'], {
    env: { NNLAB_DATA: data, NNLAB_RUNS: reference },
  }).exited;
  assert.equal(r.code, 0, r.stderr);
});

function copyStore(): string {
  const runs = tempDir('nnlab-store-commands-');
  cpSync(reference, runs, { recursive: true });
  return runs;
}

const store = (args: string[], runs: string, cwd?: string) =>
  nnlab(['store', ...args], { env: { NNLAB_DATA: data, NNLAB_RUNS: runs }, cwd }).exited;

test('store verify: every trial checked in full; a damaged one named, exit 1, nothing moved', async () => {
  const runs = copyStore();
  const trials = join(runs, 'runner-e2e', 'trials');
  const ok = await store(['verify', file], runs);
  assert.equal(ok.code, 0);
  assert.equal(ok.stdout, `runner-e2e: 3 trials checked, 0 damaged (${trials})\n`);

  const first = readPlan(runs).trials.find((t) => t.id === 'variant/first')!;
  const model = join(trials, first.hash, 'model.bin');
  const bytes = readFileSync(model);
  bytes[100] ^= 1;
  writeFileSync(model, bytes);
  const bad = await store(['verify', file], runs);
  assert.equal(bad.code, 1);
  assert.equal(
    bad.stdout,
    `damaged: variant/first (${first.hash}): model.bin does not match the SHA-256 in its manifest (altered after it was written)\n` +
      `runner-e2e: 3 trials checked, 1 damaged (${trials})\n\n1 damaged trial: \`nnlab run\` moves it to quarantine/ and trains it again\n`,
  );
  assert.ok(existsSync(model), 'verify moves nothing');

  // Without FILE: every experiment in the runs folder.
  const all = await store(['verify'], runs, tempDir('nnlab-store-cwd-'));
  assert.equal(all.code, 1);
  assert.equal(all.stdout, bad.stdout);
});

test('store gc: lists trials the current plan does not name (here, of a --set run); removes them only with --yes', async () => {
  const runs = copyStore();
  const current = committed(runs);
  const other = await nnlab(
    ['run', file, '--no-report', '--jobs', '1', '--threads', '1', '--set', 'training.cycles=2'],
    { env: { NNLAB_DATA: data, NNLAB_RUNS: runs } },
  ).exited;
  assert.equal(other.code, 0, other.stderr);
  const extra = committed(runs).filter((h) => !current.includes(h));
  assert.equal(extra.length, 2, 'the two variants trained twice as long; the gradient check is the same trial');

  const list = await store(['gc', file], runs);
  assert.equal(list.code, 0, list.stderr);
  const lines = list.stdout.split('\n');
  assert.equal(lines[0], `runner-e2e (${join(runs, 'runner-e2e')}):`);
  assert.deepEqual(
    lines.slice(1, 3).map((l) => l.replace(/ \d+\.\d MB /, ' N MB ')),
    extra.map((h) => `  ${h}  ${readPlan(runs).trials.find((t) => t.hash === h)!.id}  N MB  (not in the current plan)`),
  );
  assert.match(
    lines[3],
    new RegExp(
      `^2 stored trials \\(\\d+\\.\\d MB\\) no current plan refers to; \`nnlab store gc ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} --yes\` removes them$`,
    ),
  );
  assert.deepEqual(committed(runs).sort(), [...current, ...extra].sort(), 'listing removes nothing');

  const removed = await store(['gc', file, '--yes'], runs);
  assert.equal(removed.code, 0, removed.stderr);
  assert.match(removed.stdout, /^removed 2 of 2 \(\d+\.\d MB\)$/m);
  assert.deepEqual(committed(runs), current);
  const again = await store(['gc', file], runs);
  assert.equal(again.stdout, 'nothing to remove: every stored trial is in a current plan\n');
  const verify = await store(['verify', file], runs);
  assert.equal(verify.code, 0, verify.stdout);
});

test('store gc without FILE: a stored experiment no experiments/*.yaml defines is listed whole; usage errors exit 2', async () => {
  const runs = copyStore();
  const cwd = tempDir('nnlab-store-cwd-');
  const list = await store(['gc'], runs, cwd);
  assert.equal(list.code, 0, list.stderr);
  assert.equal(list.stdout.split('\n').filter((l) => l.endsWith('(no experiment file defines it)')).length, 3);
  assert.match(
    list.stdout,
    /^3 stored trials \(\d+\.\d MB\) no current plan refers to; `nnlab store gc --yes` removes them$/m,
  );

  const none = await store([], runs);
  assert.equal(none.code, 2);
  assert.equal(none.stderr.split('\n')[0], 'nnlab: store: give a subcommand (verify or gc)');
  const unknown = await store(['check'], runs);
  assert.equal(unknown.stderr.split('\n')[0], 'nnlab: store: unknown subcommand "check" (verify or gc)');
});
