// The one file that loads the compiled addon (build/Release/nnlab.node) and gives it types.
// Everything else goes through src/engine/index.ts, which validates before calling in here.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { EngineError } from '../errors.ts';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface NativeSplit {
  x: Float32Array;
  y: Uint8Array;
  n: number;
  d: number;
}
export interface NativeMetrics {
  loss: number;
  cost: number;
  accuracy: number;
}
export interface NativeProgress {
  step: number;
  totalSteps: number;
  eta: number;
  trainAccuracy: number;
  validationAccuracy?: number;
}
export interface NativeTrainResult {
  model: Uint8Array;
  curves: { step: number; epoch: number; eta: number; train: NativeMetrics; validation?: NativeMetrics }[];
  steps: number;
  diverged: null | { step: number; message: string };
  final?: { train: NativeMetrics; validation?: NativeMetrics };
  fingerprint: string;
  seconds: number;
}
export interface NativeGradRow {
  tensor: string;
  maxRel: number;
  meanRel: number;
  maxAbs: number;
  count: number;
  kinks: number;
}

interface Addon {
  train(options: object, train: NativeSplit, validation: NativeSplit | null, onProgress?: (p: NativeProgress) => void): { promise: Promise<NativeTrainResult>; abort(): void };
  evaluate(model: Uint8Array, data: NativeSplit, lambda: number, threads: number): Promise<NativeMetrics>;
  gradientCheck(options: object, data: NativeSplit): Promise<NativeGradRow[]>;
  compareWithReference(options: object, data: NativeSplit): Promise<Record<string, number>>;
  sgemm(n: number, threads: number, repeats: number): number;
}

let addon: Addon | null = null;

/** The addon, loaded on first use, with a clear error where it has not been built. */
export function native(): Addon {
  if (addon) return addon;
  const file = join(repoRoot, 'build', 'Release', 'nnlab.node');
  if (!existsSync(file))
    throw new EngineError(`the native engine is not built (${file} is missing): run "npm run setup" (or "npm run build" once libopenblas-dev is installed)`, 'NOT_BUILT');
  addon = createRequire(import.meta.url)(file) as Addon;
  return addon;
}
