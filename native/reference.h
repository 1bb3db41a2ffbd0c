// A slow, obviously correct forward/backward in plain loops (float64), independent of the BLAS
// kernels in network.h, for tests only: compare_with_reference runs both on the same parameters.
#pragma once
#include <vector>

#include "network.h"

namespace nnlab {

struct ReferencePass {
  double cost = 0;                     // mean loss + λ·Σ‖W‖²
  std::vector<std::vector<double>> s;  // per layer: pre-activation (B, H)
  std::vector<std::vector<double>> h;  // per hidden layer: ReLU output (B, H)
  std::vector<double> grads;           // same layout as Network::params
};

ReferencePass reference_pass(const NetSpec& spec, const double* params, const double* x, const uint8_t* y, int B,
                             double lambda);

}  // namespace nnlab

namespace nnlab {
// The cost (mean loss + λ·Σ‖W‖², batch statistics) in long double, with parameter `perturbed`
// (an index into params, or −1) shifted by delta: the numerical side of the gradient check.
// Extended precision keeps the centred difference's rounding error (≈ ε·f/h) far below its
// truncation error, so what the check measures is the analytic gradient. *active receives a hash
// of which ReLUs (and hinge margins) are active: where θ + h and θ − h differ, a kink lies
// between them and the centred difference is not the derivative.
long double reference_cost(const NetSpec& spec, const double* params, long perturbed, long double delta,
                           const double* x, const uint8_t* y, int B, double lambda, uint64_t* active = nullptr);
}  // namespace nnlab
