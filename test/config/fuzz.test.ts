// Property-based tests of the config front door: random mutations of the committed experiments
// (test/config/fuzz/mutate.ts) through validate, resolve, diff and run --dry-run. Each input must
// pass, or fail with messages that start FILE:LINE:COL (or --set), no stack trace, within a time
// bound, writing nothing. The seed is fixed so a failure reproduces; FUZZ_RUNS=5000 and
// FUZZ_SEED=… fuzz longer locally. Failures found are kept in fuzz/corpus/ and as exact-text tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { resolveExperiment } from '../../src/config/resolve.ts';
import { planTrials } from '../../src/config/expand.ts';
import { compareExperiments, CONFIG_ONLY } from '../../src/diff/compare.ts';
import { json, markdown, terminal } from '../../src/diff/format.ts';
import { fileSide } from '../../src/diff/sides.ts';
import { resolvedText } from '../../src/diff/resolved-text.ts';
import { runExperiment } from '../../src/runner/run.ts';
import { ConfigError, ConfigErrors } from '../../src/errors.ts';
import { describe, EXPERIMENTS, EXPERIMENTS_DIR, input, type Input } from './fuzz/mutate.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 15_2026);
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const CLI_RUNS = Number(process.env.FUZZ_CLI_RUNS ?? 4);
/**
 * Per input in-process (resolve, plan, diff, dry-run): CPU time, so that a shared machine's load
 * (one 2-core runner ran at a load average of 37) cannot fail an input that a hang would. Per CLI
 * command: wall time, with room for that load.
 */
const CPU_BOUND_MS = 5_000;
const CLI_BOUND_MS = 120_000;
/** A message line longer than this echoes input it should have shortened. */
const MAX_LINE = 600;
const CORPUS = join(import.meta.dirname, 'fuzz', 'corpus');
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'nnlab.js');

// A project folder of its own: experiments/ with the committed files, an empty run store and data home.
const root = mkdtempSync(join(tmpdir(), 'nnlab-fuzz-'));
const experiments = join(root, 'experiments');
mkdirSync(experiments);
for (const f of EXPERIMENTS) copyFileSync(join(EXPERIMENTS_DIR, f), join(experiments, f));
const env = { NNLAB_RUNS: join(root, 'runs'), NNLAB_DATA: join(root, 'data'), NO_COLOR: '1' };
Object.assign(process.env, env);

function listing(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p);
    out.push(`${relative(root, p)} ${st.isDirectory() ? 'dir' : st.size}`);
    if (st.isDirectory()) out.push(...listing(p));
  }
  return out;
}

/** Problems with one error output: each line must be located, short and free of stack frames. */
function badLines(output: string, files: string[]): string[] {
  const bad: string[] = [];
  for (const line of output.split('\n').filter(Boolean)) {
    if (/^\s+at /.test(line) || /\b(TypeError|ReferenceError|RangeError|SyntaxError)\b/.test(line))
      bad.push(`stack or JS error: ${line.slice(0, 200)}`);
    else if (line.length > MAX_LINE) bad.push(`line of ${line.length} characters: ${line.slice(0, 200)}…`);
    else {
      const m = /^(.+?):(\d+):(\d+): \S/.exec(line);
      if (!m) bad.push(`not located: ${line.slice(0, 200)}`);
      else if (!m[1].startsWith('--set')) {
        // A project file, or another file an `extends` named (/dev/null, a folder's file).
        const file =
          files.find((f) => m[1] === f || m[1] === relative(process.cwd(), f) || f.endsWith('/' + m[1])) ??
          (existsSync(m[1]) ? m[1] : undefined);
        if (!file) bad.push(`names an unknown file: ${line.slice(0, 200)}`);
        else {
          const lines = readFileSync(file).toString('latin1').split('\n').length;
          if (Number(m[2]) < 1 || Number(m[2]) > lines + 1 || Number(m[3]) < 1)
            bad.push(`position outside the file (${lines} lines): ${line.slice(0, 200)}`);
        }
      }
    }
  }
  return bad;
}

const projectFiles = () => readdirSync(experiments).map((f) => join(experiments, f));
const write = (name: string, i: Input) => {
  const file = join(experiments, name);
  writeFileSync(file, i.bytes);
  return file;
};

/** The entry functions behind validate, resolve, diff and run --dry-run, in this process. */
async function checkInProcess(i: Input, name = 'fuzz.yaml'): Promise<void> {
  const file = write(name, i);
  const before = listing(root);
  const cpu0 = process.cpuUsage();
  let output = '';
  try {
    const exp = resolveExperiment(file, { set: i.set });
    const plan = planTrials(exp, { engineVersion: CONFIG_ONLY, dataFingerprint: CONFIG_ONLY });
    resolvedText(exp, plan, 'config-only');
    const base = join(experiments, i.base);
    const d = compareExperiments({ side: fileSide(base), exp: resolveExperiment(base) }, { side: fileSide(file), exp });
    terminal([d], false);
    markdown([d], 'fuzz');
    json([d]);
    await runExperiment(file, { set: i.set, dryRun: true, fetch: false, log: () => {} });
  } catch (err) {
    if (!(err instanceof ConfigErrors || err instanceof ConfigError)) {
      assert.fail(`${describe(i)}\nthrew ${(err as Error)?.stack ?? err}`);
    }
    output = err.message;
  }
  const cpu = process.cpuUsage(cpu0);
  const ms = (cpu.user + cpu.system) / 1000;
  const bad = badLines(output, projectFiles());
  assert.deepEqual(bad, [], describe(i));
  assert.ok(ms < CPU_BOUND_MS, `${describe(i)}\ntook ${ms.toFixed(0)} ms of CPU (bound ${CPU_BOUND_MS} ms)`);
  assert.deepEqual(listing(root), before, `${describe(i)}\nwrote files`);
}

test(
  `${RUNS} mutated experiments through the entry functions of validate, resolve, diff and run --dry-run (seed ${SEED})`,
  { timeout: Math.max(600_000, RUNS * 2_000) },
  async (t) => {
    const out = await fc.check(
      fc.asyncProperty(input, (i) => checkInProcess(i)),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    // The input is in the message (describe); the whole counterexample would be megabytes of bytes.
    t.diagnostic(`${out.numRuns} inputs tried${out.failed ? '' : ', all passed'}`);
    if (out.failed)
      assert.fail(
        `after ${out.numRuns} inputs: ${(out.errorInstance as Error)?.message}\nreproduce with FUZZ_SEED=${out.seed} (path ${out.counterexamplePath})`,
      );
  },
);

test('the corpus of inputs that once failed still passes the same checks', async () => {
  for (const name of readdirSync(CORPUS).sort()) {
    const bytes = readFileSync(join(CORPUS, name));
    // Compared (diff) against quickstart.yaml.
    await checkInProcess({ base: 'quickstart.yaml', bytes, set: [], ops: [] }, `corpus-${name}`).catch((err: Error) =>
      assert.fail(`fuzz/corpus/${name}: ${err.message}`),
    );
    rmSync(join(experiments, `corpus-${name}`));
  }
});

function cli(args: string[]) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: CLI_BOUND_MS,
    env: { ...process.env, ...env },
  });
  return { ...r, ms: performance.now() - t0 };
}

test(
  `${CLI_RUNS} mutated experiments through the real CLI: nnlab validate, resolve, diff, run --dry-run (seed ${SEED + 1})`,
  { timeout: 600_000 },
  () => {
    const samples = fc.sample(input, { seed: SEED + 1, numRuns: CLI_RUNS });
    const names = samples.map((s, k) => {
      write(`cli-${k}.yaml`, s);
      return `experiments/cli-${k}.yaml`;
    });
    const before = listing(root);
    const check = (what: string, r: ReturnType<typeof cli>, ok: number[], i?: Input) => {
      const who = `${what}${i ? `\n${describe(i)}` : ''}`;
      assert.equal(
        r.signal,
        null,
        `${who}\nkilled by ${r.signal} after ${r.ms.toFixed(0)} ms (bound ${CLI_BOUND_MS} ms)`,
      );
      assert.ok(ok.includes(r.status!), `${who}\nexit ${r.status}\n${r.stderr.slice(0, 2000)}`);
      assert.deepEqual(badLines(r.stderr, projectFiles()), [], who);
    };
    // validate takes every file at once: one process, each file's errors located.
    check(`nnlab validate ${names.length} files`, cli(['validate', ...names]), [0, 1]);
    samples.forEach((s, k) => {
      const sets = s.set.flatMap((f) => ['--set', f]);
      check(`nnlab resolve ${names[k]}`, cli(['resolve', names[k], ...sets]), [0, 1], s);
      // diff: 0 no change, 1 a change, 2 an error.
      check(
        `nnlab diff experiments/${s.base} ${names[k]}`,
        cli(['diff', `experiments/${s.base}`, names[k]]),
        [0, 1, 2],
        s,
      );
      check(`nnlab run ${names[k]} --dry-run`, cli(['run', names[k], '--dry-run', ...sets]), [0, 1], s);
    });
    assert.deepEqual(listing(root), before, 'the CLI wrote files');
  },
);
