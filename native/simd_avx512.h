// AVX-512 vectors of floats and doubles for vector_kernels.h (and amx.h's helpers): 16 floats or
// 8 doubles a vector, 32 vector registers, masked loads and stores. Included only by files
// compiled for AVX-512 (kernels_avx512.cpp, amx.cpp), after <immintrin.h>; in an anonymous
// namespace, so each of them has its own copy and none leaks into code built for the baseline.
#pragma once

namespace nnlab {
namespace {

struct Avx512Float {
  using T = float;
  using V = __m512;
  using Mask = __mmask16;
  static constexpr int lanes = 16;
  // 4 rows × 5 outputs: 20 accumulators + 4 + 1 operands; 5 rows × 4 vectors: 20 + 4 + 1.
  static constexpr int kDotRows = 4, kDotCols = 5, kOuterRows = 5, kOuterVecs = 4;
  static V zero() { return _mm512_setzero_ps(); }
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static V load(Mask m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
  static void store(float* p, Mask m, V v) { _mm512_mask_storeu_ps(p, m, v); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V set1(float x) { return _mm512_set1_ps(x); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  // Σ lanes in a fixed order (halves, then quarters …); GCC 12 warns falsely on the intrinsics
  // that use _mm*_undefined_* (_mm512_reduce_add_ps, casts, shuffles), hence their maskz forms.
  static float sum(V v) {
    v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(0xFFFF, v, v, 0x4E));
    v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(0xFFFF, v, v, 0xB1));
    __m128 x = _mm512_maskz_extractf32x4_ps(0xF, v, 0);  // the low quarter
    x = _mm_add_ps(x, _mm_movehl_ps(x, x));
    return _mm_cvtss_f32(_mm_add_ss(x, _mm_shuffle_ps(x, x, 1)));
  }
  static Mask first(long n) { return n >= lanes ? Mask(0xFFFF) : Mask((1u << n) - 1); }
};

struct Avx512Double {
  using T = double;
  using V = __m512d;
  using Mask = __mmask8;
  static constexpr int lanes = 8;
  static constexpr int kDotRows = 4, kDotCols = 5, kOuterRows = 5, kOuterVecs = 4;
  static V zero() { return _mm512_setzero_pd(); }
  static V load(const double* p) { return _mm512_loadu_pd(p); }
  static V load(Mask m, const double* p) { return _mm512_maskz_loadu_pd(m, p); }
  static void store(double* p, Mask m, V v) { _mm512_mask_storeu_pd(p, m, v); }
  static void store(double* p, V v) { _mm512_storeu_pd(p, v); }
  static V set1(double x) { return _mm512_set1_pd(x); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
  static double sum(V v) {
    v = _mm512_add_pd(v, _mm512_maskz_shuffle_f64x2(0xFF, v, v, 0x4E));
    v = _mm512_add_pd(v, _mm512_maskz_shuffle_f64x2(0xFF, v, v, 0xB1));
    const __m128d x = _mm_castps_pd(_mm512_maskz_extractf32x4_ps(0xF, _mm512_castpd_ps(v), 0));
    return _mm_cvtsd_f64(_mm_add_sd(x, _mm_unpackhi_pd(x, x)));
  }
  static Mask first(long n) { return n >= lanes ? Mask(0xFF) : Mask((1u << n) - 1); }
};

}  // namespace
}  // namespace nnlab
