// AVX-512 kernels for the two products that are nearly all of a training step's FLOPs: the
// forward product out = X·Wᵀ and the weight gradient dW = doutᵀ·X + l2·W. On a step's skinny
// shapes (100 × 3072 × 50) sgemm spends much of its time packing its operands; these read X and W
// where they lie, and 64-byte aligned rows (AlignedVector) keep each vector load within one cache
// line. Without AVX-512, linear.h calls BLAS instead. Summation orders are fixed (bench/README.md).
#pragma once
#include <algorithm>
#include <cstddef>
#include <new>
#include <type_traits>
#include <vector>

namespace nnlab {

// Storage aligned to a cache line (and an AVX-512 vector): the engine's arenas and batch buffer.
template <typename T>
struct AlignedAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlign{64};
  AlignedAllocator() = default;
  template <typename U>
  AlignedAllocator(const AlignedAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlign)); }
  void deallocate(T* p, size_t) { ::operator delete(p, kAlign); }
  template <typename U>
  bool operator==(const AlignedAllocator<U>&) const {
    return true;
  }
  template <typename U>
  bool operator!=(const AlignedAllocator<U>&) const {
    return false;
  }
};
template <typename T>
using AlignedVector = std::vector<T, AlignedAllocator<T>>;

// Elements per cache line: where a split of a row between threads may fall without two threads
// writing one line, and without a kernel's vectors straddling lines.
template <typename T>
constexpr int kLineElems = 64 / int(sizeof(T));

// sums[h] = Σ_i x[i][h] over B rows of H, in order i = 0, 1, … (a bias's gradient, Σ_b δ).
template <typename T>
void column_sums(T* sums, const T* x, int B, int H) {
  for (int h = 0; h < H; h++) sums[h] = T(0);
  for (int i = 0; i < B; i++)
    for (int h = 0; h < H; h++) sums[h] += x[long(i) * H + h];
}

}  // namespace nnlab

#if defined(__AVX512F__)
#define NNLAB_AVX512_KERNELS 1
#include <immintrin.h>

namespace nnlab {

template <typename T>
struct Simd;
template <>
struct Simd<float> {
  using V = __m512;
  using Mask = __mmask16;
  static constexpr int lanes = 16;
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
template <>
struct Simd<double> {
  using V = __m512d;
  using Mask = __mmask8;
  static constexpr int lanes = 8;
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

// ---- forward: dot products along the inner dimension ----------------------------------------
// out[a][b] = (add ? out[a][b] : 0) + Σ_{k∈[k0,k1)} x[a][k]·w[b][k] for M rows x of X and N rows
// w of W. M·N accumulators of a vector each (16 floats, 8 doubles) hold lane-wise partial sums,
// reduced once at the end: M + N loads feed M·N fused multiply-adds.
template <typename T, int M, int N>
inline void dot_tile(T* out, long ldo, const T* X, long ldx, const T* W, long ldw, long k0, long k1, bool add) {
  using S = Simd<T>;
  typename S::V acc[M][N];
  for (int a = 0; a < M; a++)
    for (int b = 0; b < N; b++) acc[a][b] = S::zero();
  long k = k0;
  for (; k + S::lanes <= k1; k += S::lanes) {
    typename S::V x[M];
    for (int a = 0; a < M; a++) x[a] = S::load(X + a * ldx + k);
    for (int b = 0; b < N; b++) {
      const typename S::V w = S::load(W + b * ldw + k);
      for (int a = 0; a < M; a++) acc[a][b] = S::fma(x[a], w, acc[a][b]);
    }
  }
  if (k < k1) {  // the last, partial vector: masked loads read zeros past k1
    const typename S::Mask m = S::first(k1 - k);
    typename S::V x[M];
    for (int a = 0; a < M; a++) x[a] = S::load(m, X + a * ldx + k);
    for (int b = 0; b < N; b++) {
      const typename S::V w = S::load(m, W + b * ldw + k);
      for (int a = 0; a < M; a++) acc[a][b] = S::fma(x[a], w, acc[a][b]);
    }
  }
  for (int a = 0; a < M; a++)
    for (int b = 0; b < N; b++) {
      const T s = S::sum(acc[a][b]);
      T& o = out[a * ldo + b];
      o = add ? o + s : s;
    }
}

template <typename T, int M>
inline void dot_tile_n(int n, T* out, long ldo, const T* X, long ldx, const T* W, long ldw, long k0, long k1,
                       bool add) {
  switch (n) {
    case 5:
      return dot_tile<T, M, 5>(out, ldo, X, ldx, W, ldw, k0, k1, add);
    case 4:
      return dot_tile<T, M, 4>(out, ldo, X, ldx, W, ldw, k0, k1, add);
    case 3:
      return dot_tile<T, M, 3>(out, ldo, X, ldx, W, ldw, k0, k1, add);
    case 2:
      return dot_tile<T, M, 2>(out, ldo, X, ldx, W, ldw, k0, k1, add);
    default:
      return dot_tile<T, M, 1>(out, ldo, X, ldx, W, ldw, k0, k1, add);
  }
}

// out (B, H) = X[:, k0:k1] · W[:, k0:k1]ᵀ (+ out when add); X (B, ldx) and W (H, ldw) row-major.
// Tiles of 4 rows × 5 outputs; the inner dimension in passes of 4 KB per row, so a tile's five
// W rows stay in L1 while the batch streams past them. Measured on the 3072-50 product (Xeon,
// AVX-512, one thread): 4 × 5 tiles and 4 KB passes within a few percent of the best of
// 2 × 10, 5 × 5 and 4 × 6 tiles and of 3, 4, 6 and 12 KB passes.
template <typename T>
void dot_product(T* out, const T* X, long ldx, const T* W, long ldw, int B, int H, long k0, long k1, bool add) {
  constexpr long pass = 4096 / sizeof(T);
  if (k0 >= k1 && !add)  // an empty range (a thread's share of a short row): the product is 0
    for (long k = 0; k < long(B) * H; k++) out[k] = T(0);
  for (long c0 = k0; c0 < k1; c0 += pass) {
    const long c1 = std::min(k1, c0 + pass);
    const bool more = add || c0 > k0;
    for (int h = 0; h < H; h += 5) {
      const int n = std::min(5, H - h);
      int i = 0;
      for (; i + 4 <= B; i += 4)
        dot_tile_n<T, 4>(n, out + long(i) * H + h, H, X + i * ldx, ldx, W + h * ldw, ldw, c0, c1, more);
      T* o = out + long(i) * H + h;
      const T* x = X + i * ldx;
      switch (B - i) {
        case 3:
          dot_tile_n<T, 3>(n, o, H, x, ldx, W + h * ldw, ldw, c0, c1, more);
          break;
        case 2:
          dot_tile_n<T, 2>(n, o, H, x, ldx, W + h * ldw, ldw, c0, c1, more);
          break;
        case 1:
          dot_tile_n<T, 1>(n, o, H, x, ldx, W + h * ldw, ldw, c0, c1, more);
          break;
        default:
          break;
      }
    }
  }
}

// ---- weight gradient: outer products of the batch's rows --------------------------------------
// dW[b][c…] = Σ_i dout[i][b]·X[i][c…] (+ l2·W[b][c…]) for N rows b and NV vectors of columns
// from c (the last one masked by `last` when Tail): per sample, NV loads of X and N broadcasts of
// dout feed N·NV fused multiply-adds; each output is summed over the batch in order i = 0, 1, ….
template <typename T, int NV, int N, bool Tail>
inline void outer_tile(T* dW, const T* W, long ld, const T* dout, int ldd, const T* X, long ldx, int B, long c,
                       typename Simd<T>::Mask last, T l2) {
  using S = Simd<T>;
  constexpr int L = S::lanes;
  typename S::V acc[N][NV];
  for (int b = 0; b < N; b++)
    for (int v = 0; v < NV; v++) acc[b][v] = S::zero();
  for (int i = 0; i < B; i++) {
    const T* row = X + i * ldx + c;
    typename S::V x[NV];
    for (int v = 0; v < NV - 1; v++) x[v] = S::load(row + v * L);
    x[NV - 1] = Tail ? S::load(last, row + (NV - 1) * L) : S::load(row + (NV - 1) * L);
    for (int b = 0; b < N; b++) {
      const typename S::V g = S::set1(dout[long(i) * ldd + b]);
      for (int v = 0; v < NV; v++) acc[b][v] = S::fma(g, x[v], acc[b][v]);
    }
  }
  const typename S::V l = S::set1(l2);
  const bool decay = l2 != T(0);
  for (int b = 0; b < N; b++)
    for (int v = 0; v < NV; v++) {
      const long p = b * ld + c + v * L;
      if (Tail && v == NV - 1)
        S::store(dW + p, last, decay ? S::fma(l, S::load(last, W + p), acc[b][v]) : acc[b][v]);
      else
        S::store(dW + p, decay ? S::fma(l, S::load(W + p), acc[b][v]) : acc[b][v]);
    }
}

template <typename T, int NV, bool Tail>
inline void outer_tile_n(int n, T* dW, const T* W, long ld, const T* dout, int ldd, const T* X, long ldx, int B, long c,
                         typename Simd<T>::Mask last, T l2) {
  switch (n) {
    case 5:
      return outer_tile<T, NV, 5, Tail>(dW, W, ld, dout, ldd, X, ldx, B, c, last, l2);
    case 4:
      return outer_tile<T, NV, 4, Tail>(dW, W, ld, dout, ldd, X, ldx, B, c, last, l2);
    case 3:
      return outer_tile<T, NV, 3, Tail>(dW, W, ld, dout, ldd, X, ldx, B, c, last, l2);
    case 2:
      return outer_tile<T, NV, 2, Tail>(dW, W, ld, dout, ldd, X, ldx, B, c, last, l2);
    default:
      return outer_tile<T, NV, 1, Tail>(dW, W, ld, dout, ldd, X, ldx, B, c, last, l2);
  }
}

// dW[:, c0:c1] = doutᵀ · X[:, c0:c1] + l2·W[:, c0:c1]; dW and W (H, ld), dout (B, H), X (B, ldx).
// Tiles of 5 rows × 4 vectors of columns, rows outermost (measured faster than columns outermost
// on the 50 × 3072 gradient: each pass writes five whole rows of dW).
template <typename T>
void outer_product(T* dW, const T* W, long ld, const T* dout, const T* X, long ldx, int B, int H, long c0, long c1,
                   T l2) {
  using S = Simd<T>;
  constexpr int L = S::lanes;
  for (int h = 0; h < H; h += 5) {
    const int n = std::min(5, H - h);
    T* d = dW + h * ld;
    const T* w = W + h * ld;
    long c = c0;
    for (; c + 4 * L <= c1; c += 4 * L)
      outer_tile_n<T, 4, false>(n, d, w, ld, dout + h, H, X, ldx, B, c, S::first(L), l2);
    if (c < c1) {  // the last 1–4 vectors, the last of them masked
      const long rest = c1 - c;
      const int nv = int((rest + L - 1) / L);
      const typename S::Mask last = S::first(rest - long(nv - 1) * L);
      switch (nv) {
        case 4:
          outer_tile_n<T, 4, true>(n, d, w, ld, dout + h, H, X, ldx, B, c, last, l2);
          break;
        case 3:
          outer_tile_n<T, 3, true>(n, d, w, ld, dout + h, H, X, ldx, B, c, last, l2);
          break;
        case 2:
          outer_tile_n<T, 2, true>(n, d, w, ld, dout + h, H, X, ldx, B, c, last, l2);
          break;
        default:
          outer_tile_n<T, 1, true>(n, d, w, ld, dout + h, H, X, ldx, B, c, last, l2);
          break;
      }
    }
  }
}

}  // namespace nnlab
#endif

namespace nnlab {

// dst[i][c0:c1] = src[i][c0:c1] (converted to T) for rows i < n of dst (row length ld): the
// mini-batch's gather from random rows of the training split. With AVX-512, four rows are copied
// side by side, a cache line of each in turn, so that four streams from memory are in flight at
// once instead of one (each row starts on pages the hardware prefetcher has not seen yet): 100
// CIFAR-10 rows on one thread took 112 µs this way against 180 µs row by row (memmove).
template <typename T>
void gather_rows(T* dst, long ld, const float* const* src, int n, long c0, long c1) {
#ifdef NNLAB_AVX512_KERNELS
  if constexpr (std::is_same<T, float>::value) {
    constexpr int R = 4;
    for (int i0 = 0; i0 < n; i0 += R) {
      const int r = std::min(R, n - i0);
      for (long c = c0; c < c1; c += 16) {
        const __mmask16 m = Simd<float>::first(c1 - c);
        for (int j = 0; j < r; j++)
          _mm512_mask_storeu_ps(dst + (i0 + j) * ld + c, m, _mm512_maskz_loadu_ps(m, src[i0 + j] + c));
      }
    }
    return;
  }
#endif
  for (int i = 0; i < n; i++) std::copy(src[i] + c0, src[i] + c1, dst + i * ld + c0);
}

}  // namespace nnlab
