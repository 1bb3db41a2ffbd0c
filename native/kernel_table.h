// The kernels one instruction-set level offers the engine, as a table of plain functions: each
// per-ISA file (kernels_avx2.cpp, kernels_avx512.cpp, amx.cpp) fills its own, compiled with that
// level's flags, and dispatch.cpp chooses one table at load time (CPUID, XGETBV). Nothing here is
// inline code: including this header puts no instruction of any level into the including file.
#pragma once

namespace nnlab {

// The first layer's products on floats (vector_kernels.h): out = X·Wᵀ, dW = doutᵀ·X + l2·W, and
// the mini-batch's gather. Arguments as in vector_kernels.h; one entry per element type.
struct VectorKernels {
  const char* name;  // "avx2", "avx512": TrainOutput::kernel where these take the first layer
  void (*dot_product_f)(float* out, const float* X, long ldx, const float* W, long ldw, int B, int H, long k0, long k1,
                        bool add);
  void (*dot_product_d)(double* out, const double* X, long ldx, const double* W, long ldw, int B, int H, long k0,
                        long k1, bool add);
  void (*outer_product_f)(float* dW, const float* W, long ld, const float* dout, const float* X, long ldx, int B, int H,
                          long c0, long c1, float l2);
  void (*outer_product_d)(double* dW, const double* W, long ld, const double* dout, const double* X, long ldx, int B,
                          int H, long c0, long c1, double l2);
  void (*gather_rows_f)(float* dst, long ld, const float* const* src, int n, long c0, long c1);

  void dot_product(float* out, const float* X, long ldx, const float* W, long ldw, int B, int H, long k0, long k1,
                   bool add) const {
    dot_product_f(out, X, ldx, W, ldw, B, H, k0, k1, add);
  }
  void dot_product(double* out, const double* X, long ldx, const double* W, long ldw, int B, int H, long k0, long k1,
                   bool add) const {
    dot_product_d(out, X, ldx, W, ldw, B, H, k0, k1, add);
  }
  void outer_product(float* dW, const float* W, long ld, const float* dout, const float* X, long ldx, int B, int H,
                     long c0, long c1, float l2) const {
    outer_product_f(dW, W, ld, dout, X, ldx, B, H, c0, c1, l2);
  }
  void outer_product(double* dW, const double* W, long ld, const double* dout, const double* X, long ldx, int B, int H,
                     long c0, long c1, double l2) const {
    outer_product_d(dW, W, ld, dout, X, ldx, B, H, c0, c1, l2);
  }
};

// Each level's table, defined in its own file (x86-64 builds only); call only where dispatch.cpp
// found the level supported.
const VectorKernels* avx2_kernels();    // kernels_avx2.cpp: AVX2 + FMA
const VectorKernels* avx512_kernels();  // kernels_avx512.cpp: AVX-512 F, BW, DQ, VL

}  // namespace nnlab
