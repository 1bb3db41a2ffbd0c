// Gradient checks: analytic gradients (network.h, float64, BLAS) against centred differences
//   g_n = (f(θ + h) − f(θ − h)) / 2h,  f = mean loss + λ·Σ‖W‖²  (batch statistics, no dropout),
// f evaluated in long double by the independent plain-loop forward of reference.cpp;
// and the fast forward/backward against the plain-loop reference (reference.cpp).
#include <algorithm>
#include <cmath>

#include "engine.h"
#include "network.h"
#include "reference.h"

namespace nnlab {

namespace {
// The fast float64 pass both checks start from: a freshly initialized network (no dropout: the
// checks compare deterministic functions), forward with batch statistics and backward on all of
// `data` as one batch. Keeps the float64 copy of x and the cost.
struct FastPass {
  NetSpec spec;
  Network<double> net;
  std::vector<double> x;
  int B;
  double cost;
  FastPass(const NetSpec& s, uint64_t seed, double lambda, const Split& data)
      : spec(without_dropout(s)), net(spec), x(long(data.n) * data.d), B(int(data.n)) {
    set_threads(1);
    net.init(seed);
    for (size_t k = 0; k < x.size(); k++) x[k] = data.x[k];
    cost = net.forward_train(x.data(), data.y, B, nullptr, nullptr) / B + net.penalty(lambda);
    net.backward(data.y, B, lambda);
  }
  static NetSpec without_dropout(NetSpec s) {
    s.dropout = 0;
    return s;
  }
};
}  // namespace

std::vector<GradCheckRow> gradient_check(const NetSpec& spec, uint64_t seed, double lambda, double h, double eps,
                                         const Split& data) {
  FastPass fast(spec, seed, lambda, data);
  const NetSpec& s = fast.spec;
  Network<double>& net = fast.net;
  const std::vector<double>& x = fast.x;
  const int B = fast.B;
  const AlignedVector<double>& analytic = net.grads;
  std::vector<GradCheckRow> rows;
  for (const TensorInfo& t : net.tensors) {
    if (t.stat) continue;
    GradCheckRow row;
    row.tensor = t.name;
    row.count = t.count;
    double sum_rel = 0;
    long compared = 0;
    for (long k = 0; k < t.count; k++) {
      const long at = t.offset + k;
      uint64_t active_up, active_down;
      const long double up = reference_cost(s, net.params.data(), at, h, x.data(), data.y, B, lambda, &active_up);
      const long double down = reference_cost(s, net.params.data(), at, -h, x.data(), data.y, B, lambda, &active_down);
      if (active_up != active_down) {
        // A ReLU (or hinge) switches between θ − h and θ + h: the difference quotient straddles a
        // kink and says nothing about the analytic gradient here. Counted, not compared.
        row.kinks++;
        continue;
      }
      const double numeric = double((up - down) / (2 * (long double)h));
      const double a = analytic[at];
      const double abs_err = std::fabs(a - numeric);
      const double rel = abs_err / std::max(eps, std::fabs(a) + std::fabs(numeric));
      row.max_abs = std::max(row.max_abs, abs_err);
      row.max_rel = std::max(row.max_rel, rel);
      sum_rel += rel;
      compared++;
    }
    row.mean_rel = compared ? sum_rel / compared : 0;
    rows.push_back(row);
  }
  return rows;
}

ReferenceComparison compare_with_reference(const NetSpec& spec, uint64_t seed, double lambda, const Split& data) {
  FastPass fast(spec, seed, lambda, data);
  Network<double>& net = fast.net;
  const double fast_cost = fast.cost;
  const ReferencePass ref = reference_pass(fast.spec, net.params.data(), fast.x.data(), data.y, fast.B, lambda);
  ReferenceComparison out;
  auto add = [&](const std::string& name, const double* a, const double* b, long n) {
    double m = 0;
    for (long k = 0; k < n; k++) m = std::max(m, std::fabs(a[k] - b[k]));
    out.names.push_back(name);
    out.max_abs.push_back(m);
  };
  add("cost", &fast_cost, &ref.cost, 1);
  for (int l = 0; l < net.depth(); l++) {
    const std::string k = std::to_string(l + 1);
    add("s" + k, net.pre_activation(l).data(), ref.s[l].data(), long(ref.s[l].size()));
    if (net.layers[l].hidden) add("h" + k, net.activation(l).data(), ref.h[l].data(), long(ref.h[l].size()));
  }
  for (const TensorInfo& t : net.tensors)
    if (!t.stat) add("d" + t.name, net.grads.data() + t.offset, ref.grads.data() + t.offset, t.count);
  return out;
}

}  // namespace nnlab
