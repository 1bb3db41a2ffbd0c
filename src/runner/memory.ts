// Memory a trial needs before it starts (the engine's buffers, the data splits, the process around
// them) and the check that refuses, before any training, a trial the machine (or an executor's
// memory limit) cannot hold. The engine's own count is src/engine/memory.ts.
import { totalmem as osTotalmem } from 'node:os';
import { ConfigErrors } from '../errors.ts';
import { SOURCES } from '../data/index.ts';
import { splitSizes, type ResolvedExperiment, type TrialConfig } from '../config/resolve.ts';
import type { Trial } from '../config/expand.ts';
import { errorAt } from '../config/messages.ts';
import { engineBytes, formatBytes, type EngineBytes } from '../engine/memory.ts';
import { firstLayerKernel, type FirstLayerEngine } from '../engine/first-layer.ts';
import type { Path } from '../config/load.ts';

/**
 * A trial's process beyond its data and network: Node, tsx, the modules a trial loads, OpenBLAS's
 * buffers, garbage not yet collected. Measured peak RSS minus the counted parts was 124–166 MB on
 * five sizes of Fashion-MNIST trial; with 150 MB the estimate was −10 % … +4 % of the measured peak
 * (test/runner/memory.test.ts checks two sizes within 20 % and prints the figures).
 */
export const PROCESS_BYTES = 150e6;

export interface TrialMemory {
  engine: EngineBytes | null;
  /** The first layer's kernel the trial will run on ("amx-bf16x3", "avx512", "blas"); null for a gradient check. */
  kernel: string | null;
  /** Raw bytes read and the float32 splits made from them. */
  data: number;
  process: number;
  total: number;
}

function dataBytes(dataset: TrialConfig['dataset'], floatRows: number): number {
  const facts = SOURCES[dataset.source];
  const rows = (parts: string[] | undefined) => (parts ?? []).reduce((s, p) => s + (facts.parts[p] ?? 0), 0);
  // Every part read is held raw (one byte a value, one a label) while the float splits are made.
  const raw = (rows(dataset.train) + rows(dataset.validation.parts) + rows(dataset.test)) * (facts.d + 1);
  return raw + floatRows * facts.d * 4;
}

/**
 * What one trial needs at its peak, by part, on the engine `firstLayer` describes (by default this
 * process's: a trial trains in a worker with the same environment; a Slurm node of another CPU may
 * differ by the AMX buffers, a few MB).
 */
export function trialMemory(trial: Trial, firstLayer?: FirstLayerEngine): TrialMemory {
  if (trial.kind === 'gradient_check') {
    const c = trial.config;
    const data = dataBytes(c.dataset, c.samples);
    return { engine: null, kernel: null, data, process: PROCESS_BYTES, total: data + PROCESS_BYTES };
  }
  const c = trial.config;
  const sizes = splitSizes(c);
  const facts = SOURCES[c.dataset.source];
  const aug = c.training.augmentation;
  const augment = aug.noise > 0 || aug.flip || aug.translate > 0;
  // Every split the runner gives the engine carries its pixels through one map (prepare.ts).
  const kernel = firstLayerKernel({ precision: c.training.precision, augment, pixels: true }, firstLayer);
  const engine = engineBytes({
    sizes: [facts.d, ...c.model.hidden, facts.classes],
    batchNorm: c.model.batch_norm,
    dropout: c.model.dropout,
    precision: c.training.precision,
    momentum: c.training.momentum,
    batchSize: c.training.batch_size,
    trainRows: sizes.train,
    evaluatedRows: Math.max(sizes.train, sizes.validation),
    augment,
    kernel,
  });
  const data = dataBytes(c.dataset, sizes.train + sizes.validation + sizes.test);
  return { engine, kernel, data, process: PROCESS_BYTES, total: engine.total + data + PROCESS_BYTES };
}

/** The memory trials may use: the machine's (or the control group's, when smaller), or an executor's limit. */
export function memoryLimit(
  executorLimit?: number,
  what = "the executor's memory limit",
): { bytes: number; what: string } {
  if (executorLimit !== undefined) return { bytes: executorLimit, what };
  const machine = osTotalmem();
  // Node 20 gives 2^64 where no control group limits the process.
  const group = process.constrainedMemory?.() ?? 0;
  if (group > 0 && group < machine) return { bytes: group, what: "this process's control-group limit" };
  return { bytes: machine, what: "this machine's memory" };
}

/** "212 MB (parameters 12 MB, gradients …)": the figure and its largest parts. */
export function describeMemory(m: TrialMemory): string {
  const parts: [string, number][] = m.engine
    ? [
        ['parameters', m.engine.parameters],
        ['gradients', m.engine.gradients],
        ['momentum', m.engine.momentum],
        ['activations', m.engine.activations + m.engine.evaluation],
        ['first layer on AMX', m.engine.firstLayer],
        ['saved model and shuffle order', m.engine.other],
        ['data', m.data],
      ]
    : [['data', m.data]];
  return `${formatBytes(m.total)} (${parts
    .filter(([, b]) => b > 0)
    .map(([k, b]) => `${k} ${formatBytes(b)}`)
    .join(', ')})`;
}

/** The setting to point at: what makes most of the figure. */
function culprit(trial: Trial, m: TrialMemory, exp: ResolvedExperiment): Path {
  const key: Path =
    !m.engine || m.data > m.engine.total
      ? ['dataset']
      : m.engine.activations > m.engine.parameters
        ? ['training', 'batch_size']
        : ['model', 'hidden'];
  const dotted = key.join('.');
  if (trial.kind === 'train') {
    const variant = exp.variants.find((v) => v.name === trial.variant);
    if (variant && Object.keys(variant.set).some((k) => k === dotted || k.startsWith(dotted + '.'))) {
      return variant.path.at(-1) === 'matrix' ? variant.path : [...variant.path, 'set', dotted];
    }
  }
  return key;
}

/** Throws ConfigErrors naming the trials that need more than `limit`, with the figure, at the setting that makes them large. */
export function refuseOversized(exp: ResolvedExperiment, trials: Trial[], limit = memoryLimit()): void {
  // Trials with the same figure from the same setting (a search's values, say) share one message.
  const groups = new Map<string, { path: Path; figure: string; ids: string[] }>();
  for (const t of trials) {
    const m = trialMemory(t);
    if (m.total <= limit.bytes) continue;
    const path = culprit(t, m, exp);
    const figure = describeMemory(m);
    const key = JSON.stringify([path, figure]);
    if (!groups.has(key)) groups.set(key, { path, figure, ids: [] });
    groups.get(key)!.ids.push(t.id);
  }
  if (!groups.size) return;
  throw new ConfigErrors(
    [...groups.values()].map(({ path, figure, ids }) => {
      const who =
        ids.length === 1
          ? `trial ${ids[0]} needs about ${figure}`
          : `trials ${ids.join(', ')} need about ${figure} each`;
      return errorAt(
        exp.sources,
        path,
        `${who}, more than ${limit.what} (${formatBytes(limit.bytes)}); use fewer or narrower hidden layers, a smaller batch or fewer images`,
      );
    }),
  );
}
