// The run store: runs/<experiment>/trials/<trial-hash>/ holds one committed trial (config.json,
// curves.jsonl, result.json, model.bin, manifest.json). The only code that reads or writes it: a
// trial counts as stored only if its manifest checks out; one that does not is moved to quarantine/.
// Claims between runners are claim.ts's; which trial is best, rank.ts's; what a trial computes, the worker's.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { CurvePoint } from '../engine/index.ts';
import { StoreError, writeFailure } from '../errors.ts';
import {
  checkFile,
  checkHashes,
  checkSizes,
  MANIFEST,
  readManifest,
  REQUIRED_FOR_TRAINING,
  writeDurably,
  writeManifest,
} from './manifest.ts';
import type { StoredPlan, StoredResult, StoredTrial, TrialRef } from './types.ts';

export type {
  BlasProvenance,
  GradientCheckResult,
  Machine,
  Provenance,
  StoredPlan,
  StoredResult,
  StoredTrial,
  TrainResult,
  TrialRef,
} from './types.ts';

/** The id of a stored trial that plan.json does not list. */
export const UNPLANNED = 'not in plan.json';

/** What the cheap check found in a trial's folder. */
export type TrialState = { state: 'absent' } | { state: 'stored' } | { state: 'damaged'; problem: string };

/** Runs a write to the store; any failure becomes a StoreError naming the path and the reason. */
export function writing<T>(path: string, write: () => T): T {
  try {
    return write();
  } catch (err) {
    const f = writeFailure(err, path);
    if (!f) throw err;
    throw new StoreError(f.path, f.reason);
  }
}

/** Writes one file of a trial in flight (used by the worker, so a full disk is named as such). */
export function writeTrialFile(dir: string, name: string, data: string | Uint8Array): void {
  writing(join(dir, name), () => writeFileSync(join(dir, name), data));
}

export interface RunStoreOptions {
  /** Where warnings about damaged trials go (default: stderr). */
  warn?: (line: string) => void;
  /** Move damaged trials to quarantine/ (default); false leaves the store untouched (a dry run). */
  moveDamaged?: boolean;
}

/** The store of one experiment. */
export class RunStore {
  readonly root: string;
  private readonly warn: (line: string) => void;
  private readonly moveDamaged: boolean;
  private readonly verified = new Map<string, StoredTrial>();

  constructor(
    runsDir: string,
    readonly experiment: string,
    opts: RunStoreOptions = {},
  ) {
    this.root = resolve(runsDir, experiment);
    this.warn = opts.warn ?? ((line) => console.error(line));
    this.moveDamaged = opts.moveDamaged ?? true;
  }
  get trialsDir(): string {
    return join(this.root, 'trials');
  }
  get quarantineDir(): string {
    return join(this.root, 'quarantine');
  }
  get claimsDir(): string {
    return join(this.root, 'claims');
  }
  trialDir(hash: string): string {
    return join(this.trialsDir, hash);
  }

  /** Hashes of the committed trial folders (checked or not). */
  hashes(): string[] {
    try {
      return readdirSync(this.trialsDir)
        .filter((n) => /^[0-9a-f]{16}$/.test(n))
        .sort();
    } catch {
      return [];
    }
  }

  /** The cheap check (manifest there, sizes match), without moving anything. */
  check(hash: string): TrialState {
    const dir = this.trialDir(hash);
    if (!existsSync(dir)) return { state: 'absent' };
    const c = checkSizes(dir, hash);
    return c.ok ? { state: 'stored' } : { state: 'damaged', problem: c.problem };
  }

  /** True when the trial passes the cheap check; a damaged trial is quarantined (and so not stored). */
  has(ref: TrialRef): boolean {
    if (this.verified.has(ref.hash)) return true;
    const s = this.check(ref.hash);
    if (s.state === 'damaged') this.quarantine(ref, s.problem);
    return s.state === 'stored';
  }

  /** The trial with every file checked against its manifest, or null (absent, or damaged and quarantined). */
  read(ref: TrialRef): StoredTrial | null {
    const known = this.verified.get(ref.hash);
    if (known) return known;
    const loaded = this.load(ref);
    if (!loaded) return null;
    if (!loaded.ok) return this.quarantine(ref, loaded.problem);
    this.verified.set(ref.hash, loaded.value);
    return loaded.value;
  }

  /** The full check of a stored trial, moving nothing: null when whole (or absent), else the problem. */
  verify(hash: string): string | null {
    const loaded = this.load(this.ref(hash));
    return loaded && !loaded.ok ? loaded.problem : null;
  }

  /** A trial by hash, named by the id plan.json gives it. */
  ref(hash: string): TrialRef {
    this.ids ??= new Map(this.readPlan()?.trials?.map((t) => [t.hash, t.id]));
    return { id: this.ids.get(hash) ?? UNPLANNED, hash };
  }
  private ids: Map<string, string> | undefined;

  /** Reads a trial's folder and checks every file; null when there is no folder. */
  private load(ref: TrialRef): { ok: true; value: StoredTrial } | { ok: false; problem: string } | null {
    const dir = this.trialDir(ref.hash);
    if (!existsSync(dir)) return null;
    const checked = checkHashes(dir, ref.hash);
    if (!checked.ok) return checked;
    const files = checked.value;
    let result: StoredResult;
    let config: unknown;
    try {
      result = JSON.parse(files.get('result.json')!.toString('utf8'));
      config = JSON.parse(files.get('config.json')!.toString('utf8'));
    } catch (err) {
      return { ok: false, problem: `its files match the manifest but do not parse (${(err as Error).message})` };
    }
    if (result.kind === 'train')
      for (const name of REQUIRED_FOR_TRAINING)
        if (!files.has(name)) return { ok: false, problem: `its ${MANIFEST} does not list ${name}` };
    const curves = files.get('curves.jsonl');
    const value: StoredTrial = {
      dir,
      result,
      config,
      curves: () =>
        (curves?.toString('utf8') ?? '')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as CurvePoint),
      model: () => {
        if (result.kind !== 'train') return null;
        // Read again when asked (models are the large files): checked again, since it was read later.
        const m = readManifest(dir, ref.hash);
        const c = m.ok ? checkFile(dir, 'model.bin', m.value.files['model.bin']) : m;
        if (!c.ok) {
          this.verified.delete(ref.hash);
          this.quarantine(ref, c.problem);
          return null;
        }
        return new Uint8Array(c.value);
      },
    };
    return { ok: true, value };
  }

  /** Moves a damaged trial's folder to quarantine/ and warns, naming the trial and the problem. */
  quarantine(ref: TrialRef, problem: string): null {
    if (!this.moveDamaged) return null;
    const dest = join(
      this.quarantineDir,
      `${ref.hash}-${new Date().toISOString().replace(/[-:.]/g, '')}-${process.pid}`,
    );
    let where: string;
    try {
      mkdirSync(this.quarantineDir, { recursive: true });
      renameSync(this.trialDir(ref.hash), dest);
      writeFileSync(join(dest, 'quarantined.txt'), `${ref.id} (${ref.hash})\n${problem}\n`);
      where = `moved to ${dest}`;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Another process moved it first, or the store cannot be written: either way it is not stored.
      where =
        code === 'ENOENT'
          ? 'already moved to quarantine by another process'
          : `left in place: it could not be moved (${code ?? (err as Error).message})`;
    }
    this.verified.delete(ref.hash);
    this.warn(`warning: trial ${ref.id} (${ref.hash}) is damaged: ${problem}; ${where}; \`nnlab run\` trains it again`);
    return null;
  }

  /** A fresh temporary folder for a trial in flight (renamed into place by commit, or removed). */
  begin(hash: string): string {
    const tmp = join(this.trialsDir, `${hash}.tmp-${hostname()}-${process.pid}-${Date.now()}`);
    writing(tmp, () => {
      mkdirSync(this.trialsDir, { recursive: true });
      mkdirSync(tmp);
    });
    return tmp;
  }

  /**
   * Commits a complete temporary folder: writes its manifest (after every file is on the disk), then
   * renames it into place, replacing an older folder of the same hash. Atomic on one filesystem
   * (NFS included), so a reader sees the old trial, the new one, or none; never half of one.
   */
  commit(tmp: string, hash: string): void {
    writing(tmp, () => writeManifest(tmp, hash));
    const dest = this.trialDir(hash);
    writing(dest, () => {
      if (existsSync(dest)) {
        const old = `${dest}.old-${hostname()}-${process.pid}-${Date.now()}`;
        renameSync(dest, old);
        renameSync(tmp, dest);
        rmSync(old, { recursive: true, force: true });
      } else {
        renameSync(tmp, dest);
      }
    });
    this.verified.delete(hash);
    rmSync(this.failureLog(hash), { force: true });
  }

  /** Removes a temporary folder of a trial that did not finish. */
  abandon(tmp: string): void {
    rmSync(tmp, { recursive: true, force: true });
  }

  /**
   * Removes temporary folders left by processes that are gone: dead pids on this host; on other
   * hosts (a shared filesystem), folders whose trial nobody claims any more (see claim.ts).
   */
  sweep(claimed: (hash: string) => boolean): string[] {
    const removed: string[] = [];
    let names: string[];
    try {
      names = readdirSync(this.trialsDir);
    } catch {
      return removed;
    }
    for (const name of names) {
      const m = /^([0-9a-f]+)\.(?:tmp|old)-(.+)-(\d+)-\d+$/.exec(name);
      if (!m) continue;
      const [, hash, host, pid] = m;
      const gone = host === hostname() ? !processAlive(Number(pid)) || Number(pid) === process.pid : !claimed(hash);
      if (!gone) continue;
      writing(join(this.trialsDir, name), () => rmSync(join(this.trialsDir, name), { recursive: true, force: true }));
      removed.push(name);
    }
    return removed;
  }

  /** The log of the trial's last failure. */
  failureLog(hash: string): string {
    return join(this.root, 'failed', `${hash}.log`);
  }

  /** Records a failed trial: its stage counts as settled, and a rerun tries it again. */
  recordFailure(trial: TrialRef, message: string, log: string): string {
    const file = this.failureLog(trial.hash);
    writing(file, () => {
      mkdirSync(join(this.root, 'failed'), { recursive: true });
      writeFileSync(file, `${trial.id} (${trial.hash})\n${message}\n\n${log}`);
    });
    return file;
  }

  /** True when the last attempt at the trial failed (and none has succeeded since). */
  failed(hash: string): boolean {
    return existsSync(this.failureLog(hash));
  }

  /** True when an attempt at the trial failed at or after `since` (ms since the epoch). */
  failedSince(hash: string, since: number): boolean {
    try {
      return statSync(this.failureLog(hash)).mtimeMs >= since;
    } catch {
      return false;
    }
  }

  writePlan(plan: StoredPlan): void {
    const name = `plan.json.tmp-${hostname()}-${process.pid}`;
    writing(join(this.root, name), () => {
      mkdirSync(this.root, { recursive: true });
      writeDurably(this.root, name, JSON.stringify(plan, null, 2) + '\n');
      renameSync(join(this.root, name), join(this.root, 'plan.json'));
    });
  }

  readPlan(): StoredPlan | null {
    try {
      return JSON.parse(readFileSync(join(this.root, 'plan.json'), 'utf8')) as StoredPlan;
    } catch {
      return null;
    }
  }

  /**
   * Engine version and data fingerprint of the stored runs, which a reader re-plans with: plan.json's,
   * else the newest stored result's; null when the store holds neither.
   */
  identity(): { engineVersion: string; dataFingerprint: string } | null {
    const plan = this.readPlan();
    if (plan?.engineVersion && plan.dataFingerprint)
      return { engineVersion: plan.engineVersion, dataFingerprint: plan.dataFingerprint };
    let newest: StoredResult | null = null;
    for (const hash of this.hashes()) {
      const r = this.read(this.ref(hash))?.result;
      if (r && (!newest || r.finishedAt > newest.finishedAt)) newest = r;
    }
    return newest && { engineVersion: newest.engineVersion, dataFingerprint: newest.dataFingerprint };
  }
}

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
