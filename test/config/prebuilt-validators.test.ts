// The validators `npm run build:ts` compiles to code (dist/config/validators.cjs, what an installed
// nnlab uses) against those compiled at run time from src/: the same verdict, errors and defaults
// on every committed experiment and on broken variants of one. `npm test` builds dist/ first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { ValidateFunction } from 'ajv';
import { checkExperiment, fillDefaults, SCHEMA_SHA256 } from '../../src/config/schema.ts';
import { repoRoot } from '../data/fixtures.ts';

const built = createRequire(import.meta.url)(join(repoRoot, 'dist', 'config', 'validators.cjs')) as {
  schemaSha256: string;
  checkExperiment: ValidateFunction;
  fillDefaults: ValidateFunction;
};

const docs: [string, unknown][] = readdirSync(join(repoRoot, 'experiments'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => [f, parse(readFileSync(join(repoRoot, 'experiments', f), 'utf8'))]);
const base = docs.find(([f]) => f === 'quickstart.yaml')![1] as Record<string, Record<string, unknown>>;
const broken: [string, unknown][] = [
  ['an unknown key', { ...base, modle: {} }],
  ['a wrong type', { ...base, training: { ...base.training, batch_size: 'ten' } }],
  ['a number out of range', { ...base, training: { ...base.training, lambda: -1 } }],
  ['a missing required key', { ...base, name: undefined }],
  ['not an object', 42],
];

test('the build compiled its validators from the schema in schemas/', () => {
  assert.equal(built.schemaSha256, SCHEMA_SHA256);
});

for (const [name, doc] of [...docs, ...broken]) {
  test(`prebuilt and run-time validators agree on ${name}`, () => {
    const clean = JSON.parse(JSON.stringify(doc ?? null));
    const valid = checkExperiment(structuredClone(clean));
    assert.equal(valid, name.endsWith('.yaml'), 'committed experiments pass, broken ones fail');
    assert.equal(built.checkExperiment(structuredClone(clean)), valid);
    assert.deepEqual(built.checkExperiment.errors ?? null, checkExperiment.errors ?? null);
    const [a, b] = [structuredClone(clean), structuredClone(clean)];
    assert.equal(built.fillDefaults(a), fillDefaults(b));
    assert.deepEqual(a, b);
  });
}
