// IDX (MNIST-style) files, raw and gzip, their error messages, and Debian's Fashion-MNIST when installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DEBIAN_FASHION_MNIST, describeData, ensureDataset, installHint, loadParts } from '../../src/data/index.ts';
import { idxBytes, tempDir, writeIdx } from './fixtures.ts';

for (const gzip of [false, true]) {
  test(`IDX ${gzip ? 'gzip' : 'raw'}: images, labels, train then test in order`, async () => {
    const root = tempDir();
    const train = writeIdx(root, 'train', 7, { gzip });
    const test = writeIdx(root, 'test', 3, { gzip });
    const split = await loadParts('mnist', ['train', 'test'], { root });
    assert.equal(split.n, 10);
    assert.equal(split.d, 784);
    assert.deepEqual(split.files, [train.images, train.labels, test.images, test.labels]);
    const ref = [idxBytes(7, 28, 28, 0), idxBytes(3, 28, 28, 5)];
    assert.deepEqual(split.x, new Uint8Array(Buffer.concat([ref[0].images.subarray(16), ref[1].images.subarray(16)])));
    assert.deepEqual([...split.y], [0, 1, 2, 3, 4, 5, 6, 5, 6, 7]);
    assert.deepEqual(split.classes, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });
}

test('fashion_mnist with a root override has the Fashion-MNIST class names', async () => {
  const root = tempDir();
  writeIdx(root, 'test', 2, { gzip: true });
  const split = await loadParts('fashion_mnist', ['test'], { root });
  assert.deepEqual(split.classes, [
    'T-shirt/top',
    'Trouser',
    'Pullover',
    'Dress',
    'Coat',
    'Sandal',
    'Shirt',
    'Sneaker',
    'Bag',
    'Ankle boot',
  ]);
  assert.equal(describeData('fashion_mnist', root), `Fashion-MNIST (IDX files in ${root})`);
});

test('a truncated IDX image file names the file and the size expected', async () => {
  const root = tempDir();
  const f = writeIdx(root, 'train', 5);
  writeFileSync(f.images, readFileSync(f.images).subarray(0, 1000));
  await assert.rejects(loadParts('mnist', ['train'], { root }), {
    name: 'DataError',
    message: `${f.images}: expected 3936 bytes (16-byte header + 5 images of 28×28), found 1000`,
  });
});

test('a truncated gzip IDX file whose gzip stream is complete says uncompressed', async () => {
  const root = tempDir();
  const f = writeIdx(root, 'train', 5, { gzip: true });
  const { labels } = idxBytes(5, 28, 28);
  writeFileSync(f.labels, gzipSync(labels.subarray(0, 10)));
  await assert.rejects(loadParts('mnist', ['train'], { root }), {
    name: 'DataError',
    message: `${f.labels}: expected 13 bytes uncompressed (8-byte header + 5 labels), found 10`,
  });
});

test('a cut gzip stream is corrupt gzip data', async () => {
  const root = tempDir();
  const f = writeIdx(root, 'train', 5, { gzip: true });
  writeFileSync(f.images, readFileSync(f.images).subarray(0, 30));
  await assert.rejects(loadParts('mnist', ['train'], { root }), {
    name: 'DataError',
    message: `${f.images}: corrupt gzip data (unexpected end of file)`,
  });
});

test('wrong magic, label count and label range are named', async () => {
  const root = tempDir();
  const f = writeIdx(root, 'train', 5);
  const swapped = readFileSync(f.labels);
  writeFileSync(f.labels, readFileSync(f.images));
  await assert.rejects(loadParts('mnist', ['train'], { root }), {
    message: `${f.labels}: not an IDX labels file (magic 0x00000803; expected magic 0x00000801)`,
  });
  const fewer = Buffer.from(swapped);
  fewer.writeUInt32BE(4, 4);
  writeFileSync(f.labels, fewer);
  await assert.rejects(loadParts('mnist', ['train'], { root }), {
    message: `${f.labels}: 4 labels for 5 images in ${f.images}`,
  });
  const bad = Buffer.from(swapped);
  bad[8 + 2] = 10;
  writeFileSync(f.labels, bad);
  await assert.rejects(loadParts('mnist', ['train'], { root }), {
    message: `${f.labels}: record 2 has label 10; expected 0–9`,
  });
});

test('missing MNIST files name the file and how to install', async () => {
  const root = tempDir();
  const file = join(root, 'train-images-idx3-ubyte.gz');
  await assert.rejects(loadParts('mnist', ['train'], { root }), {
    name: 'DataError',
    message: `${file}: not found. ${installHint('mnist', root)}`,
  });
  await assert.rejects(ensureDataset('mnist', { root, fetch: true }), {
    name: 'DataError',
    message: `MNIST is not installed in ${root} (${file} is missing). ${installHint('mnist', root)}`,
  });
});

test(
  "Debian's Fashion-MNIST loads: 60000 + 10000 images of 28×28, balanced",
  {
    skip: existsSync(DEBIAN_FASHION_MNIST)
      ? false
      : `${DEBIAN_FASHION_MNIST} absent (apt-get install dataset-fashion-mnist)`,
  },
  async () => {
    assert.equal(await ensureDataset('fashion_mnist', { root: DEBIAN_FASHION_MNIST }), DEBIAN_FASHION_MNIST);
    const train = await loadParts('fashion_mnist', ['train'], { root: DEBIAN_FASHION_MNIST });
    const test = await loadParts('fashion_mnist', ['test'], { root: DEBIAN_FASHION_MNIST });
    assert.equal(train.n, 60000);
    assert.equal(test.n, 10000);
    assert.equal(train.d, 784);
    const counts = new Array(10).fill(0);
    for (const v of test.y) counts[v]++;
    assert.deepEqual(counts, new Array(10).fill(1000));
    assert.equal(describeData('fashion_mnist', DEBIAN_FASHION_MNIST), 'Fashion-MNIST (Debian dataset-fashion-mnist)');
  },
);
