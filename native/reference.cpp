// The slow reference (see reference.h): every sum an explicit loop, every formula as written in
// the assignments, indices spelled out. Speed is not a goal here.
#include "reference.h"

#include <cmath>

namespace nnlab {

namespace {

// Every intermediate of the forward pass, kept for the backward pass and the comparison.
template <typename R>
struct Forward {
  std::vector<std::vector<R>> inputs, s, shat, var, z, h;  // per layer
  R cost = 0;                                              // mean loss + λ·Σ‖W‖²
  uint64_t kinks = 0xcbf29ce484222325ull;                  // hash of which ReLUs (and hinge margins) are active
};

// Folds an active unit into the signature (FNV-1a over its index).
inline void mark_active(uint64_t& sig, uint64_t index) { sig = (sig ^ index) * 0x100000001b3ull; }

// The forward pass in precision R, parameters read through P(k) (so the gradient check can shift
// one of them by a step in extended precision).
template <typename R, typename Param>
Forward<R> forward(const NetSpec& spec, const std::vector<LayerInfo>& layers, Param P, const double* x,
                   const uint8_t* y, int B, double lambda) {
  const int L = int(layers.size());
  Forward<R> f;
  for (auto* v : {&f.inputs, &f.s, &f.shat, &f.var, &f.z, &f.h}) v->resize(L);
  std::vector<R> cur(x, x + long(B) * spec.sizes[0]);
  for (int l = 0; l < L; l++) {
    const LayerInfo& li = layers[l];
    f.inputs[l] = cur;
    std::vector<R> s(long(B) * li.H);
    for (int i = 0; i < B; i++)
      for (int o = 0; o < li.H; o++) {
        R acc = li.b >= 0 ? P(li.b + o) : R(0);
        for (int k = 0; k < li.I; k++) acc += P(li.W + long(o) * li.I + k) * cur[long(i) * li.I + k];
        s[long(i) * li.H + o] = acc;
      }
    f.s[l] = s;
    if (!li.hidden) break;
    std::vector<R> pre = s;
    if (li.bn) {
      f.shat[l].resize(s.size()), f.var[l].resize(li.H);
      for (int o = 0; o < li.H; o++) {
        R mu = 0, v = 0;
        for (int i = 0; i < B; i++) mu += s[long(i) * li.H + o];
        mu /= B;
        for (int i = 0; i < B; i++) v += (s[long(i) * li.H + o] - mu) * (s[long(i) * li.H + o] - mu);
        v /= B;
        f.var[l][o] = v;
        for (int i = 0; i < B; i++) {
          const long k = long(i) * li.H + o;
          f.shat[l][k] = (s[k] - mu) / std::sqrt(v + R(kBatchNormEps));
          pre[k] = P(li.gamma + o) * f.shat[l][k] + P(li.beta + o);
        }
      }
    }
    f.z[l] = pre;
    cur.assign(pre.size(), R(0));
    for (size_t k = 0; k < pre.size(); k++) {
      cur[k] = std::max(R(0), pre[k]);
      if (pre[k] > 0) mark_active(f.kinks, (uint64_t(l) << 40) | k);
    }
    f.h[l] = cur;
  }
  const int C = layers.back().H;
  const std::vector<R>& scores = f.s[L - 1];
  R loss = 0;
  for (int i = 0; i < B; i++) {
    const R* si = &scores[long(i) * C];
    if (spec.loss == LossKind::CrossEntropy) {
      R mx = si[0];
      for (int c = 1; c < C; c++) mx = std::max(mx, si[c]);
      R sum = 0;
      for (int c = 0; c < C; c++) sum += std::exp(si[c] - mx);
      loss += std::log(sum) + mx - si[y[i]];
    } else {
      for (int c = 0; c < C; c++)
        if (c != y[i] && si[c] - si[y[i]] + 1 > 0) {
          loss += si[c] - si[y[i]] + 1;
          mark_active(f.kinks, (uint64_t(L) << 40) | (uint64_t(i) * C + c));
        }
    }
  }
  R penalty = 0;
  for (const LayerInfo& li : layers)
    for (long k = 0; k < long(li.H) * li.I; k++) penalty += P(li.W + k) * P(li.W + k);
  f.cost = loss / B + R(lambda) * penalty;
  return f;
}

}  // namespace

ReferencePass reference_pass(const NetSpec& spec, const double* P, const double* x, const uint8_t* y, int B,
                             double lambda) {
  std::vector<LayerInfo> layers;
  std::vector<TensorInfo> tensors;
  long np, ns;
  network_layout(spec, layers, tensors, np, ns);
  const int L = int(layers.size());
  const Forward<double> f = forward<double>(
      spec, layers, [&](long k) { return P[k]; }, x, y, B, lambda);
  const auto& inputs = f.inputs;
  const auto& shat = f.shat;
  const auto& var = f.var;
  const auto& z = f.z;
  ReferencePass r;
  r.cost = f.cost;
  r.s = f.s;
  r.h = f.h;
  r.grads.assign(np, 0.0);

  // Gradient of the mean loss w.r.t. the scores: (softmax − one-hot)/B, or the hinge's ±1/B.
  const int C = layers.back().H;
  const std::vector<double>& scores = r.s[L - 1];
  std::vector<double> g(long(B) * C, 0.0);
  for (int i = 0; i < B; i++) {
    const double* si = &scores[long(i) * C];
    if (spec.loss == LossKind::CrossEntropy) {
      double mx = si[0];
      for (int c = 1; c < C; c++) mx = std::max(mx, si[c]);
      double sum = 0;
      for (int c = 0; c < C; c++) sum += std::exp(si[c] - mx);
      for (int c = 0; c < C; c++) g[long(i) * C + c] = (std::exp(si[c] - mx) / sum - (c == y[i])) / B;
    } else {
      for (int c = 0; c < C; c++)
        if (c != y[i] && si[c] - si[y[i]] + 1 > 0) {
          g[long(i) * C + c] += 1.0 / B;
          g[long(i) * C + y[i]] -= 1.0 / B;
        }
    }
  }

  // Backward, layer by layer, straight from the chain rule.
  for (int l = L - 1; l >= 0; l--) {
    const LayerInfo& li = layers[l];
    if (li.hidden) {
      for (size_t k = 0; k < g.size(); k++) g[k] = z[l][k] > 0 ? g[k] : 0.0;
      if (li.bn) {
        std::vector<double> gs(g.size());
        for (int o = 0; o < li.H; o++) {
          double dgamma = 0, dbeta = 0;
          for (int i = 0; i < B; i++) {
            dgamma += g[long(i) * li.H + o] * shat[l][long(i) * li.H + o];
            dbeta += g[long(i) * li.H + o];
          }
          r.grads[li.gamma + o] = dgamma;
          r.grads[li.beta + o] = dbeta;
          // ∂L/∂s_i = γ/(B·σ) · (B·g_i − Σ_j g_j − ŝ_i · Σ_j g_j ŝ_j), σ = √(var + ε)
          const double sigma = std::sqrt(var[l][o] + kBatchNormEps);
          for (int i = 0; i < B; i++) {
            const long k = long(i) * li.H + o;
            gs[k] = P[li.gamma + o] / (B * sigma) * (B * g[k] - dbeta - shat[l][k] * dgamma);
          }
        }
        g = gs;
      }
    }
    for (int o = 0; o < li.H; o++) {
      for (int k = 0; k < li.I; k++) {
        double acc = 0;
        for (int i = 0; i < B; i++) acc += g[long(i) * li.H + o] * inputs[l][long(i) * li.I + k];
        r.grads[li.W + long(o) * li.I + k] = acc + 2 * lambda * P[li.W + long(o) * li.I + k];
      }
      if (li.b >= 0) {
        double acc = 0;
        for (int i = 0; i < B; i++) acc += g[long(i) * li.H + o];
        r.grads[li.b + o] = acc;
      }
    }
    if (l == 0) break;
    std::vector<double> gin(long(B) * li.I, 0.0);
    for (int i = 0; i < B; i++)
      for (int k = 0; k < li.I; k++) {
        double acc = 0;
        for (int o = 0; o < li.H; o++) acc += g[long(i) * li.H + o] * P[li.W + long(o) * li.I + k];
        gin[long(i) * li.I + k] = acc;
      }
    g = gin;
  }
  return r;
}

long double reference_cost(const NetSpec& spec, const double* params, long perturbed, long double delta,
                           const double* x, const uint8_t* y, int B, double lambda, uint64_t* active) {
  std::vector<LayerInfo> layers;
  std::vector<TensorInfo> tensors;
  long np, ns;
  network_layout(spec, layers, tensors, np, ns);
  auto P = [&](long k) { return k == perturbed ? (long double)params[k] + delta : (long double)params[k]; };
  const Forward<long double> f = forward<long double>(spec, layers, P, x, y, B, lambda);
  if (active) *active = f.kinks;
  return f.cost;
}

}  // namespace nnlab
