// The vector kernels (vector_kernels.h) on AVX2 + FMA: 8 floats or 4 doubles a vector, 16 vector
// registers. Compiled with -mavx2 -mfma (binding.gyp's nnlab_avx2 target) and run only where
// dispatch.cpp found AVX2, FMA and the OS's saving of the ymm state (XCR0).
#if defined(__x86_64__)
#include <immintrin.h>

#include "kernel_table.h"

namespace nnlab {
namespace {

// A mask of the first n lanes (n ≥ lanes: all) for maskload/maskstore: lane j is on when j < n.
inline __m256i first_lanes32(long n) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(int(n < 8 ? n : 8)), lane);
}
inline __m256i first_lanes64(long n) {
  const __m256i lane = _mm256_setr_epi64x(0, 1, 2, 3);
  return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n < 4 ? n : 4), lane);
}

struct Avx2Float {
  using T = float;
  using V = __m256;
  using Mask = __m256i;
  static constexpr int lanes = 8;
  // 3 rows × 4 outputs: 12 accumulators + 3 + 1 operands; 4 rows × 3 vectors: 12 + 3 + 1.
  static constexpr int kDotRows = 3, kDotCols = 4, kOuterRows = 4, kOuterVecs = 3;
  static V zero() { return _mm256_setzero_ps(); }
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static V load(Mask m, const float* p) { return _mm256_maskload_ps(p, m); }
  static void store(float* p, Mask m, V v) { _mm256_maskstore_ps(p, m, v); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V set1(float x) { return _mm256_set1_ps(x); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  // Σ lanes in a fixed order: halves, then quarters, then the last pair.
  static float sum(V v) {
    __m128 x = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    return _mm_cvtss_f32(_mm_add_ss(x, _mm_shuffle_ps(x, x, 1)));
  }
  static Mask first(long n) { return first_lanes32(n); }
};

struct Avx2Double {
  using T = double;
  using V = __m256d;
  using Mask = __m256i;
  static constexpr int lanes = 4;
  static constexpr int kDotRows = 3, kDotCols = 4, kOuterRows = 4, kOuterVecs = 3;
  static V zero() { return _mm256_setzero_pd(); }
  static V load(const double* p) { return _mm256_loadu_pd(p); }
  static V load(Mask m, const double* p) { return _mm256_maskload_pd(p, m); }
  static void store(double* p, Mask m, V v) { _mm256_maskstore_pd(p, m, v); }
  static void store(double* p, V v) { _mm256_storeu_pd(p, v); }
  static V set1(double x) { return _mm256_set1_pd(x); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_pd(a, b, c); }
  static double sum(V v) {
    const __m128d x = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(x, _mm_unpackhi_pd(x, x)));
  }
  static Mask first(long n) { return first_lanes64(n); }
};

}  // namespace
}  // namespace nnlab

#include "vector_kernels.h"

namespace nnlab {

const VectorKernels* avx2_kernels() {
  static const VectorKernels table = {"avx2",
                                      dot_product<Avx2Float>,
                                      dot_product<Avx2Double>,
                                      outer_product<Avx2Float>,
                                      outer_product<Avx2Double>,
                                      gather_rows<Avx2Float>};
  return &table;
}

}  // namespace nnlab
#endif
