// Which kernel will take a training run's first-layer products, known before the run: the rule
// native/train.cpp applies (on_pixels) with what the loaded engine says of this process
// (BlasStatus.kernels, the level chosen at load). The memory estimate counts the AMX buffers by it;
// the engine decides alone.
import { blas, type KernelLevel } from './native.ts';

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

/** What of the loaded engine decides it: AMX granted to this process, and the vector kernel used where AMX is not. */
export interface FirstLayerEngine {
  amxGranted: boolean;
  vectorKernel: string;
}

/**
 * The first-layer engine of a kernel level: the amx level is chosen only where the CPU has the tiles
 * and Linux grants them (native/dispatch.cpp; NNLAB_AMX=off chooses below it), and its float
 * products run on the avx512 vector kernels; generic runs them on BLAS (vector_kernel_name in
 * native/train.cpp).
 */
export function firstLayerEngine(level: KernelLevel = blas().kernels.level): FirstLayerEngine {
  const vectorKernel = level === 'amx' ? 'avx512' : level === 'generic' ? 'blas' : level;
  return { amxGranted: level === 'amx', vectorKernel };
}

/**
 * "amx-bf16x3" where the engine will run the first layer on AMX tiles: AMX compiled in and granted
 * to this process (the CPU has the tiles, Linux ≥ 5.16 grants them, NNLAB_AMX is not off), float32,
 * no augmentation, pixels given; otherwise the engine's vector kernel ("avx512" or "blas").
 */
export function firstLayerKernel(run: FirstLayerRun, engine: FirstLayerEngine = firstLayerEngine()): string {
  return engine.amxGranted && run.precision === 'float32' && !run.augment && run.pixels
    ? AMX_KERNEL
    : engine.vectorKernel;
}
