// The one config walker (src/config/walk.ts): differences between two configs (whole lists, or list
// items matched by name or position), leaves of one config, the value at a dotted path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configDifferences, leafSettings, showPath, valueAt } from '../../src/config/walk.ts';

const base = { model: { hidden: [50], batch_norm: false }, training: { lambda: 0.01, batch_size: 100 }, seed: 1 };

test('differences: changed leaves as dotted paths in byte order, equal subtrees skipped, lists compared whole', () => {
  const other = { seed: 1, training: { batch_size: 100, lambda: 0.1 }, model: { batch_norm: true, hidden: [50, 50] } };
  const d = configDifferences(base, other);
  assert.deepEqual(
    d.map((x) => [x.path, x.a?.value, x.b?.value]),
    [
      ['model.batch_norm', false, true],
      ['model.hidden', [50], [50, 50]],
      ['training.lambda', 0.01, 0.1],
    ],
  );
  assert.deepEqual(d[1].a?.at, ['model', 'hidden']);
  assert.deepEqual(configDifferences(base, structuredClone(base)), []);
});

test('differences: a key on one side only is added or removed whole; undefined counts as absent, null as a value', () => {
  const d = configDifferences({ a: 1, gone: { x: 1 }, u: undefined }, { a: 1, added: { y: [2] }, n: null });
  assert.deepEqual(
    d.map((x) => [x.path, 'a' in x, 'b' in x, x.a?.value ?? x.b?.value]),
    [
      ['added', false, true, { y: [2] }],
      ['gone', true, false, { x: 1 }],
      ['n', false, true, null],
    ],
  );
});

test('differences with listItems: named items matched by name (each side at its own index), others by position', () => {
  const a = {
    searches: [
      { name: 'coarse', trials: 8 },
      { name: 'fine', trials: 8 },
    ],
    variants: [{ set: { x: 1 } }],
  };
  const b = {
    searches: [
      { name: 'fine', trials: 4 },
      { name: 'coarse', trials: 8 },
      { name: 'extra', trials: 2 },
    ],
    variants: [{ set: { x: 2 } }, { set: {} }],
  };
  const d = configDifferences(a, b, { listItems: true });
  assert.deepEqual(
    d.map((x) => [x.path, x.a?.at, x.b?.at]),
    [
      ['searches[fine].trials', ['searches', 1, 'trials'], ['searches', 0, 'trials']],
      ['searches[extra]', undefined, ['searches', 2]],
      ['variants[0].set.x', ['variants', 0, 'set', 'x'], ['variants', 0, 'set', 'x']],
      ['variants[1]', undefined, ['variants', 1]],
    ],
  );
  // Without listItems the same lists are two settings.
  assert.deepEqual(
    configDifferences(a, b).map((x) => x.path),
    ['searches', 'variants'],
  );
  // Names that repeat cannot identify items: matched by position.
  const dup = configDifferences(
    {
      l: [
        { name: 'x', v: 1 },
        { name: 'x', v: 2 },
      ],
    },
    {
      l: [
        { name: 'x', v: 1 },
        { name: 'x', v: 3 },
      ],
    },
    { listItems: true },
  );
  assert.deepEqual(
    dup.map((x) => x.path),
    ['l[1].v'],
  );
});

test("leafSettings: every leaf in the config's own key order, lists as one setting", () => {
  assert.deepEqual(
    [...leafSettings({ z: 1, model: { hidden: [50, 50], init: 'he' }, a: { b: { c: null } } })],
    [
      ['z', 1],
      ['model.hidden', [50, 50]],
      ['model.init', 'he'],
      ['a.b.c', null],
    ],
  );
});

test('valueAt and showPath', () => {
  assert.deepEqual(valueAt(base, 'model.hidden'), [50]);
  assert.equal(valueAt(base, 'seed'), 1);
  assert.equal(valueAt(base, 'model.nothing.deeper'), undefined);
  assert.equal(valueAt(base, 'seed.x'), undefined);
  assert.equal(showPath(['searches', '[coarse]', 'range']), 'searches[coarse].range');
  assert.equal(showPath(['variants', 2, 'set']), 'variants[2].set');
});
