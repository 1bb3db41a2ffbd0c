// Losses on (B, C) scores: softmax + cross-entropy, or the multi-class SVM hinge loss (margin 1).
// Each returns the summed loss over the batch and the number of correct argmax predictions; the
// backward gives dscores of the *mean* loss (divided by B).
#pragma once
#include <cmath>
#include <cstdint>
#include "engine.h"

namespace nnlab {

// probs (B, C) kept for backward (cross-entropy only; null to skip).
template <typename T>
double loss_forward(T* probs, long* correct, const T* scores, const uint8_t* y, LossKind kind, int B, int C) {
  double total = 0;
  long right = 0;
  for (int i = 0; i < B; i++) {
    const T* s = scores + (long)i * C;
    int arg = 0;
    for (int c = 1; c < C; c++)
      if (s[c] > s[arg]) arg = c;
    right += arg == y[i];
    if (kind == LossKind::CrossEntropy) {
      const double mx = s[arg];
      double sum = 0;
      for (int c = 0; c < C; c++) sum += std::exp(double(s[c]) - mx);
      total += std::log(sum) + mx - double(s[y[i]]);
      if (probs)
        for (int c = 0; c < C; c++) probs[(long)i * C + c] = T(std::exp(double(s[c]) - mx) / sum);
    } else {
      for (int c = 0; c < C; c++)
        if (c != y[i]) total += std::fmax(0.0, double(s[c]) - double(s[y[i]]) + 1.0);
    }
  }
  if (correct) *correct = right;
  return total;
}

template <typename T>
void loss_backward(T* dscores, const T* probs, const T* scores, const uint8_t* y, LossKind kind, int B, int C) {
  const T inv = T(1) / B;
  for (int i = 0; i < B; i++) {
    T* d = dscores + (long)i * C;
    if (kind == LossKind::CrossEntropy) {
      for (int c = 0; c < C; c++) d[c] = probs[(long)i * C + c] * inv;
      d[y[i]] -= inv;
    } else {
      const T* s = scores + (long)i * C;
      int active = 0;
      for (int c = 0; c < C; c++) {
        d[c] = (c != y[i] && s[c] - s[y[i]] + T(1) > 0) ? inv : T(0);
        active += d[c] != 0;
      }
      d[y[i]] = -T(active) * inv;
    }
  }
}

}  // namespace nnlab
