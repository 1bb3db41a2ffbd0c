// bin/nnlab.js in a clone: it runs dist/, refuses a dist/ that is missing or older than a file of
// src/ (naming it and the fix), and in an installed package (no src/) runs dist/ as it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir } from '../data/fixtures.ts';

/** A copy of bin/nnlab.js with a dist/cli/main.js that says it ran, and a src/ file of the given age. */
function layout(): { root: string; run: () => ReturnType<typeof spawnSync> } {
  const root = tempDir('nnlab-bin-');
  mkdirSync(join(root, 'bin'));
  cpSync(join(repoRoot, 'bin', 'nnlab.js'), join(root, 'bin', 'nnlab.js'));
  writeFileSync(join(root, 'package.json'), '{ "type": "module" }\n');
  mkdirSync(join(root, 'dist', 'cli'), { recursive: true });
  writeFileSync(join(root, 'dist', 'cli', 'main.js'), "console.log('ran', process.argv.slice(2).join(' '));\n");
  mkdirSync(join(root, 'src', 'runner'), { recursive: true });
  writeFileSync(join(root, 'src', 'runner', 'run.ts'), '');
  return {
    root,
    run: () => spawnSync(process.execPath, [join(root, 'bin', 'nnlab.js'), 'run', 'x.yaml'], { encoding: 'utf8' }),
  };
}
const at = (file: string, seconds: number) => utimesSync(file, seconds, seconds);

test('a dist/ newer than every source runs, with the arguments', () => {
  const { root, run } = layout();
  at(join(root, 'src', 'runner', 'run.ts'), 1_700_000_000);
  at(join(root, 'dist', 'cli', 'main.js'), 1_700_000_100);
  const r = run();
  assert.equal(r.stderr, '');
  assert.equal(r.stdout, 'ran run x.yaml\n');
  assert.equal(r.status, 0);
});

test('a source newer than dist/ is refused, naming the file and the fix', () => {
  const { root, run } = layout();
  at(join(root, 'src', 'runner', 'run.ts'), 1_700_000_100);
  at(join(root, 'dist', 'cli', 'main.js'), 1_700_000_000);
  const r = run();
  assert.equal(r.stdout, '');
  assert.equal(
    r.stderr,
    `nnlab: dist/ is older than src/runner/run.ts; run \`npm run build:ts\` in ${root} (or \`npm run build\`, which also builds the engine)\n`,
  );
  assert.equal(r.status, 2);
});

test('a missing dist/ is refused', () => {
  const { root, run } = layout();
  rmSync(join(root, 'dist'), { recursive: true });
  const r = run();
  assert.equal(
    r.stderr,
    `nnlab: dist/cli/main.js is missing; run \`npm run build:ts\` in ${root} (or \`npm run build\`, which also builds the engine)\n`,
  );
  assert.equal(r.status, 2);
});

test('without src/ (an installed package) dist/ runs whatever its age', () => {
  const { root, run } = layout();
  rmSync(join(root, 'src'), { recursive: true });
  at(join(root, 'dist', 'cli', 'main.js'), 1_000_000_000);
  const r = run();
  assert.equal(r.stdout, 'ran run x.yaml\n');
  assert.equal(r.status, 0);
});
