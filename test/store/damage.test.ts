// Damaged trials are found, never used (issue #10): a truncated or altered result.json, curves.jsonl,
// model.bin or manifest is named in a warning, moved to quarantine/ and trained again by a real
// `nnlab run`, whose tables then come out whole and equal to an undamaged run's; a dry run lists the
// damage without moving anything; `nnlab report` names a damaged trial instead of dropping it.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  EXPERIMENT_NAME,
  TOTAL_TRIALS,
  dataHome,
  experimentFile,
  nnlab,
  readPlan,
  readResult,
  runToEnd,
  summaryLine,
  tables,
  tempDir,
  trialsDir,
} from '../runner/fixtures.ts';

let data: string;
let file: string;
let reference: { runs: string; tables: string; ids: Map<string, string> };

before(async () => {
  data = dataHome();
  file = experimentFile();
  const runs = tempDir('nnlab-store-reference-');
  const r = await runToEnd(file, { NNLAB_DATA: data, NNLAB_RUNS: runs });
  assert.equal(r.code, 0, r.stderr);
  reference = { runs, tables: tables(r.stdout), ids: new Map(readPlan(runs).trials.map((t) => [t.id, t.hash])) };
});

/** A copy of the reference store to damage. */
function copyStore(): string {
  const runs = tempDir('nnlab-store-damaged-');
  cpSync(reference.runs, runs, { recursive: true });
  return runs;
}

const hash = (id: string) => reference.ids.get(id)!;
const path = (runs: string, id: string, name: string) => join(trialsDir(runs), hash(id), name);
const manifestSize = (runs: string, id: string, name: string): number =>
  JSON.parse(readFileSync(path(runs, id, 'manifest.json'), 'utf8')).files[name].size;
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Flips one byte in the middle of a file: same size, different content. */
function alter(file: string): void {
  const bytes = readFileSync(file);
  bytes[bytes.length >> 1] ^= 0x55;
  writeFileSync(file, bytes);
}

/** The warning of one damaged trial, quarantine folder name left open. */
const warning = (runs: string, id: string, problem: string) =>
  new RegExp(
    `^warning: trial ${esc(id)} \\(${hash(id)}\\) is damaged: ${esc(problem)}; moved to ${esc(join(runs, EXPERIMENT_NAME, 'quarantine', hash(id)))}-\\d{8}T\\d{9}Z-\\d+; \`nnlab run\` trains it again$`,
    'm',
  );

test('truncated and altered files are quarantined with a warning and retrained; the tables come out whole and the same', async () => {
  const runs = copyStore();
  const damage: [string, string, () => void][] = [
    [
      'search/coarse/02',
      `result.json is 100 bytes; its manifest says ${manifestSize(runs, 'search/coarse/02', 'result.json')}`,
      () => truncateSync(path(runs, 'search/coarse/02', 'result.json'), 100),
    ],
    [
      'variant/bn',
      'curves.jsonl does not match the SHA-256 in its manifest (altered after it was written)',
      () => alter(path(runs, 'variant/bn', 'curves.jsonl')),
    ],
    [
      'search/fine/01',
      `model.bin is 10 bytes; its manifest says ${manifestSize(runs, 'search/fine/01', 'model.bin')}`,
      () => truncateSync(path(runs, 'search/fine/01', 'model.bin'), 10),
    ],
    [
      'variant/no-bn',
      `its manifest.json is not valid JSON (50 bytes)`,
      () => truncateSync(path(runs, 'variant/no-bn', 'manifest.json'), 50),
    ],
    [
      'gradient-check/2-layer',
      'result.json does not match the SHA-256 in its manifest (altered after it was written)',
      () => alter(path(runs, 'gradient-check/2-layer', 'result.json')),
    ],
  ];
  for (const [, , act] of damage) act();

  // A dry run names the damage the cheap check sees (sizes, manifests), and moves nothing.
  const dry = await nnlab(['run', file, '--dry-run'], { env: { NNLAB_DATA: data, NNLAB_RUNS: runs } }).exited;
  assert.equal(dry.code, 0, dry.stderr);
  // (search/fine waits for search/coarse, whose damaged trial is not settled: the plan stops there.)
  for (const [id, problem] of [damage[0], damage[3]])
    assert.match(
      dry.stdout,
      new RegExp(
        `^  ${hash(id)}  ${esc(id)} .*\\[damaged: ${esc(problem)}; the run quarantines and retrains it\\]  (first-layer kernel \\S+, )?memory .*$`,
        'm',
      ),
    );
  assert.equal(existsSync(join(runs, EXPERIMENT_NAME, 'quarantine')), false, 'a dry run moves nothing');

  const r = await runToEnd(file, { NNLAB_DATA: data, NNLAB_RUNS: runs });
  assert.equal(r.code, 0, r.stderr);
  for (const [id, problem] of damage) assert.match(r.stdout, warning(runs, id, problem));
  assert.match(
    r.stdout,
    new RegExp(`^${summaryLine(TOTAL_TRIALS, damage.length, TOTAL_TRIALS - damage.length)}$`, 'm'),
  );
  assert.equal(tables(r.stdout), reference.tables);

  // Each damaged folder is in quarantine with what was wrong; the store holds every trial whole again.
  const quarantined = readdirSync(join(runs, EXPERIMENT_NAME, 'quarantine')).sort();
  assert.deepEqual(
    quarantined.map((n) => n.slice(0, 16)),
    damage.map(([id]) => hash(id)).sort(),
  );
  for (const [id, problem] of damage) {
    const q = quarantined.find((n) => n.startsWith(hash(id)))!;
    assert.equal(
      readFileSync(join(runs, EXPERIMENT_NAME, 'quarantine', q, 'quarantined.txt'), 'utf8'),
      `${id} (${hash(id)})\n${problem}\n`,
    );
  }
  for (const [id, h] of reference.ids)
    assert.deepEqual(readResult(runs, h).final, readResult(reference.runs, h).final, id);
  const verify = await nnlab(['store', 'verify', file], { env: { NNLAB_RUNS: runs } }).exited;
  assert.equal(verify.code, 0, verify.stdout);
  assert.equal(
    verify.stdout,
    `${EXPERIMENT_NAME}: ${TOTAL_TRIALS} trials checked, 0 damaged, ${damage.length} in quarantine (${join(runs, EXPERIMENT_NAME, 'trials')})\n`,
  );
});

test('nnlab report reads every file in full: an altered model is named, quarantined and shown as not run, never drawn', async () => {
  const runs = copyStore();
  const id = 'variant/no-bn';
  alter(path(runs, id, 'model.bin'));
  const before = statSync(path(runs, id, 'model.bin')).size;
  assert.equal(before, manifestSize(runs, id, 'model.bin'), 'same size: only the full hash can tell');
  const out = tempDir('nnlab-store-report-');
  const r = await nnlab(['report', file, '--no-pdf', '--out', out], { env: { NNLAB_DATA: data, NNLAB_RUNS: runs } })
    .exited;
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    warning(runs, id, 'model.bin does not match the SHA-256 in its manifest (altered after it was written)'),
  );
  assert.match(r.stderr, new RegExp(`^nnlab: 1 trial is not run yet \\(marked in the report\\): ${esc(id)}`, 'm'));
  assert.equal(existsSync(join(trialsDir(runs), hash(id))), false);
});
