// Fully-connected layer: out = inp · Wᵀ + b, with W (H, I) row-major like the assignments' W.
// Forward keeps nothing (backward needs inp, which the caller keeps anyway). With a pool of more
// than one part, a large product is split: forward along the inner dimension, dinp by rows of the
// batch, dW by columns. The forward product and dW run on the level's vector kernels
// (vector_kernels.h, chosen by dispatch.h: AVX2 or AVX-512), else on BLAS (the generic level);
// dinp (small: layers after the first) always on BLAS.
#pragma once
#include "blas.h"
#include "kernels.h"
#include "parallel.h"

namespace nnlab {

// dst (B, H) = inp[:, k0:k1] · W[:, k0:k1]ᵀ
template <typename T>
void forward_product(T* dst, const T* inp, const T* W, int B, int I, int H, long k0, long k1) {
  if (const VectorKernels* k = vector_kernels()) return k->dot_product(dst, inp, I, W, I, B, H, k0, k1, false);
  gemm(CblasNoTrans, CblasTrans, B, H, int(k1 - k0), T(1), inp + k0, I, W + k0, I, T(0), dst, H);
}

// dW[:, c0:c1] = doutᵀ · inp[:, c0:c1] + l2·W[:, c0:c1]
template <typename T>
void weight_gradient(T* dW, const T* dout, const T* inp, const T* W, int B, int I, int H, long c0, long c1, T l2) {
  if (const VectorKernels* k = vector_kernels()) return k->outer_product(dW, W, I, dout, inp, I, B, H, c0, c1, l2);
  if (l2 != T(0))
    for (int h = 0; h < H; h++)
      for (long c = c0; c < c1; c++) dW[(long)h * I + c] = l2 * W[(long)h * I + c];
  gemm(CblasTrans, CblasNoTrans, H, int(c1 - c0), B, T(1), dout, H, inp + c0, I, l2 != T(0) ? T(1) : T(0), dW + c0, I);
}

// Products smaller than this many multiply-adds are not worth splitting.
constexpr long kSplitWork = 1L << 20;

// The parts a product of `work` multiply-adds is split into: the pool's, or 1.
inline int split_parts(const Pool* pool, long work) {
  return pool && pool->parts() > 1 && work >= kSplitWork ? pool->parts() : 1;
}

// out (B, H) += the other parts' shares (parts − 1 buffers of B·H after one another), in a fixed
// order; then the bias b (H) or null.
template <typename T>
void sum_parts(T* out, const T* partial, int parts, const T* b, int B, int H) {
  for (int p = 1; p < parts; p++)
    for (long k = 0; k < long(B) * H; k++) out[k] += partial[size_t(p - 1) * B * H + k];
  if (b)
    for (int i = 0; i < B; i++)
      for (int h = 0; h < H; h++) out[(long)i * H + h] += b[h];
}

// out (B, H); inp (B, I); W (H, I); b (H) or null (a batch-normalized layer has no bias: BN's
// mean subtraction cancels it exactly, and β plays its role).
// split_rows: the rows the decision to split is made for (default B), so that a chunk computed in
// blocks of rows is split like the whole chunk and gets the same sums.
template <typename T>
void linear_forward(T* out, const T* inp, const T* W, const T* b, int B, int I, int H, Pool* pool = nullptr,
                    int split_rows = 0) {
  const int parts = split_parts(pool, long(split_rows > 0 ? split_rows : B) * I * H);
  T* partial = nullptr;
  if (parts > 1) {
    // Split along the inner dimension I: part p computes inp[:, Ip] · W[:, Ip]ᵀ into its own
    // (B, H) buffer, and the parts are summed in a fixed order. On the skinny first-layer product
    // (100 × 3072 × 50) this runs faster than splitting the batch's rows.
    partial = pool->scratch<T>(size_t(parts - 1) * B * H);
    pool->run([&](int p) {
      long k0, k1;
      split_range(I, p, parts, k0, k1, kLineElems<T>);
      forward_product(p == 0 ? out : partial + size_t(p - 1) * B * H, inp, W, B, I, H, k0, k1);
    });
  } else {
    forward_product(out, inp, W, B, I, H, 0, I);
  }
  sum_parts(out, partial, parts, b, B, H);
}

// dW (H, I) = doutᵀ · inp + l2·W (l2 = 2λ: the gradient of λ‖W‖², added inside the product's
// own pass);  db (H) = Σ_rows dout;  dinp (B, I) = dout · W (skipped when null).
template <typename T>
void linear_backward(T* dinp, T* dW, T* db, const T* dout, const T* inp, const T* W, int B, int I, int H, T l2,
                     Pool* pool = nullptr) {
  const bool split = split_parts(pool, long(B) * I * H) > 1;
  auto dinp_rows = [&](long r0, long r1) {
    gemm(CblasNoTrans, CblasNoTrans, int(r1 - r0), I, H, T(1), dout + r0 * H, H, W, I, T(0), dinp + r0 * I, I);
  };
  if (split)
    pool->run([&](int p) {
      long a, z;
      split_range(I, p, pool->parts(), a, z, kLineElems<T>);
      weight_gradient(dW, dout, inp, W, B, I, H, a, z, l2);
      if (dinp) {
        split_range(B, p, pool->parts(), a, z);
        dinp_rows(a, z);
      }
    });
  else {
    weight_gradient(dW, dout, inp, W, B, I, H, 0, I, l2);
    if (dinp) dinp_rows(0, B);
  }
  if (db) column_sums(db, dout, B, H);
}

}  // namespace nnlab
