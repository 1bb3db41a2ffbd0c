// Synthetic data for the engine tests: seeded, standardized-looking values, and a learnable
// problem (each class a noisy copy of its own random prototype).
import type { Dataset } from '../../src/engine/index.ts';

export function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n rows of d values of mean 0 and spread about 1, labels uniform over `classes`. */
export function randomData(n: number, d: number, classes: number, seed = 1): Dataset {
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
export function learnableData(n: number, d: number, classes: number, noise: number, seed = 1): Dataset {
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
