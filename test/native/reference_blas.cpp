// A plain-loop gemm behind the cblas names the engine calls (row-major only), for the arm64 test
// driver where no BLAS for the target is installed: slow and obviously correct, like reference.cpp.
#include <cblas.h>

namespace {
// C (m, n) = alpha·op(A)·op(B) + beta·C, op(X) = X or Xᵀ; row-major with leading dimensions.
template <typename T>
void gemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, T alpha, const T* a, int lda, const T* b,
          int ldb, T beta, T* c, int ldc) {
  for (int i = 0; i < m; i++)
    for (int j = 0; j < n; j++) {
      T sum = T(0);
      for (int p = 0; p < k; p++) {
        const T x = ta == CblasNoTrans ? a[long(i) * lda + p] : a[long(p) * lda + i];
        const T y = tb == CblasNoTrans ? b[long(p) * ldb + j] : b[long(j) * ldb + p];
        sum += x * y;
      }
      T& o = c[long(i) * ldc + j];
      o = alpha * sum + (beta == T(0) ? T(0) : beta * o);
    }
}
}  // namespace

extern "C" {
void cblas_sgemm(CBLAS_ORDER, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, float alpha, const float* a,
                 int lda, const float* b, int ldb, float beta, float* c, int ldc) {
  gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void cblas_dgemm(CBLAS_ORDER, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int m, int n, int k, double alpha,
                 const double* a, int lda, const double* b, int ldb, double beta, double* c, int ldc) {
  gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void openblas_set_num_threads(int) {}
}
