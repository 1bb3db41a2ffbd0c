// Fully-connected layer: out = inp · Wᵀ + b, with W (H, I) row-major like the assignments' W.
// Forward keeps nothing (backward needs inp, which the caller keeps anyway). With a pool of more
// than one part, a large product is split: forward along the inner dimension, dinp by rows of the
// batch, dW by columns.
#pragma once
#include "blas.h"
#include "parallel.h"

namespace nnlab {

// out (B, H); inp (B, I); W (H, I); b (H) or null (a batch-normalized layer has no bias: BN's
// mean subtraction cancels it exactly, and β plays its role).
// Products smaller than this many multiply-adds are not worth splitting.
constexpr long kSplitWork = 1L << 20;

template <typename T>
void linear_forward(T* out, const T* inp, const T* W, const T* b, int B, int I, int H, Pool* pool = nullptr) {
  if (pool && pool->parts() > 1 && long(B) * I * H >= kSplitWork) {
    // Split along the inner dimension I: part p computes inp[:, Ip] · W[:, Ip]ᵀ into its own
    // (B, H) buffer, and the parts are summed in a fixed order. On the skinny first-layer product
    // (100 × 3072 × 50) this runs faster than splitting the batch's rows.
    const int parts = pool->parts();
    T* partial = pool->scratch<T>(size_t(parts - 1) * B * H);
    pool->run([&](int p) {
      long k0, k1;
      split_range(I, p, parts, k0, k1);
      T* dst = p == 0 ? out : partial + size_t(p - 1) * B * H;
      gemm(CblasNoTrans, CblasTrans, B, H, int(k1 - k0), T(1), inp + k0, I, W + k0, I, T(0), dst, H);
    });
    for (int p = 1; p < parts; p++)
      for (long k = 0; k < long(B) * H; k++) out[k] += partial[size_t(p - 1) * B * H + k];
  } else {
    gemm(CblasNoTrans, CblasTrans, B, H, I, T(1), inp, I, W, I, T(0), out, H);
  }
  if (b)
    for (int i = 0; i < B; i++)
      for (int h = 0; h < H; h++) out[(long)i * H + h] += b[h];
}

// dW (H, I) = doutᵀ · inp + l2·W (l2 = 2λ: the gradient of λ‖W‖², added inside the product's
// own pass);  db (H) = Σ_rows dout;  dinp (B, I) = dout · W (skipped when null).
template <typename T>
void linear_backward(T* dinp, T* dW, T* db, const T* dout, const T* inp, const T* W, int B, int I, int H, T l2,
                     Pool* pool = nullptr) {
  const bool split = pool && pool->parts() > 1 && long(B) * I * H >= kSplitWork;
  auto dW_cols = [&](long c0, long c1) {
    if (l2 != T(0))
      for (int h = 0; h < H; h++)
        for (long c = c0; c < c1; c++) dW[(long)h * I + c] = l2 * W[(long)h * I + c];
    gemm(CblasTrans, CblasNoTrans, H, int(c1 - c0), B, T(1), dout, H, inp + c0, I, l2 != T(0) ? T(1) : T(0), dW + c0, I);
  };
  auto dinp_rows = [&](long r0, long r1) {
    gemm(CblasNoTrans, CblasNoTrans, int(r1 - r0), I, H, T(1), dout + r0 * H, H, W, I, T(0), dinp + r0 * I, I);
  };
  if (split)
    pool->run([&](int p) {
      long a, z;
      split_range(I, p, pool->parts(), a, z);
      dW_cols(a, z);
      if (dinp) {
        split_range(B, p, pool->parts(), a, z);
        dinp_rows(a, z);
      }
    });
  else {
    dW_cols(0, I);
    if (dinp) dinp_rows(0, B);
  }
  if (db) {
    for (int h = 0; h < H; h++) db[h] = 0;
    for (int i = 0; i < B; i++)
      for (int h = 0; h < H; h++) db[h] += dout[(long)i * H + h];
  }
}

}  // namespace nnlab
