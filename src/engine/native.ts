// The one file that loads the compiled addon (build/Release/nnlab.node) and gives it types.
// Everything else goes through src/engine/index.ts, which validates before calling in here.
// Loading sets OpenBLAS's core first (blas-core.ts), in every process that loads it, workers included.
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { EngineError, UsageError } from '../errors.ts';
import { chooseBlasCore, genericCoreWarning, readCpu, type BlasCoreChoice, type CpuDescription } from './blas-core.ts';
import type {
  CompleteGradientCheckOptions,
  CompleteTrainOptions,
  GradCheckRow,
  Metrics,
  Split,
  TrainProgress,
  TrainResult,
} from './types.ts';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** gradientCheck's rows as the addon returns them (index.ts keeps the public fields). */
type NativeGradRow = Required<GradCheckRow>;
/** The addon's result; index.ts fills `final` in from the last curve point when the run diverged. */
type NativeTrainResult = Omit<TrainResult, 'final'> & { final?: TrainResult['final'] };

// The addon's calls (native/addon.cpp). Options arrive complete (src/engine/defaults.ts): the addon
// has no defaults and rejects a missing field with a TypeError naming it.
interface Addon {
  train(
    options: CompleteTrainOptions,
    train: Split,
    validation: Split | null,
    onProgress?: (p: TrainProgress) => void,
  ): { promise: Promise<NativeTrainResult>; abort(): void };
  evaluate(model: Uint8Array, data: Split, lambda: number, threads: number): Promise<Metrics>;
  gradientCheck(options: CompleteGradientCheckOptions, data: Split): Promise<NativeGradRow[]>;
  compareWithReference(
    options: Pick<CompleteGradientCheckOptions, 'network' | 'lambda' | 'seed'>,
    data: Split,
  ): Promise<Record<string, number>>;
  sgemm(n: number, threads: number, repeats: number): number;
  blasInfo(): {
    corename: string;
    config: string;
    headerVersion: string;
    threads: number;
  };
  kernelInfo(): KernelStatus;
}

/** The kernel levels, in order: each runs everything the ones before it do (native/dispatch.h). */
export const KERNEL_LEVELS = ['generic', 'avx2', 'avx512', 'amx'] as const;
export type KernelLevel = (typeof KERNEL_LEVELS)[number];

/**
 * The kernel level this process runs (native/dispatch.cpp), chosen once at load from CPUID, the
 * register state the OS saves (XGETBV) and, for AMX, Linux's grant; NNLAB_KERNELS forces one and
 * NNLAB_AMX=off stops below amx.
 */
export interface KernelStatus {
  level: KernelLevel;
  /** The best level this CPU and OS support. */
  best: KernelLevel;
  /** NNLAB_KERNELS as given ("" when unset). */
  forced: string;
  amxOff: boolean;
  /** Non-empty: the one-line reason nothing may run (NNLAB_KERNELS asked for what the CPU lacks). */
  refusal: string;
  /** Every level, and what the CPU or OS lacks for those it cannot run. */
  levels: { name: KernelLevel; supported: boolean; lacks: string }[];
}

/** The BLAS this process runs: the library, the core in use, and how it was chosen. */
export interface BlasStatus {
  /** The shared library's file, from /proc/self/maps; null where that cannot be read. */
  library: string | null;
  /** From openblas_get_config(), e.g. "0.3.21". */
  version: string;
  config: string;
  /** The cblas.h version the addon was compiled with. */
  headerVersion: string;
  /** openblas_get_corename(): the kernels in use, e.g. "SkylakeX". */
  core: string;
  choice: BlasCoreChoice;
  cpu: CpuDescription;
  /** The kernel level in use (native/dispatch.h) and what each level needs. */
  kernels: KernelStatus;
}

let addon: Addon | null = null;
let blasStatus: BlasStatus | null = null;

/**
 * The addon, loaded on first use, with a clear error where it has not been built; refused (one
 * line, a UsageError) where NNLAB_KERNELS asks for a level this CPU lacks or is not a level.
 */
export function native(): Addon {
  const a = load();
  const refusal = blasStatus!.kernels.refusal;
  if (refusal) throw new UsageError(refusal);
  return a;
}

/** Loads the addon once (and reads what it runs on), without judging the kernel level. */
function load(): Addon {
  if (addon) return addon;
  const file = join(repoRoot, 'build', 'Release', 'nnlab.node');
  if (!existsSync(file))
    throw new EngineError(
      `the native engine is not built (${file} is missing): run "npm run setup" (or "npm run build" once libopenblas-dev is installed)`,
      'NOT_BUILT',
    );
  // OpenBLAS reads OPENBLAS_CORETYPE once, when the library loads with the addon; process.env
  // writes the real environment (setenv). It is restored afterwards, so child processes see only the
  // user's setting and decide for themselves, as this one did.
  const cpu = readCpu();
  const userCore = process.env.OPENBLAS_CORETYPE;
  const choice = chooseBlasCore(cpu, userCore || undefined);
  if (choice.by === 'nnlab') process.env.OPENBLAS_CORETYPE = choice.core!;
  try {
    addon = createRequire(import.meta.url)(file) as Addon;
  } finally {
    if (userCore === undefined) delete process.env.OPENBLAS_CORETYPE;
    else process.env.OPENBLAS_CORETYPE = userCore;
  }
  const info = addon.blasInfo();
  blasStatus = {
    library: loadedLibrary(/openblas/i),
    version: info.config.match(/OpenBLAS\s+(\S+)/)?.[1] ?? 'unknown',
    config: info.config.trim(),
    headerVersion: info.headerVersion.trim().replace(/^OpenBLAS\s+/, ''),
    core: info.corename,
    choice,
    cpu,
    kernels: addon.kernelInfo(),
  };
  const warning = genericCoreWarning(info.corename, cpu, choice);
  if (warning) process.stderr.write(warning + '\n');
  return addon;
}

/**
 * The BLAS and the kernel level this process runs (loads the addon, which warns once about generic
 * kernels). Does not refuse a forced level the CPU lacks: `kernels.refusal` says so (nnlab doctor).
 */
export function blas(): BlasStatus {
  load();
  return blasStatus!;
}

/** The path of the first mapped shared library matching `pattern`, or null (not Linux). */
function loadedLibrary(pattern: RegExp): string | null {
  try {
    const line = readFileSync('/proc/self/maps', 'utf8')
      .split('\n')
      .find((l) => pattern.test(l.split(/\s+/)[5] ?? ''));
    return line?.split(/\s+/)[5] ?? null;
  } catch {
    return null;
  }
}
