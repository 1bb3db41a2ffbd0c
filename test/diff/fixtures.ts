// Helpers for the diff tests: small experiments in temporary folders, a scratch git repository,
// stored results, and the nnlab command run as a child process.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { RunStore } from '../../src/store/store.ts';
import { planTrials, type Trial } from '../../src/config/expand.ts';
import { resolveExperiment } from '../../src/config/resolve.ts';
import { fileURLToPath } from 'node:url';

export const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'nnlab.js');

/** A small valid experiment (no data needed to resolve it). */
export const TINY = `name: tiny
seed: 1
dataset:
  source: cifar10
  train: [data_batch_1]
  validation: { parts: [data_batch_2] }
  test: [test_batch]
model:
  hidden: [50]
training:
  batch_size: 100
  lambda: 0.01
  cycles: 1
schedule:
  kind: cyclic
  eta_min: 1.0e-5
  eta_max: 1.0e-1
  step_size: 500
`;

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'nnlab-diff-test-'));
}

/** Writes files (path relative to `dir` → text) and returns `dir`. */
export function write(dir: string, files: Record<string, string>): string {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/nnlab.js ARGS` in `cwd`, without colour and with its own run store; '' in `env` unsets. */
export function nnlab(args: string[], cwd: string, env: Record<string, string> = {}): Ran {
  const full: Record<string, string | undefined> = {
    ...process.env,
    NO_COLOR: '1',
    NNLAB_RUNS: join(cwd, 'runs-none'),
    ...env,
  };
  delete full.FORCE_COLOR; // the test runner may set it; a test that wants colour passes it in `env`
  if (env.FORCE_COLOR) full.FORCE_COLOR = env.FORCE_COLOR;
  for (const [k, v] of Object.entries(full)) if (v === '') delete full[k];
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: full });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

export function initRepo(dir: string): void {
  git(dir, 'init', '-q');
  git(dir, 'config', 'user.email', 'test@example.com');
  git(dir, 'config', 'user.name', 'test');
  git(dir, 'config', 'commit.gpgsign', 'false');
}

/** A stored finished trial committed through the store (config, result, curves, model bytes, manifest). */
export function storeResult(
  runs: string,
  experiment: string,
  hash: string,
  config: unknown,
  r: { validation: number; test: number; seconds: number; status?: 'ok' | 'diverged' },
): void {
  const store = new RunStore(runs, experiment);
  const tmp = store.begin(hash);
  const metrics = (accuracy: number) => ({ loss: 1.5, cost: 1.6, accuracy });
  writeFileSync(join(tmp, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  writeFileSync(
    join(tmp, 'result.json'),
    JSON.stringify({
      kind: 'train',
      id: 'x',
      hash,
      status: r.status ?? 'ok',
      engineVersion: 'engine-test',
      dataFingerprint: 'data-test',
      final: { train: metrics(0.6), validation: metrics(r.validation), test: metrics(r.test) },
      seconds: r.seconds,
    }) + '\n',
  );
  writeFileSync(join(tmp, 'curves.jsonl'), '');
  writeFileSync(join(tmp, 'model.bin'), 'not read by the diff');
  store.commit(tmp, hash);
}

/**
 * Two sides of a change with a run store to hold their results: experiments/old/tiny.yaml and
 * experiments/tiny.yaml in a temporary folder, runs/tiny/plan.json for the test engine and data,
 * and each side's planned trials by id (their hashes are where storeResult puts results).
 */
export function twoSides(
  oldText: string,
  newText: string,
): { dir: string; runs: string; old: Map<string, Trial>; now: Map<string, Trial> } {
  const dir = write(tempDir(), { 'experiments/old/tiny.yaml': oldText, 'experiments/tiny.yaml': newText });
  const runs = join(dir, 'runs');
  write(runs, {
    'tiny/plan.json': JSON.stringify({
      experiment: 'tiny',
      engineVersion: 'engine-test',
      dataFingerprint: 'data-test',
    }),
  });
  const ctx = { engineVersion: 'engine-test', dataFingerprint: 'data-test' };
  const trials = (file: string) =>
    new Map(planTrials(resolveExperiment(join(dir, file)), ctx).trials.map((t): [string, Trial] => [t.id, t]));
  return { dir, runs, old: trials('experiments/old/tiny.yaml'), now: trials('experiments/tiny.yaml') };
}
