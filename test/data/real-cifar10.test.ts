// The shared CIFAR-10 copy (../shared/datasets/cifar-10-binary-jpeg75.tar.gz) through fetchDataset into a
// temp data home, then the facts every experiment relies on. Skips, saying why, where the copy is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  describeData,
  ensureDataset,
  fetchDataset,
  loadParts,
  parts,
  preprocess,
  standardizeStats,
} from '../../src/data/index.ts';
import { cifarTestRoot, SHARED_ARCHIVE, SHARED_MD5, SHARED_MISSING, tempDir } from './fixtures.ts';

const skip = existsSync(SHARED_ARCHIVE) ? false : SHARED_MISSING;

function classCounts(y: Uint8Array): number[] {
  const c = new Array(10).fill(0);
  for (const v of y) c[v]++;
  return c;
}

test(
  'the shared JPEG q75 copy installs through fetchDataset: unrecognized checksum, members verified by size',
  { skip },
  async () => {
    const saved = process.env.NNLAB_DATA;
    process.env.NNLAB_DATA = tempDir();
    try {
      const r = await fetchDataset('cifar10', { from: SHARED_ARCHIVE });
      assert.deepEqual(r, {
        root: join(process.env.NNLAB_DATA, 'cifar10'),
        md5: SHARED_MD5,
        known: null,
        verified: 'size',
        replaced: true,
      });
      assert.equal(describeData('cifar10'), 'CIFAR-10 (JPEG q75 copy, archive md5 2e508a…)');
      assert.equal(await ensureDataset('cifar10', { fetch: false }), r.root);
      const test = await loadParts('cifar10', ['test_batch']);
      assert.equal(test.n, 10000);
    } finally {
      if (saved === undefined) delete process.env.NNLAB_DATA;
      else process.env.NNLAB_DATA = saved;
    }
  },
);

test(
  'CIFAR-10 (shared copy): 50000 training and 10000 test images of 3072, balanced classes, pixels spread over 0…255',
  { skip },
  async () => {
    const home = await cifarTestRoot();
    assert.ok(home);
    const root = join(home, 'cifar10');
    const train = await loadParts('cifar10', parts('cifar10').slice(0, 5), { root });
    const test = await loadParts('cifar10', ['test_batch'], { root });
    assert.equal(train.n, 50000);
    assert.equal(test.n, 10000);
    assert.equal(train.d, 3072);
    assert.equal(train.x.length, 50000 * 3072);
    assert.deepEqual(train.classes, [
      'airplane',
      'automobile',
      'bird',
      'cat',
      'deer',
      'dog',
      'frog',
      'horse',
      'ship',
      'truck',
    ]);
    assert.deepEqual(classCounts(train.y), new Array(10).fill(5000));
    assert.deepEqual(classCounts(test.y), new Array(10).fill(1000));
    assert.equal(train.files.length, 5);
    assert.match(train.fingerprint, /^[0-9a-f]{64}$/);

    const stats = standardizeStats(train);
    for (let j = 0; j < 3072; j++) {
      assert.ok(stats.mean[j] > 60 && stats.mean[j] < 200, `mean of dimension ${j} is ${stats.mean[j]}`);
      assert.ok(stats.std[j] > 30 && stats.std[j] < 100, `std of dimension ${j} is ${stats.std[j]}`);
    }
    // CIFAR-10's channel means are about 125 (red), 123 (green) and 114 (blue).
    const channelMean = (c: number) => stats.mean.subarray(c * 1024, (c + 1) * 1024).reduce((a, b) => a + b, 0) / 1024;
    assert.ok(channelMean(0) > channelMean(2));
    const z = preprocess(test, { kind: 'standardize', stats });
    assert.equal(z.length, 10000 * 3072);
    assert.ok(z.every(Number.isFinite));
  },
);

test('cifarTestRoot reuses its install', { skip }, async () => {
  const a = await cifarTestRoot();
  const b = await cifarTestRoot();
  assert.equal(a, b);
  assert.equal(describeData('cifar10', join(a!, 'cifar10')), 'CIFAR-10 (JPEG q75 copy, archive md5 2e508a…)');
});
