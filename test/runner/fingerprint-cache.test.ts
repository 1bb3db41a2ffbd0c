// The data fingerprint cache on a synthetic CIFAR-10 read by the real loader: a hit reads nothing;
// touching, rewriting (even with the old modification time put back), replacing a file, or a new
// layout beside it, is a miss that gives the fresh fingerprint; fresh files are not remembered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadParts, parts } from '../../src/data/index.ts';
import { cachedFingerprint } from '../../src/runner/fingerprint-cache.ts';
import { tempDir, writeCifarBinary } from '../data/fixtures.ts';

/** A synthetic CIFAR-10, its cache file, and a fingerprint function counting the reads. */
function setup(settleMs: number) {
  const home = tempDir('nnlab-fpcache-');
  const root = writeCifarBinary(join(home, 'cifar10'), 4);
  const file = join(home, 'fingerprints.json');
  const state = { reads: 0 };
  const fingerprint = () =>
    cachedFingerprint(
      'cifar10',
      async () => {
        state.reads++;
        return loadParts('cifar10', parts('cifar10'), { root });
      },
      { file, watch: [root], settleMs },
    );
  const fresh = async () => (await loadParts('cifar10', parts('cifar10'), { root })).fingerprint;
  return { root, file, state, fingerprint, fresh, batch: join(root, 'cifar-10-batches-bin', 'data_batch_3.bin') };
}

// The files were written just now: a negative settle time treats them as long settled.
const SETTLED = -60_000;

test('a second call with unchanged files reads nothing and gives the same fingerprint', async () => {
  const s = setup(SETTLED);
  const first = await s.fingerprint();
  assert.equal(first, await s.fresh());
  assert.equal(s.state.reads, 1);
  assert.equal(await s.fingerprint(), first);
  assert.equal(s.state.reads, 1);
});

test('touching a file (same bytes) is a miss, which reads again', async () => {
  const s = setup(SETTLED);
  const first = await s.fingerprint();
  const later = new Date(statSync(s.batch).mtimeMs + 5000);
  utimesSync(s.batch, later, later);
  assert.equal(await s.fingerprint(), first);
  assert.equal(s.state.reads, 2);
  assert.equal(await s.fingerprint(), first);
  assert.equal(s.state.reads, 2, 'the re-read fingerprint is remembered again');
});

test('rewriting a byte in place, with the old size and modification time put back, gives the new fingerprint', async () => {
  const s = setup(SETTLED);
  // A whole second, which utimes can put back exactly.
  const stamp = 1_700_000_000;
  utimesSync(s.batch, stamp, stamp);
  const first = await s.fingerprint();
  const before = statSync(s.batch, { bigint: true });
  const bytes = readFileSync(s.batch);
  bytes[100] ^= 0xff;
  writeFileSync(s.batch, bytes);
  utimesSync(s.batch, stamp, stamp);
  const after = statSync(s.batch, { bigint: true });
  assert.deepEqual([after.size, after.mtimeNs, after.ino], [before.size, before.mtimeNs, before.ino]);
  const now = await s.fingerprint();
  assert.notEqual(now, first);
  assert.equal(now, await s.fresh());
  assert.equal(s.state.reads, 2);
});

test('a file replaced by another (rename over it) is a miss', async () => {
  const s = setup(SETTLED);
  const first = await s.fingerprint();
  const bytes = readFileSync(s.batch);
  bytes[7] ^= 1;
  writeFileSync(`${s.batch}.new`, bytes);
  renameSync(`${s.batch}.new`, s.batch);
  const now = await s.fingerprint();
  assert.notEqual(now, first);
  assert.equal(now, await s.fresh());
});

test('a new folder in the source root (another layout could win) is a miss', async () => {
  const s = setup(SETTLED);
  await s.fingerprint();
  mkdirSync(join(s.root, 'cifar-10-batches-py'));
  await s.fingerprint();
  assert.equal(s.state.reads, 2);
});

test('files changed shortly before hashing are not remembered (they may have changed while being read)', async () => {
  const s = setup(60_000);
  const first = await s.fingerprint();
  assert.equal(await s.fingerprint(), first);
  assert.equal(s.state.reads, 2);
});

test('an unreadable or foreign cache file is ignored and replaced', async () => {
  const s = setup(SETTLED);
  writeFileSync(s.file, '{ not json');
  const first = await s.fingerprint();
  assert.equal(first, await s.fresh());
  assert.equal(JSON.parse(readFileSync(s.file, 'utf8')).entries.cifar10.fingerprint, first);
  writeFileSync(s.file, JSON.stringify({ version: 0, entries: { cifar10: { fingerprint: 'stale', stats: {} } } }));
  assert.equal(await s.fingerprint(), first);
  assert.equal(s.state.reads, 2);
});

test('with write: false the cache is used but nothing is written', async () => {
  const s = setup(SETTLED);
  const look = () =>
    cachedFingerprint('cifar10', async () => loadParts('cifar10', parts('cifar10'), { root: s.root }), {
      file: s.file,
      watch: [s.root],
      settleMs: SETTLED,
      write: false,
    });
  const first = await look();
  assert.equal(existsSync(s.file), false);
  assert.equal(await s.fingerprint(), first);
  const written = readFileSync(s.file, 'utf8');
  assert.equal(await look(), first);
  assert.equal(readFileSync(s.file, 'utf8'), written);
});
