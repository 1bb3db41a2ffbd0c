// Types of synthetic.js.
import type { RawSplit } from '../../src/data/index.ts';

/** A seeded generator of uniform values in [0, 1) (mulberry32). */
export function generator(seed: number): () => number;

/** n images of d pixels in 0 … 255: a prototype per class plus noise, clipped. */
export function rawPixels(n: number, d: number, classes: number, seed: number): RawSplit;
