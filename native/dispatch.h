// Which kernels this process runs: the instruction-set level, chosen once at load time from what
// the CPU has (CPUID), what the OS saves on a context switch (XGETBV's XCR0) and, for AMX, what
// Linux grants the process (arch_prctl), as OpenBLAS's DYNAMIC_ARCH and numpy's dispatch do.
// NNLAB_KERNELS=generic|avx2|avx512|amx forces a level; one the CPU lacks is refused, never run.
// The per-level kernels are in kernels_avx2.cpp, kernels_avx512.cpp and amx.cpp; this file and
// every other one are built for the baseline x86-64 (binding.gyp).
#pragma once
#include <string>
#include <vector>

#include "kernel_table.h"

namespace nnlab {

// In order: each level runs everything the ones before it do.
enum class KernelLevel { Generic, Avx2, Avx512, Amx };
constexpr int kKernelLevels = 4;

const char* level_name(KernelLevel level);  // "generic", "avx2", "avx512", "amx"

struct LevelSupport {
  KernelLevel level;
  bool supported;
  std::string lacks;  // what the CPU or OS lacks for it, e.g. "avx512f avx512bw"; empty if supported
};

struct KernelChoice {
  KernelLevel level = KernelLevel::Generic;  // in use
  KernelLevel best = KernelLevel::Generic;   // the best this CPU and OS support
  std::string forced;                        // NNLAB_KERNELS's value ("" when unset)
  bool amx_off = false;                      // NNLAB_AMX=off (or 0): at most avx512
  std::string refusal;               // non-empty: the one-line reason nothing may run (a forced level the CPU lacks)
  std::vector<LevelSupport> levels;  // generic … amx
  const VectorKernels* vector = nullptr;  // the first layer's float kernels; null: BLAS (generic)
  bool amx = false;                       // the first layer on pixels may run on AMX tiles (amx.h)
};

// The choice, made on the first call (the addon's load) and kept for the process.
const KernelChoice& kernel_choice();

// The first layer's float kernels in use, or null at the generic level (BLAS).
inline const VectorKernels* vector_kernels() { return kernel_choice().vector; }

}  // namespace nnlab
