// The vector kernels (vector_kernels.h) on AVX-512. Compiled with -mavx512f -mavx512bw
// -mavx512dq -mavx512vl -mfma (binding.gyp's nnlab_avx512 target) and run only where dispatch.cpp
// found those features and the OS's saving of the zmm and mask state (XCR0).
#if defined(__x86_64__)
#include <immintrin.h>

#include "kernel_table.h"
#include "simd_avx512.h"
#include "vector_kernels.h"

namespace nnlab {

const VectorKernels* avx512_kernels() {
  static const VectorKernels table = {"avx512",
                                      dot_product<Avx512Float>,
                                      dot_product<Avx512Double>,
                                      outer_product<Avx512Float>,
                                      outer_product<Avx512Double>,
                                      gather_rows<Avx512Float>};
  return &table;
}

}  // namespace nnlab
#endif
