// Every file in experiments/ validates; the schema itself is a valid JSON Schema 2020-12 whose
// every property documents itself; the TypeScript types generated from it are current.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { resolveExperiment } from '../../src/config/resolve.ts';
import { planTrials, trainingLength } from '../../src/config/expand.ts';
import { schema } from '../../src/config/schema.ts';

const files = readdirSync('experiments')
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => `experiments/${f}`);

test('the repository has the three assignments, their bonus parts and the quickstart', () => {
  for (const name of [
    'assignment1',
    'assignment1-bonus',
    'assignment2',
    'assignment2-bonus',
    'assignment3-bn',
    'quickstart',
  ])
    assert.ok(files.includes(`experiments/${name}.yaml`), name);
});

test("repeats where they change the conclusion: assignment 3's variants, the assignment-2 final, the bonus parts", () => {
  const plan = (name: string) =>
    planTrials(resolveExperiment(`experiments/${name}.yaml`), {
      engineVersion: 'test',
      dataFingerprint: 'test',
      bestOf: (ts) => ts.map((t) => ({ value: t.value, config: t.config, validationAccuracy: 0.5 })),
      lrBounds: () => ({ etaMin: 0.005, etaMax: 0.05 }),
    });
  const repeatsOf = (name: string) => {
    const out: Record<string, number> = {};
    for (const t of plan(name).trials)
      if (t.kind === 'train')
        out[t.role === 'variant' ? t.variant : t.role === 'search' ? `search/${t.stage}` : 'final'] = t.repeats;
    return out;
  };
  const a3 = repeatsOf('assignment3-bn');
  for (const v of [
    '3-layer-bn',
    '3-layer-no-bn',
    '9-layer-bn',
    '9-layer-no-bn',
    'sigma-1e-1-bn',
    'sigma-1e-1-no-bn',
    'sigma-1e-3-bn',
    'sigma-1e-3-no-bn',
    'sigma-1e-4-bn',
    'sigma-1e-4-no-bn',
  ])
    assert.equal(a3[v], 3, v);
  assert.deepEqual([a3['search/coarse'], a3['search/fine'], a3.final], [1, 1, 1]);
  const a2 = repeatsOf('assignment2');
  assert.deepEqual([a2['one-cycle'], a2['search/coarse'], a2.final], [1, 1, 3]);

  // Assignment 2, bonus: each improvement alone against the baseline, then combined; 3 seeds each.
  const a2b = resolveExperiment('experiments/assignment2-bonus.yaml');
  const ablation = a2b.variants.filter((v) => v.group === 'ablation');
  assert.deepEqual(
    ablation.map((v) => v.name),
    [
      'baseline',
      'hidden-100',
      'hidden-200',
      'dropout',
      'input-noise',
      'flip-translate',
      'momentum',
      'longer',
      'lr-range-bounds',
      'all-combined',
    ],
  );
  assert.ok(ablation.every((v) => v.repeats === 3));
  const b2 = plan('assignment2-bonus');
  const tuned = b2.trials
    .filter((t) => t.kind === 'train' && t.repeat === 1 && t.config.schedule.from !== undefined)
    .map((t) => t.id);
  assert.deepEqual(tuned, ['variant/lr-range-bounds', 'variant/all-combined', 'variant/wide-flip']);
  assert.deepEqual(b2.pending, []);

  // Assignment 1, bonus: the four settings with both losses, the improvements alone and together.
  const a1b = resolveExperiment('experiments/assignment1-bonus.yaml');
  assert.equal(a1b.variants.length, 18);
  assert.deepEqual([...new Set(a1b.variants.map((v) => v.config.model.loss))], ['cross_entropy', 'svm']);
  assert.ok(a1b.variants.every((v) => v.repeats === 3 && v.config.model.hidden.length === 0));
  assert.equal(a1b.report.weights, true);
});

for (const file of files) {
  test(`${file} validates and names the schema for editors`, () => {
    const text = readFileSync(file, 'utf8');
    assert.match(text.split('\n')[0], /^# yaml-language-server: \$schema=\.\.\/schemas\/experiment\.schema\.json$/);
    const exp = resolveExperiment(file);
    assert.equal(`experiments/${exp.name}.yaml`, file, 'the experiment name matches its file name');
    const plan = planTrials(exp, { engineVersion: 'test', dataFingerprint: 'test' });
    assert.ok(plan.trials.length > 0);
    assert.equal(new Set(plan.trials.map((t) => t.id)).size, plan.trials.length, 'trial ids are unique');
  });
}

test('the schema compiles under ajv strict mode and every property has a description', () => {
  const missing: string[] = [];
  const walk = (s: unknown, path: string) => {
    if (!s || typeof s !== 'object') return;
    const o = s as Record<string, unknown>;
    if (o.properties) {
      for (const [k, v] of Object.entries(o.properties as Record<string, Record<string, unknown>>)) {
        if (!v.description && !v.$ref) missing.push(`${path}.${k}`);
        walk(v, `${path}.${k}`);
      }
    }
    for (const key of ['items', 'additionalProperties']) if (typeof o[key] === 'object') walk(o[key], `${path}[]`);
    if (o.$defs) for (const [k, v] of Object.entries(o.$defs as object)) walk(v, `$defs.${k}`);
  };
  walk(schema, '');
  assert.deepEqual(missing, []);
});

test('src/config/experiment-types.ts is generated from the current schema', () => {
  execFileSync(process.execPath, ['scripts/gen-types.js', '--check'], { stdio: 'pipe' });
});

test('assignment 3 derives n_s = 5·45000/100 and two cycles of 9000 steps', () => {
  const exp = resolveExperiment('experiments/assignment3-bn.yaml');
  const len = trainingLength(exp.base);
  assert.deepEqual(
    { n: len.n, stepSize: len.stepSize, totalSteps: len.totalSteps, recordEvery: len.recordEvery },
    { n: 45000, stepSize: 2250, totalSteps: 9000, recordEvery: 450 },
  );
  assert.deepEqual(
    exp.variants.map((v) => v.name),
    [
      '3-layer-bn',
      '3-layer-no-bn',
      '9-layer-bn',
      '9-layer-no-bn',
      'sigma-1e-1-bn',
      'sigma-1e-1-no-bn',
      'sigma-1e-3-bn',
      'sigma-1e-3-no-bn',
      'sigma-1e-4-bn',
      'sigma-1e-4-no-bn',
    ],
  );
  const nine = exp.variants.find((v) => v.name === '9-layer-no-bn')!.config;
  assert.deepEqual(nine.model.hidden, [50, 30, 20, 20, 10, 10, 10, 10]);
  assert.equal(nine.model.batch_norm, false);
});

test('assignment 2 coarse search: n_s = 2·⌊45000/100⌋ on all five batches, λ log-uniform in [1e-5, 1e-1]', () => {
  const exp = resolveExperiment('experiments/assignment2.yaml');
  const plan = planTrials(exp, { engineVersion: 'test', dataFingerprint: 'test' });
  const coarse = plan.trials.filter((t) => t.kind === 'train' && t.stage === 'coarse');
  assert.equal(coarse.length, 12);
  for (const t of coarse) {
    assert.ok(t.kind === 'train');
    const len = trainingLength(t.config);
    assert.deepEqual([len.n, len.stepSize, len.totalSteps], [45000, 900, 3600]);
    const lambda = t.value as number;
    assert.ok(lambda >= 1e-5 && lambda <= 1e-1, `λ = ${lambda}`);
    assert.equal(t.config.training.lambda, lambda);
  }
  assert.deepEqual(
    plan.pending.map((p) => p.id),
    ['search/fine', 'final'],
  );
  const lr = exp.variants.find((v) => v.name === 'lr-range-test')!.config;
  assert.equal(lr.schedule.kind, 'lr_range');
  assert.equal(lr.training.epochs, 8);
  assert.equal(lr.training.cycles, undefined, 'epochs replaces the inherited cycles');
  assert.equal(lr.record.per_cycle, undefined, 'per_epoch replaces the inherited per_cycle');
});
