// The fast forward/backward (BLAS, float64) against the plain-loop reference of native/reference.cpp,
// quantity by quantity: the cost, every layer's scores s_l and activations h_l, every gradient.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareWithReference } from '../../src/engine/index.ts';
import { checkedNets, randomData } from './fixtures.ts';

const data = randomData(10, 20, 10, 3);

for (const { name, network, tensors } of checkedNets) {
  test(`fast = plain-loop reference within 1e-10, ${name} ${JSON.stringify(network.sizes)}`, async (t) => {
    const diffs = await compareWithReference({ network, lambda: 0.01, seed: 2 }, data);
    const L = network.sizes.length - 1;
    const activations = Array.from({ length: L }, (_, l) =>
      l < L - 1 ? [`s${l + 1}`, `h${l + 1}`] : [`s${l + 1}`],
    ).flat();
    assert.deepEqual(
      Object.keys(diffs),
      ['cost', ...activations, ...tensors.map((k) => `d${k}`)],
      'every quantity is compared',
    );
    const [worst, largest] = Object.entries(diffs).reduce((a, b) => (b[1] > a[1] ? b : a));
    t.diagnostic(
      `largest |fast − reference| ${largest.toExponential(2)} (${worst}); ${Object.entries(diffs)
        .map(([k, v]) => `${k} ${v.toExponential(1)}`)
        .join(', ')}`,
    );
    for (const [k, v] of Object.entries(diffs)) assert.ok(v <= 1e-10, `${k}: |fast − reference| = ${v}`);
  });
}

test('the comparison covers a larger batch too (100 samples, 3-layer BN)', async (t) => {
  const diffs = await compareWithReference(
    { network: checkedNets[4].network, lambda: 0.005, seed: 3 },
    randomData(100, 20, 10, 4),
  );
  const largest = Math.max(...Object.values(diffs));
  t.diagnostic(`largest |fast − reference| ${largest.toExponential(2)}`);
  assert.ok(largest <= 1e-10, `largest ${largest}`);
});
