// What a stored trial holds: the result a worker writes (with the provenance of how it was made),
// and the verified view of a trial that readers get from the store. Computing results is the
// worker's business; reading and writing them, store.ts's.
import type { CurvePoint, GradCheckRow, Metrics } from '../engine/index.ts';
import type { Plan, TrainingLength } from '../config/expand.ts';

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
  derived: TrainingLength;
  seconds: number;
  fingerprint: string;
  /** What took the first layer's products (TrainResult.kernel of the engine); absent in older trials. */
  kernel?: string;
  /** The kernel level the engine ran at (TrainResult.kernelLevel); absent in older trials. */
  kernelLevel?: string;
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

/** A committed trial whose every file matched its manifest when read. */
export interface StoredTrial {
  dir: string;
  result: StoredResult;
  config: unknown;
  curves(): CurvePoint[];
  /** The model's bytes, checked against the manifest again (null for a gradient check). */
  model(): Uint8Array | null;
}

/** A trial as readers name it: its id for messages, its hash for the folder. */
export interface TrialRef {
  id: string;
  hash: string;
}

/** The plan written beside the trials: what the last run planned, for reports and diffs. */
export interface StoredPlan {
  experiment: string;
  configHash: string;
  engineVersion: string;
  dataFingerprint: string;
  data: string;
  stages: Plan['stages'];
  trials: TrialRef[];
  pending: Plan['pending'];
}
