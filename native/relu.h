// ReLU and inverted dropout on (B, H) hidden activations.
#pragma once
#include "rng.h"

namespace nnlab {

template <typename T>
void relu_forward(T* out, const T* inp, long n) {
  for (long k = 0; k < n; k++) out[k] = inp[k] > 0 ? inp[k] : T(0);
}
// dinp = dout where the unit was active (out > 0).
template <typename T>
void relu_backward(T* dinp, const T* dout, const T* out, long n) {
  for (long k = 0; k < n; k++) dinp[k] = out[k] > 0 ? dout[k] : T(0);
}

// Inverted dropout (Srivastava et al., 2014): keep a unit with probability 1−p and scale it by
// 1/(1−p), so evaluation needs no change. Keeps mask (n): 0 or 1/(1−p).
template <typename T>
void dropout_forward(T* out, T* mask, const T* inp, double p, long n, Rng& rng) {
  const T scale = T(1.0 / (1.0 - p));
  for (long k = 0; k < n; k++) {
    mask[k] = rng.uniform() < p ? T(0) : scale;
    out[k] = inp[k] * mask[k];
  }
}
template <typename T>
void dropout_backward(T* dinp, const T* dout, const T* mask, long n) {
  for (long k = 0; k < n; k++) dinp[k] = dout[k] * mask[k];
}

}  // namespace nnlab
