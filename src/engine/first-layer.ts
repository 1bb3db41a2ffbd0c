// Which kernel will take a training run's first-layer products, known before the run: the rule
// native/train.cpp applies (on_pixels) with what the loaded engine says of this process
// (BlasStatus.firstLayer). The memory estimate counts the AMX buffers by it; the engine decides alone.
import { blas, type BlasStatus } from './native.ts';

/** TrainResult.kernel of the first layer on AMX tiles (native/amx.h). */
export const AMX_KERNEL = 'amx-bf16x3';

/** What of a run decides its first-layer kernel. */
export interface FirstLayerRun {
  precision: 'float32' | 'float64';
  /** Any augmentation (noise, flip, translate): the floats then differ from the pixels. */
  augment: boolean;
  /** The splits carry their pixels through one map (has_pixels, same_pixels_map in native/train.cpp); the runner's always do. */
  pixels: boolean;
}

/**
 * "amx-bf16x3" where the engine will run the first layer on AMX tiles: AMX compiled in and granted
 * to this process (the CPU has the tiles, Linux ≥ 5.16 grants them, NNLAB_AMX is not off), float32,
 * no augmentation, pixels given; otherwise the engine's vector kernel ("avx512" or "blas").
 */
export function firstLayerKernel(run: FirstLayerRun, engine: BlasStatus['firstLayer'] = blas().firstLayer): string {
  return engine.amxGranted && run.precision === 'float32' && !run.augment && run.pixels
    ? AMX_KERNEL
    : engine.vectorKernel;
}
