// What --only brings in (src/config/select.ts), on the committed experiments: the final its stages,
// a stage the stage it is drawn from, a variant the LR range test it takes its η bounds from, and
// nothing for a selection that needs nothing; a name the file does not define is a usage error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { resolveExperiment } from '../../src/config/resolve.ts';
import { broughtLine, selectOnly } from '../../src/config/select.ts';
import { repoRoot } from '../data/fixtures.ts';

const experiment = (name: string) => resolveExperiment(join(repoRoot, 'experiments', `${name}.yaml`));

test('--only final of assignment2 brings fine, then coarse; --only coarse brings nothing', () => {
  const exp = experiment('assignment2');
  const final = selectOnly(exp, ['final']);
  assert.deepEqual(final.brought.map(broughtLine), [
    'also runs fine: final retrains its best trial',
    'also runs coarse: fine takes its range from its best 3 trials',
  ]);
  assert.deepEqual([...final.names].sort(), ['coarse', 'final', 'fine']);
  assert.ok(final.hasPending({ id: 'search/fine' }) && final.hasPending({ id: 'final' }));
  assert.ok(!final.hasPending({ id: 'variant/lr-range-test' }));
  assert.deepEqual(selectOnly(exp, ['coarse']).brought, []);
});

test('--only of assignment2-bonus: each variant with schedule.from brings its own range test, once', () => {
  const exp = experiment('assignment2-bonus');
  const s = selectOnly(exp, ['lr-range-bounds', 'all-combined', 'wide-flip', 'lr-range-test']);
  // lr-range-test was asked for: it is not "also" run.
  assert.deepEqual(s.brought.map(broughtLine), ['also runs lr-range-test-wide: wide-flip takes its η bounds from it']);
  // Without --only every name runs and nothing is brought in.
  const all = selectOnly(exp, undefined);
  assert.deepEqual(all.brought, []);
  assert.equal(all.names.size, exp.variants.length);
});

test('--only with a name the file does not define: a usage error with a suggestion', () => {
  const exp = experiment('assignment2-bonus');
  assert.throws(() => selectOnly(exp, ['wide-flop']), {
    name: 'UsageError',
    message: `run: --only wide-flop: ${exp.file} has no variant or stage of that name; did you mean "wide-flip"? (its names: ${exp.variants.map((v) => v.name).join(', ')})`,
  });
});
