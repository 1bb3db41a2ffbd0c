// Analytic gradients against centred differences (float64, h = 1e-5), tensor by tensor, and the
// fast BLAS forward/backward against the plain-loop reference (native/reference.cpp).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareWithReference, gradientCheck, type NetworkSpec } from '../../src/engine/index.ts';
import { randomData } from './fixtures.ts';

const data = randomData(10, 20, 10, 3);
const nets: { name: string; network: NetworkSpec; tensors: string[] }[] = [
  { name: '2-layer', network: { sizes: [20, 50, 10], batchNorm: false, init: { kind: 'he' } }, tensors: ['W1', 'b1', 'W2', 'b2'] },
  { name: '3-layer', network: { sizes: [20, 50, 50, 10], batchNorm: false, init: { kind: 'he' } }, tensors: ['W1', 'b1', 'W2', 'b2', 'W3', 'b3'] },
  { name: '3-layer BN', network: { sizes: [20, 50, 50, 10], batchNorm: true, init: { kind: 'he' } }, tensors: ['W1', 'gamma1', 'beta1', 'W2', 'gamma2', 'beta2', 'W3', 'b3'] },
  {
    name: '4-layer BN',
    network: { sizes: [20, 50, 30, 20, 10], batchNorm: true, init: { kind: 'he' } },
    tensors: ['W1', 'gamma1', 'beta1', 'W2', 'gamma2', 'beta2', 'W3', 'gamma3', 'beta3', 'W4', 'b4'],
  },
  { name: '3-layer BN, SVM loss', network: { sizes: [20, 50, 50, 10], batchNorm: true, init: { kind: 'he' }, loss: 'svm' }, tensors: ['W1', 'gamma1', 'beta1', 'W2', 'gamma2', 'beta2', 'W3', 'b3'] },
];

for (const { name, network, tensors } of nets) {
  test(`gradient check, ${name}: every tensor's max relative error ≤ 1e-6`, async (t) => {
    const rows = await gradientCheck({ network, lambda: 0.01, seed: 1 }, data);
    for (const r of rows) t.diagnostic(`${r.tensor.padEnd(7)} max rel ${r.maxRel.toExponential(2)}  mean rel ${r.meanRel.toExponential(2)}  max abs ${r.maxAbs.toExponential(2)}  kinks skipped ${r.kinks}/${r.count}`);
    assert.deepEqual(rows.map((r) => r.tensor), tensors);
    for (const r of rows) {
      assert.ok(r.maxRel <= 1e-6, `${r.tensor}: max relative error ${r.maxRel}`);
      // Entries skipped for a kink within ±h must stay rare, or the check would prove little.
      assert.ok(r.kinks! <= r.count! / 100, `${r.tensor}: ${r.kinks} of ${r.count} entries skipped`);
    }
  });
}

test('the check measures: at h = 1e-3 truncation error shows, and a kink within ±h is found, not compared', async () => {
  const network = nets[2].network;
  const fine = await gradientCheck({ network, lambda: 0.01, seed: 1 }, data);
  const coarse = await gradientCheck({ network, lambda: 0.01, seed: 1, h: 1e-3 }, data);
  const W2 = (rows: typeof fine) => rows.find((r) => r.tensor === 'W2')!;
  assert.ok(W2(coarse).maxAbs > 100 * W2(fine).maxAbs, `W2 max abs error: h = 1e-3 ${W2(coarse).maxAbs}, h = 1e-5 ${W2(fine).maxAbs}`);
  // With h = 0.1 most steps straddle some ReLU's kink; they are counted instead of compared.
  const wide = await gradientCheck({ network, lambda: 0.01, seed: 1, h: 0.1 }, data);
  assert.ok(wide.reduce((n, r) => n + r.kinks!, 0) > 100);
});

for (const { name, network } of nets) {
  test(`fast forward/backward = plain-loop reference within 1e-10 (float64), ${name}`, async (t) => {
    const diffs = await compareWithReference({ network, lambda: 0.01, seed: 2 }, data);
    const worst = Object.entries(diffs).sort((a, b) => b[1] - a[1])[0];
    t.diagnostic(`largest |fast − reference|: ${worst[1].toExponential(2)} (${worst[0]}); ${Object.keys(diffs).length} quantities compared`);
    assert.ok(Object.keys(diffs).includes('cost') && Object.keys(diffs).some((k) => k.startsWith('dW')));
    for (const [k, v] of Object.entries(diffs)) assert.ok(v <= 1e-10, `${k}: ${v}`);
  });
}
