// Repeats and the LR range hand-over in planning: seeds derived from the experiment's seed, one
// trial per repeat with its own hash, values ranked by their mean, mean ± sd and the mean curve
// computed right, `schedule.from` pending until the test is stored and then written into the
// resolved config, and the rules' exact messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveExperiment } from '../../src/config/resolve.ts';
import { planTrials, type PlanContext, type TrainTrial } from '../../src/config/expand.ts';
import { repeatSeed } from '../../src/config/repeats.ts';
import { FROM_RULES } from '../../src/config/rules/index.ts';
import { ConfigErrors } from '../../src/errors.ts';
import { bestOfStage } from '../../src/store/rank.ts';
import { meanCurve, spread } from '../../src/runner/repeat-stats.ts';
import { chooseLrBounds, lrBoundsOf } from '../../src/runner/lr-range.ts';
import type { RunStore } from '../../src/store/store.ts';
import type { CurvePoint } from '../../src/engine/index.ts';

const BASE = `name: rep
seed: 7
repeats: 2
dataset: { source: mnist, train: [train], validation: { holdout: 100 }, test: [test] }
model: { hidden: [16] }
training: { batch_size: 20, lambda: 0.001, cycles: 1 }
schedule: { kind: cyclic, eta_min: 1.0e-4, eta_max: 1.0e-1, step_size: 60 }
`;

function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'nnlab-repeats-'));
  const f = join(dir, 'rep.yaml');
  writeFileSync(f, text);
  return f;
}

const ctx: PlanContext = { engineVersion: 'e', dataFingerprint: 'd' };
const train = (ts: unknown[]) => ts.filter((t): t is TrainTrial => (t as TrainTrial).kind === 'train');

test('repeat seeds: repeat 1 is the seed, repeat k the first 32 bits of sha256("seed:repeat:k"), the same for every setting', () => {
  assert.equal(repeatSeed(7, 1), 7);
  const expected = (k: number) => parseInt(createHash('sha256').update(`7:repeat:${k}`).digest('hex').slice(0, 8), 16);
  assert.equal(repeatSeed(7, 2), expected(2));
  assert.equal(repeatSeed(7, 3), expected(3));
  assert.notEqual(repeatSeed(7, 2), repeatSeed(8, 2));
  assert.ok(repeatSeed(7, 2) <= 0xffffffff && repeatSeed(7, 2) >= 0);

  const exp = resolveExperiment(
    file(BASE + `variants:\n  - { name: a, set: {} }\n  - { name: b, repeats: 3, set: { model.hidden: [8] } }\n`),
  );
  const plan = planTrials(exp, ctx);
  const t = train(plan.trials);
  assert.deepEqual(
    t.map((x) => x.id),
    ['variant/a', 'variant/a/r2', 'variant/b', 'variant/b/r2', 'variant/b/r3'],
  );
  assert.deepEqual(
    t.map((x) => x.config.seed),
    [7, expected(2), 7, expected(2), expected(3)],
  );
  assert.deepEqual(
    t.map((x) => [x.repeat, x.repeats]),
    [
      [1, 2],
      [2, 2],
      [1, 3],
      [2, 3],
      [3, 3],
    ],
  );
  assert.equal(new Set(t.map((x) => x.hash)).size, 5, 'every repeat is its own trial');
  // Repeat 1 is the trial the file had before it asked for repeats: its hash is unchanged.
  const single = planTrials(
    resolveExperiment(file(BASE.replace('repeats: 2\n', '') + `variants:\n  - { name: a, set: {} }\n`)),
    ctx,
  );
  assert.equal(single.trials[0].hash, t[0].hash);
  // Planning twice gives the same trials: the seeds are derived, not drawn.
  assert.deepEqual(
    planTrials(exp, ctx).trials.map((x) => x.hash),
    plan.trials.map((x) => x.hash),
  );
});

test('search stages and the final repeat too; the final retrains the value with the best mean', () => {
  const exp = resolveExperiment(
    file(
      BASE.replace('repeats: 2\n', '') +
        `searches:\n  - { name: coarse, kind: grid, param: training.lambda, distribution: log_uniform, range: [1.0e-3, 1.0e-1], trials: 3, repeats: 2 }\nfinal: { from: coarse, repeats: 3 }\n`,
    ),
  );
  const plan0 = planTrials(exp, ctx);
  const search = train(plan0.trials).filter((t) => t.role === 'search');
  assert.deepEqual(
    search.map((t) => t.id),
    [
      'search/coarse/01',
      'search/coarse/01/r2',
      'search/coarse/02',
      'search/coarse/02/r2',
      'search/coarse/03',
      'search/coarse/03/r2',
    ],
  );
  assert.deepEqual(
    plan0.pending.map((p) => p.id),
    ['final'],
  );

  // Value 1 has the single best trial (0.60) but value 2 the best mean (0.55 against 0.50).
  const acc: Record<string, number> = {
    'search/coarse/01': 0.6,
    'search/coarse/01/r2': 0.4,
    'search/coarse/02': 0.56,
    'search/coarse/02/r2': 0.54,
    'search/coarse/03': 0.3,
    'search/coarse/03/r2': 0.31,
  };
  const byHash = new Map(search.map((t) => [t.hash, acc[t.id]]));
  const store = {
    has: (t: { hash: string }) => byHash.has(t.hash),
    failed: () => false,
    read: (t: { hash: string }) =>
      byHash.has(t.hash)
        ? { result: { kind: 'train', status: 'ok', final: { validation: { accuracy: byHash.get(t.hash)! } } } }
        : null,
  } as unknown as RunStore;
  const best = bestOfStage(store)(search)!;
  assert.deepEqual(
    best.map((b) => b.value),
    [search[2].value, search[0].value, search[4].value],
  );
  assert.ok(Math.abs(best[0].validationAccuracy - 0.55) < 1e-12);
  assert.equal(best[0].config.seed, 7, 'the value is retrained from its first repeat, the experiment seed');

  const plan = planTrials(exp, { ...ctx, bestOf: bestOfStage(store) });
  const finals = train(plan.trials).filter((t) => t.role === 'final');
  assert.deepEqual(
    finals.map((t) => t.id),
    ['final', 'final/r2', 'final/r3'],
  );
  assert.deepEqual(
    finals.map((t) => t.config.seed),
    [7, repeatSeed(7, 2), repeatSeed(7, 3)],
  );
  assert.ok(finals.every((t) => t.value === search[2].value && t.config.training.lambda === search[2].value));
});

test('mean, sample sd and n; the mean curve (tests of two means: test/stats/)', () => {
  const three = spread([0.5, 0.52, 0.54])!;
  assert.equal(three.n, 3);
  assert.ok(Math.abs(three.mean - 0.52) < 1e-15 && Math.abs(three.sd - 0.02) < 1e-15, JSON.stringify(three));
  const s = spread([0.1, 0.2, 0.3, 0.6, undefined, NaN])!;
  assert.equal(s.n, 4);
  assert.ok(Math.abs(s.mean - 0.3) < 1e-15);
  // Σ(x − 0.3)² = 0.04 + 0.01 + 0 + 0.09 = 0.14; / (n − 1) = 0.14 / 3.
  assert.ok(Math.abs(s.sd - Math.sqrt(0.14 / 3)) < 1e-15, `sd ${s.sd}`);
  assert.deepEqual(spread([0.4]), { mean: 0.4, sd: 0, n: 1 });
  assert.equal(spread([]), null);

  const pt = (step: number, acc: number, loss: number): CurvePoint => ({
    step,
    epoch: step / 10,
    eta: 0.01,
    train: { cost: loss + 1, loss, accuracy: acc },
    validation: { cost: loss + 2, loss: loss + 1, accuracy: acc - 0.1 },
  });
  const m = meanCurve([
    [pt(0, 0.1, 2), pt(10, 0.3, 1)],
    [pt(0, 0.2, 3), pt(10, 0.5, 2), pt(20, 0.9, 0)],
  ]);
  assert.equal(m.length, 2, 'over the points every run reached');
  assert.ok(Math.abs(m[1].train.accuracy - 0.4) < 1e-15 && m[1].train.loss === 1.5 && m[1].validation!.loss === 2.5);
});

const rangeTest = `variants:
  - name: range
    repeats: 1
    set: { schedule: { kind: lr_range, eta_min: 1.0e-4, eta_max: 0.5 }, training.epochs: 2 }
  - { name: tuned, set: { schedule.from: range } }
`;

test('schedule.from: trials wait for the LR range test, then train with its bounds, recorded in their config', () => {
  const exp = resolveExperiment(
    file(
      BASE +
        rangeTest +
        `searches:\n  - { name: s, variant: tuned, kind: grid, param: training.lambda, distribution: log_uniform, range: [1.0e-3, 1.0e-1], trials: 2, repeats: 1 }\n`,
    ),
  );
  const before = planTrials(exp, ctx);
  assert.deepEqual(
    before.trials.map((t) => t.id),
    ['variant/range'],
  );
  assert.deepEqual(before.pending, [
    { id: 'variant/tuned', reason: 'η_min and η_max chosen by the LR range test "range"' },
    { id: 'search/s', reason: 'η_min and η_max chosen by the LR range test "range"' },
  ]);
  const rangeTrial = before.trials[0] as TrainTrial;
  assert.equal(rangeTrial.config.schedule.from, undefined, 'the test itself ignores from');

  // Accuracy rising from 0.1 to a peak of 0.5 at η = 0.03, then falling.
  const etas = [1e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1];
  const accs = [0.1, 0.1, 0.2, 0.4, 0.5, 0.3, 0.1];
  const curve: CurvePoint[] = etas.map((eta, i) => ({
    step: i * 10,
    epoch: i,
    eta,
    train: { cost: 1, loss: 1, accuracy: accs[i] },
    validation: { cost: 1, loss: 1, accuracy: accs[i] },
  }));
  const chosen = chooseLrBounds(curve)!;
  const lrBounds = lrBoundsOf((h) => (h === rangeTrial.hash ? curve : null));
  const after = planTrials(exp, { ...ctx, lrBounds });
  assert.deepEqual(after.pending, []);
  const tuned = train(after.trials).filter((t) => t.id !== 'variant/range');
  assert.deepEqual(
    tuned.map((t) => t.id),
    ['variant/tuned', 'variant/tuned/r2', 'search/s/01', 'search/s/02'],
  );
  for (const t of tuned) {
    assert.equal(t.config.schedule.from, 'range');
    assert.equal(t.config.schedule.eta_min, Number(chosen.etaMin.toPrecision(2)));
    assert.equal(t.config.schedule.eta_max, Number(chosen.etaMax.toPrecision(2)));
  }
  assert.equal(tuned[0].config.schedule.eta_max, 0.03);
  // Other bounds from the test: other hashes (the trials retrain).
  const other = planTrials(exp, { ...ctx, lrBounds: () => ({ etaMin: 0.002, etaMax: 0.05 }) });
  assert.notEqual(train(other.trials)[1].hash, tuned[0].hash);
});

test('schedule.from must name an LR range test of a cyclic schedule: exact messages', () => {
  const errors = (text: string) => {
    try {
      resolveExperiment(file(text));
    } catch (err) {
      assert.ok(err instanceof ConfigErrors);
      return (err as ConfigErrors).errors.map((e) => e.detail);
    }
    assert.fail('no error');
  };
  assert.deepEqual(
    errors(
      BASE +
        `variants:\n  - { name: range, set: { schedule.kind: lr_range, training.epochs: 1 } }\n  - { name: t, set: { schedule.from: rnage } }\n`,
    ),
    ['variant "t": schedule.from "rnage" is not a variant; did you mean "range"?'],
  );
  assert.deepEqual(
    errors(BASE + `variants:\n  - { name: plain, set: {} }\n  - { name: t, set: { schedule.from: plain } }\n`),
    [
      'variant "t": schedule.from "plain" must name an LR range test (a variant with schedule.kind: lr_range); "plain" has schedule.kind cyclic',
    ],
  );
  assert.deepEqual(
    errors(
      BASE.replace('cycles: 1', 'epochs: 1') +
        `variants:\n  - { name: range, set: { schedule.kind: lr_range } }\n  - { name: t, set: { schedule: { from: range, kind: constant } } }\n`,
    ),
    [
      'variant "t": schedule.from takes eta_min and eta_max from an LR range test, so it needs schedule.kind cyclic; got schedule.kind constant',
    ],
  );
  const fromIsVariant = FROM_RULES.find((r) => r.name === 'from-is-variant')!.message as (
    name: string,
    names: string[],
  ) => string;
  assert.equal(fromIsVariant('x', []), 'schedule.from "x" is not a variant');
  assert.deepEqual(errors(BASE.replace('repeats: 2', 'repeats: 0')), ['repeats must be ≥ 1; got 0']);
});
