// Fully-connected layer: out = inp · Wᵀ + b, with W (H, I) row-major like the assignments' W.
// Forward keeps nothing (backward needs inp, which the caller keeps anyway).
#pragma once
#include "blas.h"

namespace nnlab {

// out (B, H); inp (B, I); W (H, I); b (H) or null (a batch-normalized layer has no bias: BN's
// mean subtraction cancels it exactly, and β plays its role).
template <typename T>
void linear_forward(T* out, const T* inp, const T* W, const T* b, int B, int I, int H) {
  gemm(CblasNoTrans, CblasTrans, B, H, I, T(1), inp, I, W, I, T(0), out, H);
  if (b)
    for (int i = 0; i < B; i++)
      for (int h = 0; h < H; h++) out[(long)i * H + h] += b[h];
}

// dW (H, I) = doutᵀ · inp;  db (H) = Σ_rows dout;  dinp (B, I) = dout · W (skipped when null).
template <typename T>
void linear_backward(T* dinp, T* dW, T* db, const T* dout, const T* inp, const T* W, int B, int I, int H) {
  gemm(CblasTrans, CblasNoTrans, H, I, B, T(1), dout, H, inp, I, T(0), dW, I);
  if (db) {
    for (int h = 0; h < H; h++) db[h] = 0;
    for (int i = 0; i < B; i++)
      for (int h = 0; h < H; h++) db[h] += dout[(long)i * H + h];
  }
  if (dinp) gemm(CblasNoTrans, CblasNoTrans, B, I, H, T(1), dout, H, W, I, T(0), dinp, I);
}

}  // namespace nnlab
