// Runs every test/**/*.test.ts with node's built-in runner (Node 20's --test does not expand globs),
// after compiling src/ to dist/: the tests that start `bin/nnlab.js` then run the current sources.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...collect(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const build = spawnSync('npm', ['run', '--silent', 'build:ts'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const filter = process.argv.slice(2);
let files = collect('test');
if (filter.length) files = files.filter((f) => filter.some((s) => f.includes(s)));
// The whole suite (CI's `npm test`) starts with the type check and linters; a filtered run skips them.
const lint = filter.length ? null : spawnSync('bash', ['scripts/lint.sh'], { stdio: 'inherit' });
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
  stdio: 'inherit',
});
if (lint && lint.status !== 0) {
  console.error(
    'npm test: FAILED: npm run lint found problems (listed before the tests); fix them or run npm run format',
  );
  process.exit(1);
}
process.exit(r.status ?? 1);
