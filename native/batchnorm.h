// Batch normalization (Ioffe & Szegedy, 2015) over the batch dimension of (B, H) activations:
// ŝ = (s − μ)/√(σ² + ε), out = γ·ŝ + β. Training uses the batch's μ and (biased) σ²; evaluation
// uses running averages kept by batchnorm_update_running (α·avg + (1−α)·batch).
#pragma once
#include <cmath>

namespace nnlab {

constexpr double kBatchNormEps = 1e-5;

// Forward in training mode. Keeps for backward: shat (B, H), rstd (H). mean and var (H) are the
// batch statistics (for the running averages).
template <typename T>
void batchnorm_forward(T* out, T* shat, T* mean, T* var, T* rstd, const T* inp, const T* gamma, const T* beta, int B,
                       int H) {
  for (int h = 0; h < H; h++) mean[h] = 0, var[h] = 0;
  for (int i = 0; i < B; i++)
    for (int h = 0; h < H; h++) mean[h] += inp[(long)i * H + h];
  for (int h = 0; h < H; h++) mean[h] /= B;
  for (int i = 0; i < B; i++)
    for (int h = 0; h < H; h++) {
      const T c = inp[(long)i * H + h] - mean[h];
      var[h] += c * c;
    }
  for (int h = 0; h < H; h++) {
    var[h] /= B;
    rstd[h] = T(1) / std::sqrt(var[h] + T(kBatchNormEps));
  }
  for (int i = 0; i < B; i++)
    for (int h = 0; h < H; h++) {
      const long k = (long)i * H + h;
      shat[k] = (inp[k] - mean[h]) * rstd[h];
      out[k] = gamma[h] * shat[k] + beta[h];
    }
}

// dinp (B, H), dgamma, dbeta (H) from dout (B, H) and what forward kept:
// dŝ = γ·dout;  dinp = rstd/B · (B·dŝ − Σdŝ − ŝ·Σ(dŝ·ŝ)).
template <typename T>
void batchnorm_backward(T* dinp, T* dgamma, T* dbeta, T* sum_dshat, T* sum_dshat_shat, const T* dout, const T* shat,
                        const T* rstd, const T* gamma, int B, int H) {
  for (int h = 0; h < H; h++) dgamma[h] = 0, dbeta[h] = 0;
  for (int i = 0; i < B; i++)
    for (int h = 0; h < H; h++) {
      const long k = (long)i * H + h;
      dgamma[h] += dout[k] * shat[k];
      dbeta[h] += dout[k];
    }
  // Σdŝ = γ·Σdout = γ·dβ and Σ(dŝ·ŝ) = γ·dγ.
  for (int h = 0; h < H; h++) sum_dshat[h] = gamma[h] * dbeta[h], sum_dshat_shat[h] = gamma[h] * dgamma[h];
  for (int i = 0; i < B; i++)
    for (int h = 0; h < H; h++) {
      const long k = (long)i * H + h;
      dinp[k] = rstd[h] / B * (B * gamma[h] * dout[k] - sum_dshat[h] - shat[k] * sum_dshat_shat[h]);
    }
}

// Evaluation mode: the running statistics instead of the batch's.
template <typename T>
void batchnorm_inference(T* out, const T* inp, const T* gamma, const T* beta, const T* run_mean, const T* run_var,
                         int B, int H) {
  for (int i = 0; i < B; i++)
    for (int h = 0; h < H; h++) {
      const long k = (long)i * H + h;
      out[k] = gamma[h] * (inp[k] - run_mean[h]) / std::sqrt(run_var[h] + T(kBatchNormEps)) + beta[h];
    }
}

// The first batch sets the averages (no bias towards an arbitrary start); later ones blend in.
template <typename T>
void batchnorm_update_running(T* run_mean, T* run_var, const T* mean, const T* var, double alpha, bool first, int H) {
  for (int h = 0; h < H; h++) {
    run_mean[h] = first ? mean[h] : T(alpha) * run_mean[h] + T(1 - alpha) * mean[h];
    run_var[h] = first ? var[h] : T(alpha) * run_var[h] + T(1 - alpha) * var[h];
  }
}

}  // namespace nnlab
