// Runs one trial in the calling process: trains (or gradient-checks) it and writes its files
// (config.json, curves.jsonl, model.bin, result.json) into the job's temporary folder. The local
// pool's workers (trial-worker.ts) and cluster tasks call it; committing the folder is the caller's.
import * as engine from '../engine/index.ts';
import { dataShape, trainingLength, type Trial } from '../config/expand.ts';
import { prepareGradientCheckData, preparedData, trainOptions, type DataSource } from './prepare.ts';
import { blasProvenance } from './provenance.ts';
import { writeTrialFile } from '../store/store.ts';
import type { GradientCheckResult, Provenance, TrainResult } from '../store/types.ts';

/** Everything a trial needs; the trial's files go into tmpDir. */
export interface Job {
  trial: Trial;
  tmpDir: string;
  provenance: Provenance;
}

export interface TrialProgress {
  step: number;
  totalSteps: number;
  /** η of the last update, and the accuracies the engine last recorded (for live curves). */
  eta?: number;
  trainAccuracy?: number;
  validationAccuracy?: number;
  /** Where the trial is before it trains (a cluster's queue): shown instead of the steps. */
  note?: string;
}

/**
 * What result.json holds beside the trial's results: how its time was spent and which worker ran
 * it (the runner's overhead figures come from it). Absent from trials stored before it existed.
 */
export interface JobRecord {
  /** Seconds in the engine's calls (training and the test evaluation, or the gradient check); the rest of `seconds` is set-up. */
  engineSeconds: number;
  /** The process that ran the trial, the trial's place among that process's jobs (1 for its first), and whether its data were built or kept from an earlier job. */
  worker: { pid: number; job: number; data: DataSource };
}

/** Jobs this process has run: a pool worker's result says which of its jobs the trial was. */
let jobsRun = 0;

/** Seconds `work` takes, with its value. */
async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await work();
  return [value, (performance.now() - t0) / 1000];
}

/**
 * Runs `job` to the end and writes its files. Rejects with the engine's error, or an AbortError
 * within one mini-batch of `signal` aborting (before curves, model or result are written).
 * Progress is reported at most every 200 ms, and at the last step.
 */
export async function runJob(
  job: Job,
  hooks: { signal?: AbortSignal; onProgress?: (p: TrialProgress) => void } = {},
): Promise<void> {
  const { trial, tmpDir, provenance } = job;
  const startedAt = new Date();
  const t0 = performance.now();
  const record = (engineSeconds: number, data: DataSource): JobRecord => ({
    engineSeconds,
    worker: { pid: process.pid, job: ++jobsRun, data },
  });
  writeTrialFile(tmpDir, 'config.json', JSON.stringify(trial.config, null, 2) + '\n');
  if (trial.kind === 'gradient_check') {
    const c = trial.config;
    const { data, from } = await prepareGradientCheckData(c, provenance.dataFingerprint);
    const [rows, engineSeconds] = await timed(() =>
      engine.gradientCheck(
        {
          network: {
            sizes: [c.dims, ...c.network.hidden, dataShape(c).classes],
            batchNorm: c.network.batch_norm,
            init: { kind: 'he' },
            loss: c.loss,
          },
          lambda: c.lambda,
          seed: c.seed,
          h: c.h,
        },
        data,
      ),
    );
    const result: GradientCheckResult & JobRecord = {
      kind: 'gradient_check',
      id: trial.id,
      hash: trial.hash,
      status: 'ok',
      rows,
      seconds: (performance.now() - t0) / 1000,
      ...record(engineSeconds, from),
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      ...provenance,
      blas: blasProvenance(),
    };
    writeTrialFile(tmpDir, 'result.json', JSON.stringify(result, null, 2) + '\n');
    return;
  }
  const c = trial.config;
  const { data, from } = await preparedData(c, provenance.dataFingerprint);
  const options = trainOptions(c, data.train.d, data.classes.length, provenance.threads);
  let last = 0;
  const [out, trainSeconds] = await timed(() =>
    engine.train(options, data.train, data.validation, {
      signal: hooks.signal,
      onProgress: (p) => {
        const now = performance.now();
        if (now - last < 200 && p.step < p.totalSteps) return;
        last = now;
        hooks.onProgress?.({
          step: p.step,
          totalSteps: p.totalSteps,
          eta: p.eta,
          trainAccuracy: p.trainAccuracy,
          validationAccuracy: p.validationAccuracy,
        });
      },
    }),
  );
  writeTrialFile(tmpDir, 'curves.jsonl', out.curves.map((p) => JSON.stringify(p)).join('\n') + '\n');
  writeTrialFile(tmpDir, 'model.bin', out.model);
  const [test, testSeconds] = out.diverged
    ? [undefined, 0]
    : await timed(() =>
        engine.evaluate(out.model, data.test, { lambda: c.training.lambda, threads: provenance.threads }),
      );
  const result: TrainResult & JobRecord = {
    kind: 'train',
    id: trial.id,
    hash: trial.hash,
    status: out.diverged ? 'diverged' : 'ok',
    ...(out.diverged ? { message: out.diverged.message } : {}),
    final: { ...out.final, ...(test ? { test } : {}) },
    steps: out.steps,
    totalSteps: options.totalSteps,
    derived: trainingLength(c),
    seconds: (performance.now() - t0) / 1000,
    ...record(trainSeconds + testSeconds, from),
    fingerprint: out.fingerprint,
    kernel: out.kernel,
    kernelLevel: out.kernelLevel,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    ...provenance,
    blas: blasProvenance(),
  };
  writeTrialFile(tmpDir, 'result.json', JSON.stringify(result, null, 2) + '\n');
}
