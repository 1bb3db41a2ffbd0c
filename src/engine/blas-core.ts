// Which OpenBLAS kernels (its "core") the engine runs on this CPU: decided from the CPU's features
// before the library loads (OpenBLAS reads OPENBLAS_CORETYPE once, at load), and the check after
// loading that no generic kernels run on a CPU that supports better. Loading itself is native.ts's.
import { readFileSync } from 'node:fs';

/** What /proc/cpuinfo says about the first processor; null where it says nothing. */
export interface CpuDescription {
  /** process.arch: 'x64', 'arm64', … */
  arch: string;
  vendor: string | null;
  family: number | null;
  model: number | null;
  modelName: string | null;
  flags: string[];
}

/** Whether the CPU has what native/amx.h uses: AMX tiles with bfloat16, and AVX-512 BF16. */
export function hasAmxTiles(cpu: CpuDescription): boolean {
  return ['amx_tile', 'amx_bf16', 'avx512_bf16'].every((f) => cpu.flags.includes(f));
}

export interface BlasCoreChoice {
  /** The OPENBLAS_CORETYPE to load with; null leaves the choice to OpenBLAS's own detection. */
  core: string | null;
  /** Who chose: the user (OPENBLAS_CORETYPE was set), nnlab (from the CPU's features), or OpenBLAS. */
  by: 'user' | 'nnlab' | 'openblas';
  reason: string;
}

// Debian's OpenBLAS 0.3.21 (DYNAMIC_ARCH) holds kernels for every x86-64 core of
// driver/others/dynamic.c; nnlab chooses only among these five, all checked by name on that build.
// Its own detection goes wrong on processors newer than its tables: an Intel family 6, model 207
// (AVX-512) falls through its model switch to the generic Prescott kernels, 4.5× slower.
// COOPERLAKE where the CPU has AVX-512 BF16 is what OpenBLAS itself picks on the models it knows
// (Sapphire Rapids, Zen 4), so those hosts and the unknown ones run the same kernels, with the same
// sgemm blocking and so the same last bits; SKYLAKEX blocks sgemm differently (P 448, Q 448 vs 640, 320).
// (0.3.21's force_coretype stops its name search one entry short of "Cooperlake", then falls back
// to its feature test, which picks Cooperlake exactly when AVX-512 BF16 is there; 0.3.22+ find the name.)
const AVX512 = ['avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl'];

/** Cores whose kernels predate AVX: generic or old. A CPU with AVX running one of these is slowed down. */
export const GENERIC_CORES = new Set(
  [
    'Unknown',
    'Katmai',
    'Coppermine',
    'Northwood',
    'Prescott',
    'Banias',
    'Atom',
    'Core2',
    'Penryn',
    'Dunnington',
    'Nehalem',
    'Athlon',
    'Opteron',
    'Opteron_SSE3',
    'Barcelona',
    'Nano',
    'Bobcat',
  ].map((c) => c.toLowerCase()),
);

/** The best core this CPU supports, from its features alone; null where OpenBLAS's detection is better placed. */
export function bestCore(cpu: CpuDescription): { core: string | null; reason: string } {
  if (cpu.arch !== 'x64')
    return { core: null, reason: `not an x86-64 processor (${cpu.arch}): OpenBLAS's own detection` };
  if (cpu.flags.length === 0)
    return {
      core: null,
      reason: "the CPU's features are unknown (no flags in /proc/cpuinfo): OpenBLAS's own detection",
    };
  const has = (f: string) => cpu.flags.includes(f);
  const amd = cpu.vendor === 'AuthenticAMD' || cpu.vendor === 'HygonGenuine';
  if (AVX512.every(has)) {
    if (has('avx512_bf16')) return { core: 'COOPERLAKE', reason: 'AVX-512 with BF16' };
    return { core: 'SKYLAKEX', reason: 'AVX-512' };
  }
  if (amd && (cpu.family ?? 0) < 0x17)
    return { core: null, reason: "an AMD processor before Zen: OpenBLAS's own detection knows these" };
  if (has('avx2') && has('fma'))
    return amd ? { core: 'ZEN', reason: 'AMD Zen (AVX2, FMA)' } : { core: 'HASWELL', reason: 'AVX2 and FMA' };
  if (has('avx')) return { core: 'SANDYBRIDGE', reason: 'AVX without AVX2' };
  return { core: null, reason: "no AVX: OpenBLAS's own detection knows these older processors" };
}

/** The core to load with: a user's OPENBLAS_CORETYPE if set, else the best the CPU supports. */
export function chooseBlasCore(cpu: CpuDescription, userCore: string | undefined): BlasCoreChoice {
  if (userCore) return { core: userCore, by: 'user', reason: `OPENBLAS_CORETYPE=${userCore} was set` };
  const best = bestCore(cpu);
  return best.core
    ? { core: best.core, by: 'nnlab', reason: `chosen by nnlab: ${best.reason}` }
    : { core: null, by: 'openblas', reason: best.reason };
}

/** Generic kernels on a CPU that supports better: the better core and the fix; null when all is well. */
export function genericCoreProblem(
  inUse: string,
  cpu: CpuDescription,
  choice: BlasCoreChoice,
): { best: string; reason: string; fix: string } | null {
  const best = bestCore(cpu);
  if (!best.core || !GENERIC_CORES.has(inUse.toLowerCase())) return null;
  const fix =
    choice.by === 'user'
      ? `unset OPENBLAS_CORETYPE (now ${choice.core}) so that nnlab chooses ${best.core}, or set OPENBLAS_CORETYPE=${best.core}`
      : `this OpenBLAS ignored OPENBLAS_CORETYPE=${best.core}; install one built with DYNAMIC_ARCH (Debian: libopenblas0-pthread) or for this CPU, and check with "nnlab doctor"`;
  return { best: best.core, reason: best.reason, fix };
}

/** The one-line warning native.ts prints (once a process) for generic kernels, or null. */
export function genericCoreWarning(inUse: string, cpu: CpuDescription, choice: BlasCoreChoice): string | null {
  const p = genericCoreProblem(inUse, cpu, choice);
  return (
    p &&
    `nnlab: OpenBLAS runs its generic "${inUse}" kernels on a CPU that supports ${p.best} (${p.reason}): matrix products run several times slower. Fix: ${p.fix}.`
  );
}

/** The fields of /proc/cpuinfo's first processor block. */
export function parseCpuinfo(text: string, arch: string): CpuDescription {
  const first = text.split(/\n\s*\n/)[0] ?? '';
  const field = (name: string) => first.match(new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm'))?.[1]?.trim() ?? null;
  const int = (s: string | null) => (s !== null && /^\d+$/.test(s) ? Number(s) : null);
  return {
    arch,
    vendor: field('vendor_id'),
    family: int(field('cpu family')),
    model: int(field('model')),
    modelName: field('model name'),
    flags: (field('flags') ?? '').split(/\s+/).filter(Boolean),
  };
}

/** This machine's CPU; no flags where /proc/cpuinfo cannot be read (not Linux). */
export function readCpu(): CpuDescription {
  let text = '';
  try {
    text = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    // Not Linux: leave the choice to OpenBLAS.
  }
  return parseCpuinfo(text, process.arch);
}
