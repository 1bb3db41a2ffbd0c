// Installing CIFAR-10 from an archive: MD5 or member-size verification, the record beside the data,
// atomic replacement (a failed install leaves nothing half-done), and the messages when data is missing.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { once } from 'node:events';
import { c as tarCreate } from 'tar';
import {
  describeData,
  ensureDataset,
  fetchDataset,
  installHint,
  loadParts,
  readMeta,
  META_FILE,
} from '../../src/data/index.ts';
import { cifarArchive, label, pixel, tempDir, writeCifarPython } from './fixtures.ts';

const md5 = (f: string) => createHash('md5').update(readFileSync(f)).digest('hex');

let work: string;
let fullArchive: string; // exact official member sizes, synthetic pixels, unknown MD5
let smallArchive: string; // 5 records a part

before(async () => {
  work = tempDir();
  fullArchive = await cifarArchive(work, 10000, 'full.tar.gz');
  smallArchive = await cifarArchive(work, 5, 'small.tar.gz');
});

test('an archive with an unknown MD5 but exact member sizes installs, verified by size, and is recorded', async () => {
  const home = tempDir();
  const root = join(home, 'cifar10');
  const progress: number[] = [];
  const r = await fetchDataset('cifar10', { from: fullArchive, root, onProgress: (p) => progress.push(p.bytes) });
  const sum = md5(fullArchive);
  assert.deepEqual(r, { root, md5: sum, known: null, verified: 'size', replaced: true });
  assert.equal(progress.at(-1), readFileSync(fullArchive).length);
  const meta = readMeta(root)!;
  assert.equal(meta.md5, sum);
  assert.equal(meta.known, null);
  assert.equal(meta.archive, 'full.tar.gz');
  assert.equal(meta.layout, 'binary');
  assert.equal(describeData('cifar10', root), `CIFAR-10 (unrecognized archive, md5 ${sum.slice(0, 6)}…)`);
  const split = await loadParts('cifar10', ['data_batch_2'], { root });
  assert.equal(split.n, 10000);
  assert.equal(split.y[9999], label(1, 9999));
  assert.equal(split.x[9999 * 3072 + 5], pixel(1, 9999, 5));
  assert.deepEqual(readdirSync(home), ['cifar10'], 'no temporary folder left beside the data');
  assert.equal(await ensureDataset('cifar10', { root }), root);

  const again = await fetchDataset('cifar10', { from: fullArchive, root });
  assert.equal(again.replaced, false, 'the same archive again keeps the install');
});

test('an unknown archive with wrong member sizes is refused and nothing is installed', async () => {
  const home = tempDir();
  const root = join(home, 'cifar10');
  await assert.rejects(fetchDataset('cifar10', { from: smallArchive, root }), {
    name: 'DataError',
    message: `${smallArchive}: unrecognized checksum ${md5(smallArchive)}, and member cifar-10-batches-bin/data_batch_1.bin has 15365 bytes (expected 30730000: 10000 records of 3073); not installed`,
  });
  assert.deepEqual(readdirSync(home), []);
});

test('a cut archive fails during extraction, leaves no half-installed data and keeps the previous install', async () => {
  const home = tempDir();
  const root = join(home, 'cifar10');
  const cut = join(work, 'cut.tar.gz');
  const bytes = readFileSync(fullArchive);
  writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));

  await assert.rejects(fetchDataset('cifar10', { from: cut, root }), (err: Error) => {
    assert.equal(err.name, 'DataError');
    assert.ok(err.message.startsWith(`${cut}: cannot extract (`), err.message);
    return true;
  });
  assert.deepEqual(readdirSync(home), [], 'nothing that looks like an install');

  await fetchDataset('cifar10', { from: fullArchive, root });
  await assert.rejects(fetchDataset('cifar10', { from: cut, root }), { name: 'DataError' });
  assert.deepEqual(readdirSync(home), ['cifar10']);
  assert.equal(readMeta(root)!.md5, md5(fullArchive), 'the previous install is untouched');
  assert.equal((await loadParts('cifar10', ['test_batch'], { root })).n, 10000);
});

test('a python-layout archive with an unknown MD5 is checked by reading its batches', async () => {
  const src = writeCifarPython(tempDir(), 4);
  const archive = join(work, 'py.tar.gz');
  await tarCreate({ gzip: true, cwd: src, file: archive, portable: true }, ['cifar-10-batches-py']);
  const home = tempDir();
  await assert.rejects(fetchDataset('cifar10', { from: archive, root: join(home, 'cifar10') }), {
    name: 'DataError',
    message: `${archive}: unrecognized checksum ${md5(archive)}, and member cifar-10-batches-py/data_batch_1 holds 4 images (expected 10000); not installed`,
  });
  assert.deepEqual(readdirSync(home), []);
});

test('an archive without CIFAR-10 folders is named as such', async () => {
  const src = tempDir();
  writeFileSync(join(src, 'readme.txt'), 'hello');
  const archive = join(work, 'other.tar.gz');
  await tarCreate({ gzip: true, cwd: src, file: archive }, ['readme.txt']);
  await assert.rejects(fetchDataset('cifar10', { from: archive, root: join(tempDir(), 'cifar10') }), {
    message: `${archive}: the archive holds no cifar-10-batches-bin/ or cifar-10-batches-py/ folder; expected the CIFAR-10 binary archive (https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz)`,
  });
});

test('temporary folders of crashed installs are removed by the next install', async () => {
  const home = tempDir();
  mkdirSync(join(home, '.cifar10.tmp-999999999-abc', 'cifar-10-batches-bin'), { recursive: true });
  await fetchDataset('cifar10', { from: fullArchive, root: join(home, 'cifar10') });
  assert.deepEqual(readdirSync(home), ['cifar10']);
});

test('a missing --from file and an unreachable URL say what went wrong and how to install', async () => {
  const root = join(tempDir(), 'cifar10');
  const nowhere = join(work, 'nowhere.tar.gz');
  await assert.rejects(fetchDataset('cifar10', { from: nowhere, root }), {
    name: 'DataError',
    message: `${nowhere}: not found (expected the CIFAR-10 archive, e.g. cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz)`,
  });
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  await new Promise((r) => server.close(r)); // now nothing listens there
  const url = `http://127.0.0.1:${port}/cifar-10-binary.tar.gz`;
  await assert.rejects(fetchDataset('cifar10', { from: url, root }), {
    name: 'DataError',
    message: `${url}: download failed (ECONNREFUSED). ${installHint('cifar10', root)}`,
  });
  assert.equal(existsSync(root), false);
});

test('ensureDataset without fetch names the missing data and how to install it', async () => {
  const root = join(tempDir(), 'cifar10');
  await assert.rejects(ensureDataset('cifar10', { root }), {
    name: 'DataError',
    message: `CIFAR-10 is not installed in ${root} (${join(root, 'cifar-10-batches-bin')} is missing). ${installHint('cifar10', root)}`,
  });
});

test('describeData names the copy from the recorded archive MD5', () => {
  const root = tempDir();
  mkdirSync(join(root, 'cifar-10-batches-bin'));
  const say = (m: object) => (
    writeFileSync(join(root, META_FILE), JSON.stringify({ source: 'cifar10', ...m })),
    describeData('cifar10', root)
  );
  assert.equal(say({ md5: '2e508a679b17574754a44d7002bf3d7d' }), 'CIFAR-10 (JPEG q75 copy, archive md5 2e508a…)');
  assert.equal(say({ md5: 'c32a1d4ab5d03f1284b67883e8d87530' }), 'CIFAR-10 (official binary archive)');
  assert.equal(say({ md5: 'c58f30108f718f92721af3b95e74349a' }), 'CIFAR-10 (official python archive)');
  assert.equal(say({}), `CIFAR-10 (binary layout in ${root}, origin not recorded)`);
});
