// A small stored run for the report tests: a tiny experiment (two variants, an LR range test, a
// 3-trial grid search, the final retraining and a gradient check), planned with fixed engine version
// and data fingerprint, and plausible results written into a run store in a temporary folder.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { resolveExperiment } from '../../src/config/resolve.ts';
import { planTrials, trainingLength, type Trial, type TrainTrial } from '../../src/config/expand.ts';
import { RunStore, type StoredResult } from '../../src/store/store.ts';
import { bestOfStage } from '../../src/store/rank.ts';
import { encodeModel, readModel } from '../../src/engine/model.ts';

export const ENGINE = 'test-engine-1';
export const DATA = 'fp0123456789abcd';
export const DATA_LINE = 'CIFAR-10 (JPEG q75 copy, archive md5 2e508a…)';

export const HOSTILE = 'Tiny | <script>alert(1)</script> *bold* _it_';

export const YAML = `name: tiny
title: "A tiny report"
description: "${HOSTILE}"
seed: 1
dataset:
  source: cifar10
  train: [data_batch_1]
  validation: { parts: [data_batch_2] }
  test: [test_batch]
model: { hidden: [], init: normal, init_sigma: 0.01 }
training: { batch_size: 100, lambda: 0, epochs: 2 }
schedule: { kind: constant, eta: 0.01 }
record: { per_epoch: 2, subset: 0 }
gradient_check:
  networks:
    - { hidden: [] }
  samples: 2
  dims: 20
  lambda: 0.1
variants:
  - { group: settings, name: plain, description: "no regularization", set: { training.lambda: 0 } }
  - { group: settings, name: reg, description: "with λ | 0.1", set: { training.lambda: 0.1 } }
  - group: lr
    name: range
    description: LR range test
    set: { schedule: { kind: lr_range, eta_min: 1.0e-4, eta_max: 0.2 }, training.epochs: 1, record.per_epoch: 20 }
searches:
  - { name: coarse, variant: plain, kind: grid, param: training.lambda, distribution: log_uniform, range: [1.0e-4, 1.0e-2], trials: 3 }
final: { from: coarse, set: { training.epochs: 3 } }
report: { kind: generic, weights: true }
`;

/** Final accuracies per trial id: [train, validation, test]. */
const ACC: Record<string, [number, number, number]> = {
  'variant/plain': [0.45, 0.39, 0.3881],
  'variant/reg': [0.41, 0.385, 0.3902],
  'variant/range': [0.3, 0.28, 0.27],
  'search/coarse/01': [0.44, 0.3812, 0.3799],
  'search/coarse/02': [0.43, 0.3934, 0.3921],
  'search/coarse/03': [0.42, 0.3876, 0.3855],
  final: [0.47, 0.4011, 0.3987],
};

function metrics(acc: number, lambda: number) {
  const loss = Number((2.3 - 2.2 * acc).toFixed(6));
  return { loss, cost: Number((loss + lambda * 3).toFixed(6)), accuracy: acc };
}

function provenance(i: number) {
  return {
    engineVersion: ENGINE,
    codeVersion: '0.1.0+abcdef012345',
    dataFingerprint: DATA,
    data: DATA_LINE,
    machine: { cpu: 'Test CPU @ 2.0GHz', cores: 2, os: 'Linux 6.1', node: 'v20.20.0' },
    threads: 1,
    // Every other trial as stored before the BLAS was recorded.
    ...(i % 2
      ? {}
      : {
          blas: {
            library: '/usr/lib/libopenblas.so.0',
            version: '0.3.21',
            core: 'Cooperlake',
            reason: 'chosen by nnlab: AVX-512 with BF16',
          },
        }),
    startedAt: `2025-01-0${1 + (i % 3)}T10:00:0${i % 10}.000Z`,
    finishedAt: `2025-01-0${1 + (i % 3)}T10:05:0${i % 10}.000Z`,
  };
}

function curves(t: TrainTrial, final: [number, number, number]): string {
  const L = trainingLength(t.config);
  const lines: string[] = [];
  for (let step = 0; step <= L.totalSteps; step += L.recordEvery) {
    const f = step / L.totalSteps;
    const s = t.config.schedule;
    const phase = L.stepSize ? (step % (2 * L.stepSize)) / L.stepSize : 0;
    const eta =
      s.kind === 'lr_range'
        ? s.eta_min + f * (s.eta_max - s.eta_min)
        : s.kind === 'cyclic'
          ? s.eta_min + (phase <= 1 ? phase : 2 - phase) * (s.eta_max - s.eta_min)
          : s.eta;
    // The LR range test: accuracy rises, peaks at 60% of the run, then falls.
    const shape = s.kind === 'lr_range' ? Math.max(0, 1 - ((f - 0.6) / 0.6) ** 2) : 1 - Math.exp(-4 * f);
    const tr = 0.1 + (final[0] - 0.1) * shape;
    const va = 0.1 + (final[1] - 0.1) * shape;
    const point = {
      step,
      epoch: Number((step / L.stepsPerEpoch).toFixed(6)),
      eta: Number(eta.toPrecision(6)),
      train: metrics(Number(tr.toFixed(6)), t.config.training.lambda),
      validation: metrics(Number(va.toFixed(6)), t.config.training.lambda),
    };
    lines.push(JSON.stringify(point));
  }
  return lines.join('\n') + '\n';
}

/** A model.bin in the engine's NNLB format: a one-layer net whose W1 (10 × 3072) is a smooth pattern. */
function modelBytes(seed: number): Uint8Array {
  const W = new Float32Array(10 * 3072);
  for (let i = 0; i < W.length; i++) W[i] = Math.sin(i * 0.37 + seed) * 0.01;
  return encodeModel({
    sizes: [3072, 10],
    batchNorm: false,
    loss: 'cross_entropy',
    bnAlpha: 0.9,
    precision: 'float32',
    tensors: { W1: W, b1: new Float32Array(10) },
  });
}

/** The engine's own reader: the fixture's models are real NNLB files. */
export { readModel };

export interface Fixture {
  dir: string;
  file: string;
  runs: string;
  out: string;
  trials: Trial[];
  store: RunStore;
}

/** Writes the experiment and its stored runs; `skip` lists trial ids to leave out (not run yet). */
export function makeFixture(opts: { skip?: string[]; stored?: boolean; source?: string } = {}): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'nnlab-report-'));
  mkdirSync(join(dir, 'experiments'));
  const file = join(dir, 'experiments', opts.source ? basename(opts.source) : 'tiny.yaml');
  writeFileSync(file, opts.source ? readFileSync(opts.source, 'utf8') : YAML);
  const runs = join(dir, 'runs');
  const out = join(dir, 'reports');
  const exp = resolveExperiment(file);
  const store = new RunStore(runs, exp.name);
  const fx: Fixture = { dir, file, runs, out, trials: [], store };
  if (opts.stored === false) return fx;
  const write = (t: Trial, i: number) => {
    if (opts.skip?.includes(t.id)) return;
    const tmp = store.begin(t.hash);
    writeFileSync(join(tmp, 'config.json'), JSON.stringify(t.config, null, 2));
    let result: StoredResult;
    if (t.kind === 'gradient_check') {
      result = {
        kind: 'gradient_check',
        id: t.id,
        hash: t.hash,
        status: 'ok',
        rows: opts.source
          ? Array.from({ length: t.config.network.hidden.length + 1 }, (_, l) => [
              `W${l + 1}`,
              `b${l + 1}`,
              ...(t.config.network.batch_norm && l < t.config.network.hidden.length
                ? [`gamma${l + 1}`, `beta${l + 1}`]
                : []),
            ])
              .flat()
              .map((tensor, k) => ({
                tensor,
                maxRel: (1 + k) * 1.1e-7,
                meanRel: (1 + k) * 2e-8,
                maxAbs: (1 + k) * 3e-10,
              }))
          : [
              { tensor: 'W1', maxRel: 3.2e-7, meanRel: 4.5e-8, maxAbs: 1.1e-9 },
              { tensor: 'b1', maxRel: 1.25e-7, meanRel: 2e-8, maxAbs: 6e-10 },
            ],
        seconds: 0.42,
        ...provenance(i),
      };
    } else {
      const u = (k: number) => parseInt(t.hash.slice(k, k + 4), 16) / 65535;
      const acc =
        (!opts.source && ACC[t.id]) ||
        ([0.35 + 0.2 * u(0), 0.3 + 0.2 * u(4), 0.3 + 0.2 * u(4) - 0.01 * u(8)].map((x) => Number(x.toFixed(4))) as [
          number,
          number,
          number,
        ]);
      const L = trainingLength(t.config);
      const lambda = t.config.training.lambda;
      result = {
        kind: 'train',
        id: t.id,
        hash: t.hash,
        status: 'ok',
        final: { train: metrics(acc[0], lambda), validation: metrics(acc[1], lambda), test: metrics(acc[2], lambda) },
        steps: L.totalSteps,
        totalSteps: L.totalSteps,
        derived: L,
        seconds: 1.5 + i,
        fingerprint: `f${i}`,
        ...provenance(i),
      };
      writeFileSync(join(tmp, 'curves.jsonl'), curves(t, acc));
      writeFileSync(join(tmp, 'model.bin'), modelBytes(i));
    }
    writeFileSync(join(tmp, 'result.json'), JSON.stringify(result, null, 2));
    store.commit(tmp, t.hash);
  };
  // Plan in waves as the runner does: the final is planned once the search has results.
  const ctx = { engineVersion: ENGINE, dataFingerprint: DATA, bestOf: bestOfStage(store) };
  let plan = planTrials(exp, ctx);
  plan.trials.forEach(write);
  const written = new Set(plan.trials.map((t) => t.hash));
  for (let wave = 0; wave < 4; wave++) {
    plan = planTrials(exp, ctx);
    plan.trials
      .filter((t) => !written.has(t.hash))
      .forEach((t, i) => {
        written.add(t.hash);
        write(t, 20 + 10 * wave + i);
      });
  }
  fx.trials = plan.trials;
  store.writePlan({
    experiment: exp.name,
    configHash: 'x',
    engineVersion: ENGINE,
    dataFingerprint: DATA,
    data: DATA_LINE,
    stages: plan.stages,
    trials: plan.trials.map((t) => ({ id: t.id, hash: t.hash })),
    pending: plan.pending,
  });
  return fx;
}
