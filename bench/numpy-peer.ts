// The numpy peer of the engine benchmark: finds the python3 on the PATH and its numpy, and runs
// bench/numpy_step.py in a child process, to time the same step or to take one step from given
// parameters (the test that checks the peer computes what the engine computes).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Split, Precision } from '../src/engine/index.ts';

export const NUMPY_STEP = fileURLToPath(new URL('numpy_step.py', import.meta.url));
const PYTHON = 'python3';

export type NumpyFound = { found: true; python: string; numpy: string } | { found: false; reason: string };

/** python3 and its numpy, or why the peer cannot run (shown in the bench's output). */
export function findNumpy(): NumpyFound {
  const r = spawnSync(PYTHON, ['-c', 'import sys, numpy; print(sys.version.split()[0], numpy.__version__)'], {
    encoding: 'utf8',
  });
  if (r.error) return { found: false, reason: `${PYTHON} not found on the PATH` };
  if (r.status !== 0) {
    const last = r.stderr.trim().split('\n').pop() ?? '';
    return {
      found: false,
      reason: `${PYTHON} cannot import numpy (${last}); install it with: ${PYTHON} -m pip install numpy`,
    };
  }
  const [python, numpy] = r.stdout.trim().split(' ');
  return { found: true, python, numpy };
}

export interface NumpyTiming {
  peer: 'numpy';
  numpy: string;
  /** numpy's BLAS as loaded (OpenBLAS's own configuration string), and the kernel core it chose. */
  blas: string;
  blas_core: string | null;
  precision: Precision;
  threads: number;
  steps: number;
  repeats: number;
  ms_per_step: number;
}

export interface NumpyConfig {
  shape: number[];
  batchNorm: boolean;
  precision: Precision;
  threads: number;
  batch: number;
  lambda: number;
  schedule: { etaMin: number; etaMax: number; stepSize: number };
  steps: number;
  repeats: number;
}

function python(args: string[], input?: string): string {
  const r = spawnSync(PYTHON, [NUMPY_STEP, ...args], { encoding: 'utf8', input, maxBuffer: 1 << 28 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${NUMPY_STEP} ${args[0] ?? ''} failed (exit ${r.status}):\n${r.stderr}`);
  return r.stdout;
}

/** Times numpy's step on `data` (written to a temporary folder for the child to read). */
export function timeNumpyStep(c: NumpyConfig, data: Split): NumpyTiming {
  const dir = mkdtempSync(join(tmpdir(), 'nnlab-numpy-'));
  try {
    const x = join(dir, 'x.f32');
    const y = join(dir, 'y.u8');
    writeFileSync(x, new Uint8Array(data.x.buffer, data.x.byteOffset, data.x.byteLength));
    writeFileSync(y, data.y);
    const config = {
      shape: c.shape,
      batch_norm: c.batchNorm,
      precision: c.precision,
      threads: c.threads,
      batch: c.batch,
      lambda: c.lambda,
      schedule: c.schedule,
      steps: c.steps,
      repeats: c.repeats,
      x,
      y,
      n: data.n,
      d: data.d,
    };
    return JSON.parse(python([JSON.stringify(config)])) as NumpyTiming;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One float64 SGD step of numpy's code from `params` on the batch x, y; tensors as the engine names them. */
export function numpyOneStep(request: {
  sizes: number[];
  batch_norm: boolean;
  params: Record<string, number[]>;
  x: number[];
  y: number[];
  lambda: number;
  eta: number;
}): { loss: number; tensors: Record<string, number[]> } {
  return JSON.parse(python(['--step'], JSON.stringify(request)));
}

/** The script's own finite-difference check of its gradients: exit status and output. */
export function numpySelfTest(): { ok: boolean; output: string } {
  const r = spawnSync(PYTHON, [NUMPY_STEP, '--self-test'], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}
