// Synthetic data for the engine tests: seeded, standardized-looking values; a learnable problem
// (each class a noisy copy of its own random prototype); 32×32×3 images whose class lies in where
// they are bright (for the augmentations); the networks the numerical checks run on; and a plain
// JavaScript forward pass of a saved model, independent of the engine, to read its layout back.
import type { Split, Model, NetworkSpec, KernelLevel } from '../../src/engine/index.ts';

import { firstLayerEngine } from '../../src/engine/first-layer.ts';
import { generator } from './synthetic.js';

export { generator };

/** TrainResult.kernel for float training at a kernel level (native/train.cpp's vector_kernel_name). */
export function firstLayerKernel(level: KernelLevel): string {
  return firstLayerEngine(level).vectorKernel;
}

/** n rows of d values of mean 0 and spread about 1, labels uniform over `classes`. */
export function randomData(n: number, d: number, classes: number, seed = 1): Split {
  const r = generator(seed);
  const x = new Float32Array(n * d);
  for (let i = 0; i < x.length; i++) x[i] = (r() + r() + r() - 1.5) * 2;
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.floor(r() * classes);
  return { x, y, n, d };
}

/**
 * Each class a prototype (the same for every seed, so splits made with different seeds share
 * them); a sample is its class's prototype plus noise of the given spread.
 */
export function learnableData(n: number, d: number, classes: number, noise: number, seed = 1): Split {
  const proto = randomData(classes, d, classes, 1000).x;
  const r = generator(seed);
  const x = new Float32Array(n * d);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    y[i] = c;
    for (let k = 0; k < d; k++) x[i * d + k] = proto[c * d + k] + noise * (r() + r() + r() - 1.5) * 2;
  }
  return { x, y, n, d };
}

/**
 * n channel-planar 32×32×3 images (CIFAR-10 layout, d = 3072) of two classes: noise of spread
 * about 1 everywhere plus `pattern(class, row, col)` (the same in each channel).
 */
export function images(n: number, pattern: (c: number, row: number, col: number) => number, seed: number): Split {
  const r = generator(seed);
  const d = 3072;
  const x = new Float32Array(n * d);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    y[i] = c;
    for (let ch = 0; ch < 3; ch++)
      for (let row = 0; row < 32; row++)
        for (let col = 0; col < 32; col++)
          x[i * d + ch * 1024 + row * 32 + col] = pattern(c, row, col) + (r() + r() + r() - 1.5) * 2;
  }
  return { x, y, n, d };
}

/** The networks the gradient check and the reference comparison run on, with the tensors each must list. */
export const checkedNets: { name: string; network: NetworkSpec; tensors: string[] }[] = [
  {
    name: '1-layer (assignment 1)',
    network: { sizes: [20, 10], batchNorm: false, init: { kind: 'normal', sigma: 0.01 } },
    tensors: ['W1', 'b1'],
  },
  {
    name: '2-layer',
    network: { sizes: [20, 50, 10], batchNorm: false, init: { kind: 'fan_in' } },
    tensors: ['W1', 'b1', 'W2', 'b2'],
  },
  {
    name: '2-layer BN',
    network: { sizes: [20, 50, 10], batchNorm: true, init: { kind: 'he' } },
    tensors: ['W1', 'gamma1', 'beta1', 'W2', 'b2'],
  },
  {
    name: '3-layer',
    network: { sizes: [20, 50, 50, 10], batchNorm: false, init: { kind: 'he' } },
    tensors: ['W1', 'b1', 'W2', 'b2', 'W3', 'b3'],
  },
  {
    name: '3-layer BN',
    network: { sizes: [20, 50, 50, 10], batchNorm: true, init: { kind: 'he' } },
    tensors: ['W1', 'gamma1', 'beta1', 'W2', 'gamma2', 'beta2', 'W3', 'b3'],
  },
  {
    name: '4-layer',
    network: { sizes: [20, 50, 30, 20, 10], batchNorm: false, init: { kind: 'he' } },
    tensors: ['W1', 'b1', 'W2', 'b2', 'W3', 'b3', 'W4', 'b4'],
  },
  {
    name: '4-layer BN',
    network: { sizes: [20, 50, 30, 20, 10], batchNorm: true, init: { kind: 'he' } },
    tensors: ['W1', 'gamma1', 'beta1', 'W2', 'gamma2', 'beta2', 'W3', 'gamma3', 'beta3', 'W4', 'b4'],
  },
  {
    name: '1-layer, SVM loss',
    network: { sizes: [20, 10], batchNorm: false, init: { kind: 'normal', sigma: 0.01 }, loss: 'svm' },
    tensors: ['W1', 'b1'],
  },
  {
    name: '3-layer BN, SVM loss',
    network: { sizes: [20, 50, 50, 10], batchNorm: true, init: { kind: 'he' }, loss: 'svm' },
    tensors: ['W1', 'gamma1', 'beta1', 'W2', 'gamma2', 'beta2', 'W3', 'b3'],
  },
];

/** Entries of a tensor named as the engine names them, in a network of the given sizes. */
export function tensorSize(sizes: number[], tensor: string): number {
  const [, kind, l] = /^([a-zA-Z]+)(\d+)$/.exec(tensor)!;
  return kind === 'W' ? sizes[Number(l)] * sizes[Number(l) - 1] : sizes[Number(l)];
}

/**
 * Mean loss and accuracy of a saved model on data, computed here in float64 from the model's
 * tensors as model_format.h documents them: W_l (H_l, I_l) row-major, BN with the running mean
 * and variance, ŝ = (s − μ)/√(v + 1e-5), then γŝ + β, then ReLU; cross-entropy or hinge loss.
 */
export function forwardInJs(model: Model, data: Split): { loss: number; accuracy: number } {
  const { sizes, tensors: t } = model;
  const L = sizes.length - 1;
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < data.n; i++) {
    let inp = Array.from(data.x.subarray(i * data.d, (i + 1) * data.d));
    for (let l = 1; l <= L; l++) {
      const [I, H] = [sizes[l - 1], sizes[l]];
      const W = t[`W${l}`];
      const bn = model.batchNorm && l < L;
      const out = new Array<number>(H);
      for (let o = 0; o < H; o++) {
        let s = bn ? 0 : t[`b${l}`][o];
        for (let k = 0; k < I; k++) s += W[o * I + k] * inp[k];
        if (bn) s = (t[`gamma${l}`][o] * (s - t[`mean${l}`][o])) / Math.sqrt(t[`var${l}`][o] + 1e-5) + t[`beta${l}`][o];
        out[o] = l < L ? Math.max(0, s) : s;
      }
      inp = out;
    }
    const yi = data.y[i];
    let arg = 0;
    for (let c = 1; c < inp.length; c++) if (inp[c] > inp[arg]) arg = c;
    if (arg === yi) correct++;
    if (model.loss === 'svm')
      for (let c = 0; c < inp.length; c++) loss += c === yi ? 0 : Math.max(0, inp[c] - inp[yi] + 1);
    else {
      const mx = inp[arg];
      loss += Math.log(inp.reduce((sum, s) => sum + Math.exp(s - mx), 0)) + mx - inp[yi];
    }
  }
  return { loss: loss / data.n, accuracy: correct / data.n };
}
