// Runs every test/**/*.test.ts with node's built-in runner (Node 20's --test does not expand globs),
// after compiling src/ to dist/: the tests that start `bin/nnlab.js` then run the current sources.
// The engine and doctor tests then run a second time in the other OpenBLAS environment (see below),
// and the summary gives both passes; the exit status fails if either does.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

// Hosts of our kind with an AMD EPYC set OPENBLAS_CORETYPE=Haswell and OPENBLAS_L2_SIZE=512 for every
// process, and the others set neither: OpenBLAS then runs other kernels, and nnlab chooses (or not)
// accordingly. The tests that load the engine or ask doctor about it run again in the environment
// this machine does not have, so CI on either kind catches what the other would.
const AMD_ENV = { OPENBLAS_CORETYPE: 'Haswell', OPENBLAS_L2_SIZE: '512' };
const SECOND_PASS = (f) => f.startsWith(join('test', 'engine') + '/') || f === join('test', 'cli', 'doctor.test.ts');
const isAmdEnv = Object.entries(AMD_ENV).every(([k, v]) => process.env[k] === v);
const describeEnv = (env) =>
  Object.keys(AMD_ENV)
    .map((k) => (env[k] === undefined ? `${k} unset` : `${k}=${env[k]}`))
    .join(', ');
const secondEnv = { ...process.env };
for (const [k, v] of Object.entries(AMD_ENV)) {
  if (isAmdEnv) delete secondEnv[k];
  else secondEnv[k] = v;
}

const build = spawnSync('npm', ['run', '--silent', 'build:ts'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const filter = process.argv.slice(2);
let files = collect('test');
if (filter.length) files = files.filter((f) => filter.some((s) => f.includes(s)));
// The whole suite (CI's `npm test`) starts with the type check and linters; a filtered run skips them.
const lint = filter.length ? null : spawnSync('bash', ['scripts/lint.sh'], { stdio: 'inherit' });

// Each pass reports to the terminal as node would by itself (spec on a terminal, TAP otherwise) and
// in TAP to a file, whose closing counts make the summary.
const tapDir = mkdtempSync(join(tmpdir(), 'nnlab-test-'));
function pass(name, list, env) {
  const tap = join(tapDir, `${name}.tap`);
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--test',
      '--test-concurrency=1',
      `--test-reporter=${process.stdout.isTTY ? 'spec' : 'tap'}`,
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...list,
    ],
    { stdio: 'inherit', env },
  );
  let text = '';
  try {
    text = readFileSync(tap, 'utf8');
  } catch {
    // The runner did not start: the status says so.
  }
  const count = (k) => Number(text.match(new RegExp(`^# ${k} (\\d+)$`, 'm'))?.[1] ?? 0);
  const ok = r.status === 0;
  const counts = text
    ? `${count('tests')} tests: ${count('pass')} passed, ${count('fail')} failed, ${count('cancelled')} cancelled, ${count('skipped')} skipped`
    : `the test runner did not report (exit status ${r.status ?? r.signal})`;
  return {
    ok,
    name,
    line: `${ok ? 'ok  ' : 'FAIL'}  ${name} (${describeEnv(env)}, ${list.length} file${list.length === 1 ? '' : 's'}): ${counts}`,
  };
}

const results = [pass('all tests', files, process.env)];
const again = files.filter(SECOND_PASS);
if (again.length) results.push(pass('engine and doctor tests again', again, secondEnv));
rmSync(tapDir, { recursive: true, force: true });

console.log('\nnpm test summary:');
if (lint) console.log(`${lint.status === 0 ? 'ok  ' : 'FAIL'}  npm run lint`);
for (const r of results) console.log(r.line);
if (lint && lint.status !== 0) {
  console.error(
    'npm test: FAILED: npm run lint found problems (listed before the tests); fix them or run npm run format',
  );
  process.exit(1);
}
const failed = results.filter((r) => !r.ok);
if (failed.length) {
  console.error(`npm test: FAILED: ${failed.map((r) => r.name).join('; ')} (the FAIL lines above)`);
  process.exit(1);
}
