// The pickle reader on what numpy 2 / Python 3 writes (fixture made once with numpy 2.4, protocol 2:
// numpy._core, _codecs.encode) and on what Python 2's cPickle wrote (built in fixtures.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unpickle, type NdArray } from '../../src/data/index.ts';
import { parsePythonBatch } from '../../src/data/cifar10.ts';
import { py2Batch, repoRoot } from './fixtures.ts';

const numpy2 = readFileSync(join(repoRoot, 'test', 'data', 'fixtures', 'numpy2-batch.pkl'));

test('numpy 2 pickle (numpy._core._reconstruct, bytes via _codecs.encode): dict, array and labels', () => {
  const d = unpickle(numpy2) as Record<string, unknown>;
  assert.deepEqual(Object.keys(d), ['batch_label', 'labels', 'data', 'filenames']);
  assert.deepEqual(d.labels, [0, 9, 3, 7]);
  assert.equal(Buffer.from(d.batch_label as Uint8Array).toString(), 'synthetic batch');
  const a = d.data as NdArray;
  assert.deepEqual(a.shape, [4, 3072]);
  assert.equal(a.dtype, '|u1');
  assert.equal(a.fortran, false);
  assert.equal(a.data.length, 4 * 3072);
  for (let i = 0; i < 4; i++) for (let j = 0; j < 3072; j += 97) assert.equal(a.data[i * 3072 + j], (i * 3 + j) % 256);
});

test('a numpy 2 batch reads as a CIFAR-10 batch', () => {
  const b = parsePythonBatch('numpy2-batch.pkl', numpy2);
  assert.equal(b.n, 4);
  assert.deepEqual([...b.y], [0, 9, 3, 7]);
  assert.equal(b.x[3 * 3072 + 100], (9 + 100) % 256);
});

test('py2 cPickle batch (numpy.core, BINSTRING data, I00): array bytes are a view, labels a list', () => {
  const data = Buffer.alloc(2 * 3072, 7);
  data[3071] = 200;
  const buf = py2Batch(data, [4, 5]);
  const d = unpickle(buf) as Record<string, unknown>;
  const a = d.data as NdArray;
  assert.deepEqual(a.shape, [2, 3072]);
  assert.equal(a.dtype, '|u1');
  assert.equal(a.fortran, false);
  assert.equal(a.data[3071], 200);
  assert.equal(a.data.buffer, buf.buffer, 'no copy of the pixel bytes');
  assert.deepEqual(d.labels, [4, 5]);
});

test('unknown globals and opcodes are refused by name', () => {
  assert.throws(() => unpickle(Buffer.from('\x80\x02cos\nsystem\nq\x00.', 'latin1')), {
    message: 'unsupported global os.system',
  });
  assert.throws(() => unpickle(Buffer.from('\x80\x02\x95', 'latin1')), {
    message: 'unsupported pickle opcode 0x95 at byte 2',
  });
  assert.throws(() => unpickle(Buffer.from('\x80\x02}q', 'latin1')), {
    message: 'unexpected end of pickle at byte 4 (need 1 more)',
  });
});

test('a batch whose array is not uint8 (n, 3072) is refused with its shape', () => {
  const buf = py2Batch(Buffer.alloc(3072), [1]).toString('latin1').replace('K\x01M\x00\x0c\x86', 'K\x01M\x00\x06\x86');
  assert.throws(() => parsePythonBatch('x', Buffer.from(buf, 'latin1')), {
    name: 'DataError',
    message: "x: 'data' is a |u1 array of shape (1, 1536); expected uint8 (n, 3072) in C order",
  });
});
