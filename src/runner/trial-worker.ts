// Child process that runs one trial: it receives a job over IPC, trains (or gradient-checks),
// writes the trial's files into the temporary folder it was given, and reports progress. The parent
// (executor.ts) commits the folder; a crash here costs only this trial.
import * as engine from '../engine/index.ts';
import { dataShape, trainingLength } from '../config/expand.ts';
import { prepareData, prepareGradientCheckData, trainOptions } from './prepare.ts';
import { blasProvenance } from './provenance.ts';
import type { Job, WorkerMessage } from './executor.ts';
import { writeTrialFile } from '../store/store.ts';
import type { GradientCheckResult, TrainResult } from '../store/types.ts';

const send = (m: WorkerMessage) => process.send?.(m);

async function runJob(job: Job, signal: AbortSignal): Promise<void> {
  const { trial, tmpDir, provenance } = job;
  const startedAt = new Date();
  const t0 = performance.now();
  writeTrialFile(tmpDir, 'config.json', JSON.stringify(trial.config, null, 2) + '\n');
  if (trial.kind === 'gradient_check') {
    const data = await prepareGradientCheckData(trial.config);
    const c = trial.config;
    const rows = await engine.gradientCheck(
      { network: { sizes: [c.dims, ...c.network.hidden, dataShape(c).classes], batchNorm: c.network.batch_norm, init: { kind: 'he' }, loss: c.loss }, lambda: c.lambda, seed: c.seed, h: c.h },
      data,
    );
    const result: GradientCheckResult = {
      kind: 'gradient_check',
      id: trial.id,
      hash: trial.hash,
      status: 'ok',
      rows,
      seconds: (performance.now() - t0) / 1000,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      ...provenance,
      blas: blasProvenance(),
    };
    writeTrialFile(tmpDir, 'result.json', JSON.stringify(result, null, 2) + '\n');
    return;
  }
  const c = trial.config;
  const data = await prepareData(c);
  const opts = trainOptions(c, data.train.d, data.classes.length, provenance.threads);
  let last = 0;
  const out = await engine.train(opts, data.train, data.validation, {
    signal,
    onProgress: (p) => {
      const now = performance.now();
      if (now - last < 200 && p.step < p.totalSteps) return;
      last = now;
      send({ type: 'progress', step: p.step, totalSteps: p.totalSteps, validationAccuracy: p.validationAccuracy });
    },
  });
  writeTrialFile(tmpDir, 'curves.jsonl', out.curves.map((p) => JSON.stringify(p)).join('\n') + '\n');
  writeTrialFile(tmpDir, 'model.bin', out.model);
  const test = out.diverged ? undefined : await engine.evaluate(out.model, data.test, { lambda: c.training.lambda, threads: provenance.threads });
  const result: TrainResult = {
    kind: 'train',
    id: trial.id,
    hash: trial.hash,
    status: out.diverged ? 'diverged' : 'ok',
    ...(out.diverged ? { message: out.diverged.message } : {}),
    final: { ...out.final, ...(test ? { test } : {}) },
    steps: out.steps,
    totalSteps: opts.totalSteps,
    derived: trainingLength(c),
    seconds: (performance.now() - t0) / 1000,
    fingerprint: out.fingerprint,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    ...provenance,
    blas: blasProvenance(),
  };
  writeTrialFile(tmpDir, 'result.json', JSON.stringify(result, null, 2) + '\n');
}

const controller = new AbortController();
// The parent going away (Ctrl-C, kill -9) closes the IPC channel: stop within one mini-batch.
process.on('disconnect', () => controller.abort());
process.on('SIGTERM', () => controller.abort());
process.once('message', (job: Job) => {
  runJob(job, controller.signal).then(
    () => {
      send({ type: 'done' });
      process.disconnect?.();
    },
    (err: Error) => {
      send({ type: 'error', message: err.message, stack: err.stack });
      process.exitCode = 1;
      process.disconnect?.();
    },
  );
});
