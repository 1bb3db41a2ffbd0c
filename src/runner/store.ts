// The run store: runs/<experiment>/trials/<trial-hash>/ holds one finished trial
// (config.json, curves.jsonl, result.json, model.bin, log.txt). A trial is written under a
// temporary name and renamed into place when complete, so a folder under its hash is always whole.
// What a trial computes is the worker's business; what a report shows, the report's.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CurvePoint, GradCheckRow, Metrics } from '../engine/index.ts';
import type { Trial } from '../config/expand.ts';

export interface Machine {
  cpu: string;
  cores: number;
  os: string;
  node: string;
}

/** The BLAS a trial ran on: another core (or thread count) can change the last bits of results. */
export interface BlasProvenance {
  /** The shared library's file, or null where it could not be found. */
  library: string | null;
  version: string;
  /** The kernels in use (openblas_get_corename), e.g. "Cooperlake". */
  core: string;
  /** Who chose the core and why. */
  reason: string;
}

export interface Provenance {
  engineVersion: string;
  codeVersion: string;
  dataFingerprint: string;
  data: string;
  machine: Machine;
  threads: number;
  /** Recorded by the trial's own process; absent in trials stored before it was. */
  blas?: BlasProvenance;
}

export interface TrainResult extends Provenance {
  kind: 'train';
  id: string;
  hash: string;
  status: 'ok' | 'diverged';
  message?: string;
  final: { train: Metrics; validation?: Metrics; test?: Metrics };
  steps: number;
  totalSteps: number;
  derived: { n: number; stepsPerEpoch: number; stepSize: number | null; totalSteps: number; recordEvery: number; epochs: number };
  seconds: number;
  fingerprint: string;
  startedAt: string;
  finishedAt: string;
}

export interface GradientCheckResult extends Provenance {
  kind: 'gradient_check';
  id: string;
  hash: string;
  status: 'ok';
  rows: GradCheckRow[];
  seconds: number;
  startedAt: string;
  finishedAt: string;
}

export type StoredResult = TrainResult | GradientCheckResult;

export interface StoredTrial {
  dir: string;
  result: StoredResult;
  config: unknown;
  curves(): CurvePoint[];
  model(): Uint8Array | null;
}

/** The store of one experiment. */
export class RunStore {
  readonly root: string;
  constructor(runsDir: string, readonly experiment: string) {
    this.root = resolve(runsDir, experiment);
  }
  get trialsDir(): string {
    return join(this.root, 'trials');
  }
  trialDir(hash: string): string {
    return join(this.trialsDir, hash);
  }
  has(hash: string): boolean {
    return existsSync(join(this.trialDir(hash), 'result.json'));
  }
  get(hash: string): StoredTrial | null {
    const dir = this.trialDir(hash);
    let result: StoredResult;
    try {
      result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    } catch {
      return null;
    }
    return {
      dir,
      result,
      config: JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')),
      curves: () => {
        const p = join(dir, 'curves.jsonl');
        if (!existsSync(p)) return [];
        return readFileSync(p, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as CurvePoint);
      },
      model: () => {
        const p = join(dir, 'model.bin');
        return existsSync(p) ? new Uint8Array(readFileSync(p)) : null;
      },
    };
  }

  /** A fresh temporary folder for a trial in flight (removed or renamed by commit/abandon). */
  begin(hash: string): string {
    mkdirSync(this.trialsDir, { recursive: true });
    const tmp = join(this.trialsDir, `${hash}.tmp-${process.pid}-${Date.now()}`);
    mkdirSync(tmp);
    return tmp;
  }

  /** Moves a complete temporary folder into place, replacing an older result of the same hash. */
  commit(tmp: string, hash: string): void {
    const dest = this.trialDir(hash);
    if (existsSync(dest)) {
      const old = `${dest}.old-${process.pid}-${Date.now()}`;
      renameSync(dest, old);
      renameSync(tmp, dest);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, dest);
    }
  }

  /** Removes temporary folders left by runs that were killed (their process is gone). */
  sweep(): string[] {
    if (!existsSync(this.trialsDir)) return [];
    const removed: string[] = [];
    for (const name of readdirSync(this.trialsDir)) {
      const m = /\.(?:tmp|old)-(\d+)-\d+$/.exec(name);
      if (!m) continue;
      if (processAlive(Number(m[1])) && Number(m[1]) !== process.pid) continue;
      rmSync(join(this.trialsDir, name), { recursive: true, force: true });
      removed.push(name);
    }
    return removed;
  }

  /** Records a failed trial (not read as finished; a rerun retries it). */
  recordFailure(trial: Trial, message: string, log: string): string {
    const dir = join(this.root, 'failed');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${trial.hash}.log`);
    writeFileSync(file, `${trial.id} (${trial.hash})\n${message}\n\n${log}`);
    return file;
  }

  writePlan(plan: unknown): void {
    mkdirSync(this.root, { recursive: true });
    const tmp = join(this.root, `plan.json.tmp-${process.pid}`);
    writeFileSync(tmp, JSON.stringify(plan, null, 2) + '\n');
    renameSync(tmp, join(this.root, 'plan.json'));
  }

  readPlan<T>(): T | null {
    try {
      return JSON.parse(readFileSync(join(this.root, 'plan.json'), 'utf8')) as T;
    } catch {
      return null;
    }
  }
}

/** Whether a process of that id exists (a folder or status left by a dead runner is stale). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The runs folder: $NNLAB_RUNS, else runs/ beside the experiments folder's parent (the project). */
export function runsDir(experimentFile: string): string {
  if (process.env.NNLAB_RUNS) return resolve(process.env.NNLAB_RUNS);
  return resolve(experimentFile, '..', '..', 'runs');
}
