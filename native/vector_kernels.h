// The vector kernels for the two products that are nearly all of a training step's FLOPs: the
// forward product out = X·Wᵀ and the weight gradient dW = doutᵀ·X + l2·W, written once over a
// vector type S (kernels_avx2.cpp, kernels_avx512.cpp) and compiled in each of those files with
// its own instruction set. On a step's skinny shapes (100 × 3072 × 50) sgemm spends much of its
// time packing its operands; these read X and W where they lie. Summation orders are fixed
// (bench/README.md). The generic level (kernels.h) takes the same products with BLAS.
//
// Included only by the per-ISA files, after <immintrin.h> and their S. Everything here lies in an
// anonymous namespace and uses nothing from the standard library: each file's instantiations are
// its own (internal linkage), so no inline function compiled for AVX-512 can be chosen by the
// linker for code that runs on the baseline (test/engine/dispatch.test.ts checks the objects).
//
// S provides: T (float or double), V (a vector), Mask, lanes, zero, load (whole, masked), store
// (whole, masked), set1, fma, sum (in a fixed order), first(n) (a mask of the first n lanes), and
// the tile shapes: kDotRows × kDotCols outputs of the forward product, kOuterRows rows ×
// kOuterVecs vectors of the weight gradient (sized so that accumulators and operands fit in
// registers: 32 vector registers with AVX-512, 16 with AVX2).
#pragma once

namespace nnlab {
namespace {

inline long smaller(long a, long b) { return a < b ? a : b; }

// ---- forward: dot products along the inner dimension ----------------------------------------
// out[a][b] = (add ? out[a][b] : 0) + Σ_{k∈[k0,k1)} x[a][k]·w[b][k] for M rows x of X and N rows
// w of W. M·N accumulators of a vector each hold lane-wise partial sums, reduced once at the end:
// M + N loads feed M·N fused multiply-adds.
template <typename S, int M, int N>
inline void dot_tile(typename S::T* out, long ldo, const typename S::T* X, long ldx, const typename S::T* W, long ldw,
                     long k0, long k1, bool add) {
  using T = typename S::T;
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

template <typename S, int M>
inline void dot_tile_n(int n, typename S::T* out, long ldo, const typename S::T* X, long ldx, const typename S::T* W,
                       long ldw, long k0, long k1, bool add) {
  switch (n) {
    case 5:
      return dot_tile<S, M, 5>(out, ldo, X, ldx, W, ldw, k0, k1, add);
    case 4:
      return dot_tile<S, M, 4>(out, ldo, X, ldx, W, ldw, k0, k1, add);
    case 3:
      return dot_tile<S, M, 3>(out, ldo, X, ldx, W, ldw, k0, k1, add);
    case 2:
      return dot_tile<S, M, 2>(out, ldo, X, ldx, W, ldw, k0, k1, add);
    default:
      return dot_tile<S, M, 1>(out, ldo, X, ldx, W, ldw, k0, k1, add);
  }
}

// out (B, H) = X[:, k0:k1] · W[:, k0:k1]ᵀ (+ out when add); X (B, ldx) and W (H, ldw) row-major.
// Tiles of kDotRows rows × kDotCols outputs (at most 4 × 5); the inner dimension in passes of
// 4 KB per row, so a tile's W rows stay in L1 while the batch streams past them. Measured on the
// 3072-50 product (Xeon, AVX-512, one thread): 4 × 5 tiles and 4 KB passes within a few percent of
// the best of 2 × 10, 5 × 5 and 4 × 6 tiles and of 3, 4, 6 and 12 KB passes. Each output is the
// same sum whatever the tile shape: its lanes' partial sums in order of k, then S::sum.
template <typename S>
void dot_product(typename S::T* out, const typename S::T* X, long ldx, const typename S::T* W, long ldw, int B, int H,
                 long k0, long k1, bool add) {
  using T = typename S::T;
  constexpr int R = S::kDotRows, C = S::kDotCols;
  static_assert(R >= 1 && R <= 4 && C >= 1 && C <= 5, "dot_tile_n's switches cover 4 × 5 tiles");
  constexpr long pass = 4096 / sizeof(T);
  if (k0 >= k1 && !add)  // an empty range (a thread's share of a short row): the product is 0
    for (long k = 0; k < long(B) * H; k++) out[k] = T(0);
  for (long c0 = k0; c0 < k1; c0 += pass) {
    const long c1 = smaller(k1, c0 + pass);
    const bool more = add || c0 > k0;
    for (int h = 0; h < H; h += C) {
      const int n = int(smaller(C, H - h));
      int i = 0;
      for (; i + R <= B; i += R)
        dot_tile_n<S, R>(n, out + long(i) * H + h, H, X + i * ldx, ldx, W + h * ldw, ldw, c0, c1, more);
      T* o = out + long(i) * H + h;
      const T* x = X + i * ldx;
      switch (B - i) {
        case 3:
          dot_tile_n<S, 3>(n, o, H, x, ldx, W + h * ldw, ldw, c0, c1, more);
          break;
        case 2:
          dot_tile_n<S, 2>(n, o, H, x, ldx, W + h * ldw, ldw, c0, c1, more);
          break;
        case 1:
          dot_tile_n<S, 1>(n, o, H, x, ldx, W + h * ldw, ldw, c0, c1, more);
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
// dout feed N·NV fused multiply-adds; each output is summed over the batch in order i = 0, 1, …
// (one fused multiply-add a sample: the same floats at every vector width).
template <typename S, int NV, int N, bool Tail>
inline void outer_tile(typename S::T* dW, const typename S::T* W, long ld, const typename S::T* dout, int ldd,
                       const typename S::T* X, long ldx, int B, long c, typename S::Mask last, typename S::T l2) {
  using T = typename S::T;
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

template <typename S, int NV, bool Tail>
inline void outer_tile_n(int n, typename S::T* dW, const typename S::T* W, long ld, const typename S::T* dout, int ldd,
                         const typename S::T* X, long ldx, int B, long c, typename S::Mask last, typename S::T l2) {
  switch (n) {
    case 5:
      return outer_tile<S, NV, 5, Tail>(dW, W, ld, dout, ldd, X, ldx, B, c, last, l2);
    case 4:
      return outer_tile<S, NV, 4, Tail>(dW, W, ld, dout, ldd, X, ldx, B, c, last, l2);
    case 3:
      return outer_tile<S, NV, 3, Tail>(dW, W, ld, dout, ldd, X, ldx, B, c, last, l2);
    case 2:
      return outer_tile<S, NV, 2, Tail>(dW, W, ld, dout, ldd, X, ldx, B, c, last, l2);
    default:
      return outer_tile<S, NV, 1, Tail>(dW, W, ld, dout, ldd, X, ldx, B, c, last, l2);
  }
}

// dW[:, c0:c1] = doutᵀ · X[:, c0:c1] + l2·W[:, c0:c1]; dW and W (H, ld), dout (B, H), X (B, ldx).
// Tiles of kOuterRows rows × kOuterVecs vectors of columns (at most 5 × 4), rows outermost
// (measured faster than columns outermost on the 50 × 3072 gradient: each pass writes whole rows
// of dW).
template <typename S>
void outer_product(typename S::T* dW, const typename S::T* W, long ld, const typename S::T* dout,
                   const typename S::T* X, long ldx, int B, int H, long c0, long c1, typename S::T l2) {
  using T = typename S::T;
  constexpr int L = S::lanes, R = S::kOuterRows, NV = S::kOuterVecs;
  static_assert(R >= 1 && R <= 5 && NV >= 1 && NV <= 4, "outer_tile_n's switches cover 5 × 4 tiles");
  for (int h = 0; h < H; h += R) {
    const int n = int(smaller(R, H - h));
    T* d = dW + h * ld;
    const T* w = W + h * ld;
    long c = c0;
    for (; c + NV * L <= c1; c += NV * L)
      outer_tile_n<S, NV, false>(n, d, w, ld, dout + h, H, X, ldx, B, c, S::first(L), l2);
    if (c < c1) {  // the last 1 … NV vectors, the last of them masked
      const long rest = c1 - c;
      const int nv = int((rest + L - 1) / L);
      const typename S::Mask last = S::first(rest - long(nv - 1) * L);
      switch (nv) {
        case 4:
          outer_tile_n<S, 4, true>(n, d, w, ld, dout + h, H, X, ldx, B, c, last, l2);
          break;
        case 3:
          outer_tile_n<S, 3, true>(n, d, w, ld, dout + h, H, X, ldx, B, c, last, l2);
          break;
        case 2:
          outer_tile_n<S, 2, true>(n, d, w, ld, dout + h, H, X, ldx, B, c, last, l2);
          break;
        default:
          outer_tile_n<S, 1, true>(n, d, w, ld, dout + h, H, X, ldx, B, c, last, l2);
          break;
      }
    }
  }
}

// ---- the mini-batch's gather ------------------------------------------------------------------
// dst[i][c0:c1] = src[i][c0:c1] for rows i < n of dst (row length ld): the gather from random rows
// of the training split. R rows are copied side by side, a vector of each in turn, so that R
// streams from memory are in flight at once instead of one (each row starts on pages the hardware
// prefetcher has not seen yet): 100 CIFAR-10 rows on one thread took 112 µs this way (AVX-512,
// four rows) against 180 µs row by row (memmove).
template <typename S>
void gather_rows(float* dst, long ld, const float* const* src, int n, long c0, long c1) {
  constexpr int R = 4;
  for (int i0 = 0; i0 < n; i0 += R) {
    const int r = int(smaller(R, n - i0));
    for (long c = c0; c < c1; c += S::lanes) {
      const typename S::Mask m = S::first(c1 - c);
      for (int j = 0; j < r; j++) S::store(dst + (i0 + j) * ld + c, m, S::load(m, src[i0 + j] + c));
    }
  }
}

}  // namespace
}  // namespace nnlab
