// CIFAR-10 loaders (binary and python layouts) on synthetic batches, and their error messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../../src/errors.ts';
import { installHint, loadParts, parts, sliceSplit, concatSplits, take } from '../../src/data/index.ts';
import { label, pixel, tempDir, writeCifarBinary, writeCifarPython } from './fixtures.ts';

const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

function checkContent(
  split: { x: Uint8Array; y: Uint8Array; n: number; d: number },
  partIndexes: number[],
  records: number,
) {
  assert.equal(split.n, partIndexes.length * records);
  assert.equal(split.d, 3072);
  assert.equal(split.x.length, split.n * 3072);
  partIndexes.forEach((p, k) => {
    for (let r = 0; r < records; r++) {
      const i = k * records + r;
      assert.equal(split.y[i], label(p, r), `label of image ${i}`);
      for (const j of [0, 1, 1023, 1024, 2047, 2048, 3071])
        assert.equal(split.x[i * 3072 + j], pixel(p, r, j), `pixel ${j} of image ${i}`);
    }
  });
}

test('binary layout: parts concatenated in the order asked, classes from batches.meta.txt, fingerprint over the bytes read', async () => {
  const root = writeCifarBinary(tempDir(), 5);
  const split = await loadParts('cifar10', ['data_batch_3', 'data_batch_1'], { root });
  checkContent(split, [2, 0], 5);
  assert.deepEqual(split.classes, CLASSES);
  const files = ['data_batch_3.bin', 'data_batch_1.bin'].map((f) => join(root, 'cifar-10-batches-bin', f));
  assert.deepEqual(split.files, files);
  const h = createHash('sha256');
  for (const f of files) h.update(readFileSync(f));
  assert.equal(split.fingerprint, h.digest('hex'));
});

test('binary layout: root may be the batches folder itself', async () => {
  const root = writeCifarBinary(tempDir(), 3);
  rmSync(join(root, 'nnlab-source.json'));
  writeFileSync(
    join(root, 'cifar-10-batches-bin', 'nnlab-source.json'),
    JSON.stringify({ source: 'cifar10', records_per_part: 3 }),
  );
  const split = await loadParts('cifar10', ['test_batch'], { root: join(root, 'cifar-10-batches-bin') });
  checkContent(split, [5], 3);
});

test('python layout: py2 cPickle batches with numpy.core arrays read like the binary ones', async () => {
  const root = writeCifarPython(tempDir(), 4);
  const split = await loadParts('cifar10', parts('cifar10'), { root });
  checkContent(split, [0, 1, 2, 3, 4, 5], 4);
  assert.deepEqual(split.classes, CLASSES);
});

test('the binary layout wins when both layouts are present', async () => {
  const root = writeCifarPython(tempDir(), 4);
  writeCifarBinary(root, 2);
  const split = await loadParts('cifar10', ['data_batch_1'], { root });
  assert.equal(split.n, 2);
  assert.match(split.files[0], /cifar-10-batches-bin\/data_batch_1\.bin$/);
});

test('a truncated binary batch names the file and the size expected', async () => {
  const root = writeCifarBinary(tempDir(), 10000 / 1000); // 10 records, recorded in nnlab-source.json
  rmSync(join(root, 'nnlab-source.json')); // now the official 10000 records are expected
  const file = join(root, 'cifar-10-batches-bin', 'data_batch_3.bin');
  truncateSync(file, 1234);
  await assert.rejects(loadParts('cifar10', ['data_batch_3'], { root }), (err) => {
    assert.ok(err instanceof DataError);
    assert.equal(err.message, `${file}: expected 30730000 bytes (10000 records of 3073), found 1234`);
    return true;
  });
});

test('a label out of range names the file and the record', async () => {
  const root = writeCifarBinary(tempDir(), 5);
  const file = join(root, 'cifar-10-batches-bin', 'data_batch_2.bin');
  const buf = readFileSync(file);
  buf[3 * 3073] = 12;
  writeFileSync(file, buf);
  await assert.rejects(loadParts('cifar10', ['data_batch_2'], { root }), {
    name: 'DataError',
    message: `${file}: record 3 has label 12; expected 0–9`,
  });
});

test('a label out of range in a python batch names the file and the record', async () => {
  const root = writeCifarPython(tempDir(), 4);
  const { py2Batch } = await import('./fixtures.ts');
  const file = join(root, 'cifar-10-batches-py', 'test_batch');
  writeFileSync(file, py2Batch(Buffer.alloc(2 * 3072), [1, 10]));
  await assert.rejects(loadParts('cifar10', ['test_batch'], { root }), {
    name: 'DataError',
    message: `${file}: record 1 has label 10; expected 0–9`,
  });
});

test('a missing batch names the file and how to install the data', async () => {
  const root = writeCifarBinary(tempDir(), 5);
  const file = join(root, 'cifar-10-batches-bin', 'data_batch_4.bin');
  rmSync(file);
  await assert.rejects(loadParts('cifar10', ['data_batch_4'], { root }), {
    name: 'DataError',
    message: `${file}: not found. ${installHint('cifar10', root)}`,
  });
});

test('no CIFAR-10 folder at all says where it looked and how to install', async () => {
  const root = tempDir();
  await assert.rejects(loadParts('cifar10', ['data_batch_1'], { root }), {
    name: 'DataError',
    message: `CIFAR-10 not found in ${root} (no cifar-10-batches-bin/ or cifar-10-batches-py/ there). ${installHint('cifar10', root)}`,
  });
});

test('the install hint gives the command, the download address and where the data will live', () => {
  const saved = process.env.NNLAB_DATA;
  process.env.NNLAB_DATA = '/data/home';
  try {
    assert.equal(
      installHint('cifar10'),
      'To install CIFAR-10: download https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz (170052171 bytes, md5 c32a1d4ab5d03f1284b67883e8d87530) ' +
        'on any machine with a network, then run\n  nnlab data fetch cifar10 --from PATH/TO/cifar-10-binary.tar.gz\n' +
        '(or just `nnlab data fetch cifar10` where the network is reachable). ' +
        'It will live in /data/home/cifar10 (data home: $NNLAB_DATA, else $XDG_CACHE_HOME/nnlab, else ~/.cache/nnlab; now /data/home).',
    );
  } finally {
    if (saved === undefined) delete process.env.NNLAB_DATA;
    else process.env.NNLAB_DATA = saved;
  }
});

test('an unknown part is refused with the valid names', async () => {
  await assert.rejects(loadParts('cifar10', ['data_batch_6'], { root: tempDir() }), {
    name: 'DataError',
    message:
      'cifar10: unknown part "data_batch_6"; valid parts: data_batch_1, data_batch_2, data_batch_3, data_batch_4, data_batch_5, test_batch',
  });
});

test('sliceSplit, take and concatSplits keep images and labels together', async () => {
  const root = writeCifarBinary(tempDir(), 6);
  const a = await loadParts('cifar10', ['data_batch_1'], { root });
  const b = await loadParts('cifar10', ['data_batch_2'], { root });
  const both = await loadParts('cifar10', ['data_batch_1', 'data_batch_2'], { root });
  const joined = concatSplits([a, b]);
  assert.deepEqual(joined.x, both.x);
  assert.deepEqual(joined.y, both.y);
  const tail = sliceSplit(both, 8, 12);
  assert.equal(tail.n, 4);
  assert.deepEqual(tail.y, both.y.subarray(8, 12));
  assert.deepEqual(tail.x, both.x.subarray(8 * 3072, 12 * 3072));
  assert.notEqual(tail.fingerprint, both.fingerprint);
  assert.equal(take(both, 3).n, 3);
  assert.equal(sliceSplit(both, -2).n, 2);
  assert.equal(sliceSplit(both, 0, 100).n, 12);
});

test('a data home given as the CIFAR-10 root gets a did-you-mean', async () => {
  const home = tempDir();
  writeCifarBinary(join(home, 'cifar10'), 2);
  await assert.rejects(loadParts('cifar10', ['data_batch_1'], { root: home }), {
    name: 'DataError',
    message: `CIFAR-10 not found in ${home} (no cifar-10-batches-bin/ or cifar-10-batches-py/ there). Did you mean ${join(home, 'cifar10')}?`,
  });
});
