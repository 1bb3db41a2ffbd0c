// What the runner's end-to-end tests share: a tiny staged experiment on a small learnable MNIST-style
// set, `nnlab run` spawned as a real process, readers of its output and run store, and the process
// bookkeeping (Linux /proc) that tells whether a killed runner left a worker behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir } from '../data/fixtures.ts';
import { generator as mulberry32 } from '../engine/fixtures.ts';

export { tempDir };

/**
 * A learnable MNIST-style set: ten random 8×8 class prototypes, each image its class's prototype
 * plus uniform noise of ±`noise` grey levels, labels drawn at random. (test/data/fixtures.ts's
 * idxBytes is not learnable at 8×8: pixel (13·i) & 255 repeats every 4 images while labels cycle
 * mod 10, so every trial ties at ~20% and a results table could not tell two trials apart.)
 */
export function learnableIdx(n: number, side: number, seed: number, noise = 250): { images: Buffer; labels: Buffer } {
  const d = side * side;
  const images = Buffer.alloc(16 + n * d);
  images.writeUInt32BE(0x803, 0);
  images.writeUInt32BE(n, 4);
  images.writeUInt32BE(side, 8);
  images.writeUInt32BE(side, 12);
  const labels = Buffer.alloc(8 + n);
  labels.writeUInt32BE(0x801, 0);
  labels.writeUInt32BE(n, 4);
  const protoRandom = mulberry32(12345);
  const prototypes = Array.from({ length: 10 }, () => Array.from({ length: d }, () => protoRandom() * 255));
  const random = mulberry32(seed);
  for (let i = 0; i < n; i++) {
    const y = Math.floor(random() * 10);
    labels[8 + i] = y;
    for (let j = 0; j < d; j++)
      images[16 + i * d + j] = Math.max(0, Math.min(255, Math.round(prototypes[y][j] + (random() - 0.5) * 2 * noise)));
  }
  return { images, labels };
}

/** A data home (use as NNLAB_DATA) whose mnist/ holds 500 training and 200 test images of 8×8. */
export function dataHome(): string {
  const home = tempDir('nnlab-runner-data-');
  const dir = join(home, 'mnist');
  mkdirSync(dir);
  for (const [prefix, n, seed] of [
    ['train', 500, 1],
    ['t10k', 200, 2],
  ] as const) {
    const { images, labels } = learnableIdx(n, 8, seed);
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), images);
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), labels);
  }
  return home;
}

/**
 * 13 trials: a gradient check, two variants, a random search of 6 λ values, a second stage of 3 in
 * the range of the best 2 of the first (widened ×1.5), and the final retraining of the best of that,
 * twice as long. 120 steps of batch 20 each (240 for the final): about half a second a trial.
 */
export const EXPERIMENT = `name: runner-e2e
seed: 7
dataset:
  source: mnist
  train: [train]
  validation: { holdout: 100 }
  test: [test]
preprocess: standardize
model:
  hidden: [16]
  init: he
training:
  batch_size: 20
  lambda: 0.001
  cycles: 1
schedule:
  kind: cyclic
  eta_min: 1.0e-4
  eta_max: 1.0e-1
  step_size: 60
record:
  per_cycle: 4
  subset: 0
gradient_check:
  networks:
    - { hidden: [8] }
  samples: 3
  dims: 10
variants:
  - group: batch-norm
    matrix:
      bn:
        no-bn: { model.batch_norm: false }
        bn: { model.batch_norm: true }
searches:
  - name: coarse
    variant: no-bn
    kind: random
    param: training.lambda
    distribution: log_uniform
    range: [1.0e-3, 1.0]
    trials: 6
  - name: fine
    variant: no-bn
    kind: random
    param: training.lambda
    distribution: log_uniform
    from: { stage: coarse, best: 2, widen: 1.5 }
    trials: 3
final:
  from: fine
  set: { training.cycles: 2 }
`;
export const EXPERIMENT_NAME = 'runner-e2e';
export const TOTAL_TRIALS = 13;

/** Writes the experiment (or `text`) into a fresh folder; returns the file. */
/**
 * The small MNIST experiment most runner and store tests vary (a 16-unit network, batch 20, a few
 * hundred steps a cycle): its name, its number of cycles and what follows `record:`.
 */
export function smallExperiment(name: string, cycles: number, rest: string): string {
  return `name: ${name}
seed: 7
dataset: { source: mnist, train: [train], validation: { holdout: 100 }, test: [test] }
model: { hidden: [16] }
training: { batch_size: 20, lambda: 0.001, cycles: ${cycles} }
schedule: { kind: cyclic, eta_min: 1.0e-4, eta_max: 1.0e-1, step_size: 60 }
record: { per_cycle: 4, subset: 0 }
${rest}`;
}

export function experimentFile(text = EXPERIMENT, name = 'exp.yaml'): string {
  const file = join(tempDir('nnlab-runner-exp-'), name);
  writeFileSync(file, text);
  return file;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  pid: number;
  /** Output so far. */
  readonly stdout: string;
  readonly stderr: string;
  exited: Promise<Exit>;
}

/**
 * Spawns `node bin/nnlab.js ARGS`; `detached` gives it its own process group (as a shell's job);
 * `wrap` is a command that execs the rest (e.g. a shell setting ulimit -f first).
 */
export function nnlab(
  args: string[],
  opts: { env?: Record<string, string>; cwd?: string; detached?: boolean; wrap?: string[] } = {},
): Running {
  const [command, ...before] = [...(opts.wrap ?? []), process.execPath];
  const child = spawn(command, [...before, join(repoRoot, 'bin', 'nnlab.js'), ...args], {
    cwd: opts.cwd ?? repoRoot,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: opts.detached ?? false,
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<Exit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    pid: child.pid!,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
  };
}

/** `nnlab run FILE --no-report --jobs 1 --threads 1` to its end (in the project folder unless `cwd`). */
export function runToEnd(file: string, env: Record<string, string>, cwd?: string): Promise<Exit> {
  return nnlab(['run', file, '--no-report', '--jobs', '1', '--threads', '1'], { env, cwd }).exited;
}

/**
 * Resolves as soon as `condition()` holds, checking every 10 ms (a condition on files the runner
 * writes, not a delay); rejects if the process ends first, with its output.
 */
export function until(run: Running, what: string, condition: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    let ended = false;
    void run.exited.then((e) => {
      ended = true;
      clearInterval(timer);
      reject(new Error(`the run ended (code ${e.code}, signal ${e.signal}) before ${what}\n${e.stdout}\n${e.stderr}`));
    });
    const timer = setInterval(() => {
      if (ended || !condition()) return;
      clearInterval(timer);
      resolve();
    }, 2);
  });
}

// --- Reading the run store and the output.

export const isHash = (name: string) => /^[0-9a-f]{16}$/.test(name);
export const isTemporary = (name: string) => /\.(?:tmp|old)-.+-\d+-\d+$/.test(name);

export function trialsDir(runs: string, experiment = EXPERIMENT_NAME): string {
  return join(runs, experiment, 'trials');
}

/** Names in runs/<experiment>/trials/ (none when absent). */
export function trialFolders(runs: string): string[] {
  const dir = trialsDir(runs);
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** Hashes of committed trials: folders renamed into place under their hash. */
export function committed(runs: string): string[] {
  return trialFolders(runs).filter(isHash);
}

export interface StoredPlan {
  trials: { id: string; hash: string }[];
  pending: unknown[];
}

export function readPlan(runs: string, experiment = EXPERIMENT_NAME): StoredPlan {
  return JSON.parse(readFileSync(join(runs, experiment, 'plan.json'), 'utf8'));
}

export function readResult(runs: string, hash: string, experiment = EXPERIMENT_NAME): Record<string, unknown> {
  return JSON.parse(readFileSync(join(trialsDir(runs, experiment), hash, 'result.json'), 'utf8'));
}

/** Files a finished trial must have: training trials have curves and a model, gradient checks do not. */
export function missingFiles(runs: string, hash: string): string[] {
  const dir = join(trialsDir(runs), hash);
  const result = existsSync(join(dir, 'result.json')) ? readResult(runs, hash) : null;
  const want = [
    'config.json',
    'result.json',
    ...(result?.kind === 'gradient_check' ? [] : ['curves.jsonl', 'model.bin']),
  ];
  return want.filter((f) => !existsSync(join(dir, f)));
}

/** The summary line's counts. */
export function summary(
  stdout: string,
): { trials: number; trained: number; cached: number; failed: number; diverged: number } | null {
  const m = /^(\d+) trials: (\d+) trained, (\d+) cached, (\d+) failed, (\d+) diverged$/m.exec(stdout);
  return m ? { trials: +m[1], trained: +m[2], cached: +m[3], failed: +m[4], diverged: +m[5] } : null;
}

export const summaryLine = (trials: number, trained: number, cached: number, failed = 0, diverged = 0) =>
  `${trials} trial${trials === 1 ? '' : 's'}: ${trained} trained, ${cached} cached, ${failed} failed, ${diverged} diverged`;

/** The line under the summary when trials were trained: per-trial overhead, median and slowest. */
export const OVERHEAD_LINE =
  /^overhead a trial \(wall − engine time\): median \d+\.\d\ds, max \d+\.\d\ds \((\S+)(: a new worker|: data built)?\)$/;

/** The ranked tables and the final line: from the first table's header to the summary line. */
export function tables(stdout: string): string {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => /^Search "[^"]+": /.test(l));
  const end = lines.findIndex((l) => /^\d+ trials: /.test(l));
  if (start < 0 || end < start) throw new Error(`no results tables in the output:\n${stdout}`);
  return lines.slice(start, end).join('\n');
}

// --- Processes (Linux /proc): which processes a runner started, and whether they are gone.

export interface ProcessId {
  pid: number;
  /** Start time (clock ticks since boot), so a reused pid is not taken for the same process. */
  start: string;
  command: string;
}

function stat(pid: number): { state: string; ppid: number; pgrp: number; start: string } | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { state: f[0], ppid: Number(f[1]), pgrp: Number(f[2]), start: f[19] };
  } catch {
    return null;
  }
}

/** Every descendant of `pid` (its children, their children, …). */
export function descendants(pid: number): ProcessId[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const s = stat(Number(name));
    if (s) children.set(s.ppid, [...(children.get(s.ppid) ?? []), Number(name)]);
  }
  const out: ProcessId[] = [];
  const visit = (p: number) => {
    for (const c of children.get(p) ?? []) {
      const s = stat(c);
      if (!s) continue;
      let command = '';
      try {
        command = readFileSync(`/proc/${c}/cmdline`, 'utf8').split('\0').join(' ').trim();
      } catch {
        // gone meanwhile
      }
      out.push({ pid: c, start: s.start, command });
      visit(c);
    }
  };
  visit(pid);
  return out;
}

/**
 * Stops a process with SIGSTOP (with `group`, its whole process group: it and its workers) and
 * returns once it is stopped, so that what it has written can be read without it changing
 * meanwhile. `thaw` continues it.
 */
export function freeze(pid: number, group = false): void {
  process.kill(group ? -pid : pid, 'SIGSTOP');
  const stopped = (p: number) => {
    const s = stat(p);
    return !s || ['T', 't', 'Z'].includes(s.state) || (group && s.pgrp !== pid);
  };
  while (!stopped(pid) || (group && !descendants(pid).every((p) => stopped(p.pid))));
}

export function thaw(pid: number, group = false): void {
  process.kill(group ? -pid : pid, 'SIGCONT');
}

/** A trial worker of `bin/nnlab.js`: the compiled worker, started by plain node (no TypeScript loader). */
export const isWorker = (p: ProcessId) =>
  p.command === `${process.execPath} ${join(repoRoot, 'dist', 'runner', 'trial-worker.js')}`;

/** Trial workers of a runner that are running (not exited). */
export function liveWorkers(runner: number): ProcessId[] {
  return descendants(runner).filter((p) => !gone(p) && isWorker(p));
}

/** True once the process has exited (a zombie waiting to be reaped has exited too). */
export function gone(p: ProcessId): boolean {
  const s = stat(p.pid);
  return !s || s.state === 'Z' || s.start !== p.start;
}

/** Resolves when every process has exited, checking every 20 ms. */
export function allGone(processes: ProcessId[]): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (processes.every(gone)) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(check, 20);
    check();
  });
}

/** SIGKILLs whichever of `processes` still run (cleanup after a failed assertion). */
export function killLeftovers(processes: ProcessId[]): void {
  for (const p of processes) {
    if (gone(p)) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export const hasProc = existsSync('/proc/self/stat');
