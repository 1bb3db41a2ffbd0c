// Analytic gradients (network.h, float64) against centred differences (reference.cpp's forward in
// long double, h = 1e-5), tensor by tensor, for the networks of the three assignments; and a check
// that the figures measure something: their error is the centred difference's O(h²) truncation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gradientCheck, type GradCheckRow, type NetworkSpec } from '../../src/engine/index.ts';
import { checkedNets, randomData, tensorSize } from './fixtures.ts';

// 10 samples × 20 dimensions, 10 classes: the assignments' gradient-check setting.
const data = randomData(10, 20, 10, 3);
const lambda = 0.01;
const show = (r: GradCheckRow) =>
  `${r.tensor.padEnd(7)} max rel ${r.maxRel.toExponential(2)}  mean rel ${r.meanRel.toExponential(2)}  max abs ${r.maxAbs.toExponential(2)}  kinks skipped ${r.kinks}/${r.count}`;

for (const { name, network, tensors } of checkedNets) {
  test(`gradient check, ${name} ${JSON.stringify(network.sizes)}: every tensor's max relative error ≤ 1e-6`, async (t) => {
    const rows = await gradientCheck({ network, lambda, seed: 1 }, data);
    for (const r of rows) t.diagnostic(show(r));
    assert.deepEqual(
      rows.map((r) => r.tensor),
      tensors,
      'W, b per layer; γ, β and no b on a batch-normalized hidden layer',
    );
    for (const r of rows) {
      assert.equal(r.count, tensorSize(network.sizes, r.tensor), `${r.tensor}: every entry is visited`);
      assert.ok(r.maxRel <= 1e-6, `${r.tensor}: max relative error ${r.maxRel}`);
      assert.ok(r.meanRel <= r.maxRel && Number.isFinite(r.maxAbs));
      // Entries skipped for a kink within ±h must stay rare, or the check would prove little.
      assert.ok(r.kinks! <= r.count! / 100, `${r.tensor}: ${r.kinks} of ${r.count} entries skipped`);
    }
  });
}

const rowsAt = async (network: NetworkSpec, h: number) =>
  Object.fromEntries((await gradientCheck({ network, lambda, seed: 1, h }, data)).map((r) => [r.tensor, r]));

test('the check is not vacuous: its error is the centred difference’s truncation error, ∝ h², over a correct analytic gradient', async (t) => {
  // (f(θ+h) − f(θ−h))/2h = f′(θ) + h²·f‴(θ)/6 + …: from h = 1e-3 to h = 1e-2 the reported error
  // grows a hundredfold, which it can only do if the analytic side is independent of the numerical
  // one and right to well below the truncation error (a wrong gradient would leave a floor).
  // Tensors where no ReLU switches within ±h at either step, so both compare the same entries.
  const cases: [string, NetworkSpec, string[]][] = [
    ['1-layer', checkedNets[0].network, ['W1', 'b1']],
    ['3-layer BN', checkedNets[4].network, ['W3', 'b3']],
  ];
  for (const [name, network, tensors] of cases) {
    const [coarse, coarser] = [await rowsAt(network, 1e-3), await rowsAt(network, 1e-2)];
    for (const k of tensors) {
      const ratio = coarser[k].maxAbs / coarse[k].maxAbs;
      t.diagnostic(
        `${name} ${k}: max abs error ${coarse[k].maxAbs.toExponential(2)} at h = 1e-3, ${coarser[k].maxAbs.toExponential(2)} at h = 1e-2 (× ${ratio.toFixed(1)})`,
      );
      assert.equal(coarse[k].kinks, 0);
      assert.equal(coarser[k].kinks, 0);
      assert.ok(ratio > 50 && ratio < 200, `${name} ${k}: error ratio ${ratio}, expected about 100`);
    }
  }
  // And at h = 1e-3 the 1e-6 bound the tests above apply is already broken: it is not loose.
  assert.ok((await rowsAt(checkedNets[4].network, 1e-3)).W2.maxRel > 1e-6);
});

test('a ReLU kink within ±h is found and counted, not compared; a network without ReLUs has none', async () => {
  const wide = await gradientCheck({ network: checkedNets[4].network, lambda, seed: 1, h: 0.1 }, data);
  assert.ok(wide.reduce((n, r) => n + r.kinks!, 0) > 100, 'with h = 0.1 many steps straddle some ReLU');
  const linear = await gradientCheck({ network: checkedNets[0].network, lambda, seed: 1, h: 0.1 }, data);
  assert.deepEqual(
    linear.map((r) => r.kinks),
    [0, 0],
  );
});
