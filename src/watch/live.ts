// The live status of a run: `nnlab run` keeps runs/<experiment>/live.json up to date (each trial's
// state, progress and the accuracies recorded so far, at most a few writes a second) so that a watch
// page, in this process or another, can show the run as it goes. Written atomically (tmp + rename).
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunEvent } from '../runner/run.ts';
import { processAlive } from '../store/store.ts';
import { WriteError, writeFailure, writeFix } from '../errors.ts';
import { makeDirs } from '../writes.ts';

export const LIVE_FILE = 'live.json';

export type LiveTrialStatus = 'planned' | Extract<RunEvent, { type: 'trial' }>['status'];

/** A progress point: update step, η, and the accuracies the engine recorded last. */
export interface LivePoint {
  step: number;
  eta?: number;
  train?: number;
  validation?: number;
}

export interface LiveTrial {
  id: string;
  hash: string;
  status: LiveTrialStatus;
  step?: number;
  totalSteps?: number;
  validationAccuracy?: number;
  message?: string;
  /** Progress points while the trial runs; dropped once it is stored (its curves.jsonl has them all). */
  points?: LivePoint[];
}

export interface LiveState {
  experiment: string;
  file: string;
  pid: number;
  startedAt: string;
  updatedAt: string;
  /** running until the run ends; then finished (report written, or none asked), interrupted or failed. */
  state: 'running' | 'finished' | 'interrupted' | 'failed';
  /** report.html once written. */
  report?: string;
  trials: LiveTrial[];
}

const WRITE_EVERY_MS = 250;

export class LiveStatus {
  readonly state: LiveState;
  private timer: NodeJS.Timeout | null = null;
  constructor(
    private readonly dir: string,
    experiment: string,
    file: string,
    /** Where the one line goes when live.json cannot be written (default: stderr). */
    private readonly warn: (line: string) => void = (line) => console.error(line),
  ) {
    const now = new Date().toISOString();
    this.state = { experiment, file, pid: process.pid, startedAt: now, updatedAt: now, state: 'running', trials: [] };
  }

  /** Nothing is written before the runner's first event: a run refused (bad --only, bad file) leaves no trace. */
  started = false;

  private trial(id: string, hash: string): LiveTrial {
    let t = this.state.trials.find((x) => x.id === id);
    if (!t) this.state.trials.push((t = { id, hash, status: 'planned' }));
    return t;
  }

  /** Feeds the runner's events (RunOptions.onEvent). */
  readonly onEvent = (e: RunEvent): void => {
    this.started = true;
    if (e.type === 'plan') for (const p of e.trials) this.trial(p.id, p.hash);
    else if (e.type === 'trial') {
      const t = this.trial(e.trial.id, e.trial.hash);
      t.status = e.status;
      if (e.message) t.message = e.message;
      if (e.status !== 'running') delete t.points;
      if (e.status === 'running') t.points = [];
    } else {
      const t = this.trial(e.trial.id, e.trial.hash);
      const p = e.progress;
      Object.assign(t, {
        step: p.step,
        totalSteps: p.totalSteps,
        ...(p.validationAccuracy !== undefined ? { validationAccuracy: p.validationAccuracy } : {}),
      });
      if (t.points)
        t.points.push({ step: p.step, eta: p.eta, train: p.trainAccuracy, validation: p.validationAccuracy });
    }
    this.schedule();
  };

  /** The run is over: how it ended, and the report it wrote. Written at once. */
  finish(state: LiveState['state'], report?: string): void {
    if (!this.started) return;
    this.state.state = state;
    if (report) this.state.report = report;
    this.write();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.write(), WRITE_EVERY_MS);
  }

  private write(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.unwritable) return;
    this.state.updatedAt = new Date().toISOString();
    const tmp = join(this.dir, `${LIVE_FILE}.tmp-${process.pid}`);
    const file = join(this.dir, LIVE_FILE);
    try {
      makeDirs(this.dir);
      writeFileSync(tmp, JSON.stringify(this.state) + '\n');
      renameSync(tmp, file);
    } catch (err) {
      // The live status only serves `nnlab watch`: the run goes on and says so once, in one line. A
      // store that cannot be written is the run's own to report (exit 2 with the path and reason).
      this.unwritable = true;
      try {
        rmSync(tmp, { force: true });
      } catch {
        // Only this process's partly written temporary file.
      }
      const f = writeFailure(err, file);
      if (!f) throw err;
      const fix = writeFix(f.code, {
        then: `nnlab watch shows the next run; this one goes on without it (nnlab status ${this.state.file} shows where it stands)`,
      });
      this.warn(`warning: ${new WriteError(file, f.reason, fix).message}`);
    }
  }
  private unwritable = false;
}

/** The live status of an experiment's store folder, or null when no run has written one. */
export function readLive(dir: string): LiveState | null {
  try {
    return JSON.parse(readFileSync(join(dir, LIVE_FILE), 'utf8')) as LiveState;
  } catch {
    return null;
  }
}

/** Whether the process that wrote a live status is still there (a killed runner leaves `running`). */
export function writerAlive(live: LiveState): boolean {
  return live.pid === process.pid || processAlive(live.pid);
}
