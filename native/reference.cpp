// The slow reference (see reference.h): every sum an explicit loop, every formula as written in
// the assignments, indices spelled out. Speed is not a goal here.
#include "reference.h"

#include <cmath>

namespace nnlab {

ReferencePass reference_pass(const NetSpec& spec, const std::vector<double>& P, const double* x, const uint8_t* y,
                             int B, double lambda) {
  std::vector<LayerInfo> layers;
  std::vector<TensorInfo> tensors;
  long np, ns;
  network_layout(spec, layers, tensors, np, ns);
  const int L = int(layers.size());
  ReferencePass r;
  r.s.resize(L), r.h.resize(L);
  r.grads.assign(np, 0.0);
  std::vector<std::vector<double>> inputs(L), shat(L), var(L), z(L);

  // Forward.
  std::vector<double> cur(x, x + long(B) * spec.sizes[0]);
  for (int l = 0; l < L; l++) {
    const LayerInfo& li = layers[l];
    inputs[l] = cur;
    std::vector<double> s(long(B) * li.H);
    for (int i = 0; i < B; i++)
      for (int o = 0; o < li.H; o++) {
        double acc = li.b >= 0 ? P[li.b + o] : 0.0;
        for (int k = 0; k < li.I; k++) acc += P[li.W + long(o) * li.I + k] * cur[long(i) * li.I + k];
        s[long(i) * li.H + o] = acc;
      }
    r.s[l] = s;
    if (!li.hidden) break;
    std::vector<double> pre = s;
    if (li.bn) {
      shat[l].resize(s.size()), var[l].resize(li.H);
      for (int o = 0; o < li.H; o++) {
        double mu = 0, v = 0;
        for (int i = 0; i < B; i++) mu += s[long(i) * li.H + o];
        mu /= B;
        for (int i = 0; i < B; i++) v += (s[long(i) * li.H + o] - mu) * (s[long(i) * li.H + o] - mu);
        v /= B;
        var[l][o] = v;
        for (int i = 0; i < B; i++) {
          const long k = long(i) * li.H + o;
          shat[l][k] = (s[k] - mu) / std::sqrt(v + kBatchNormEps);
          pre[k] = P[li.gamma + o] * shat[l][k] + P[li.beta + o];
        }
      }
    }
    z[l] = pre;
    cur.assign(pre.size(), 0.0);
    for (size_t k = 0; k < pre.size(); k++) cur[k] = std::max(0.0, pre[k]);
    r.h[l] = cur;
  }

  // Loss and its gradient w.r.t. the scores.
  const int C = layers.back().H;
  const std::vector<double>& scores = r.s[L - 1];
  std::vector<double> g(long(B) * C, 0.0);
  double loss = 0;
  for (int i = 0; i < B; i++) {
    const double* si = &scores[long(i) * C];
    if (spec.loss == LossKind::CrossEntropy) {
      double mx = si[0];
      for (int c = 1; c < C; c++) mx = std::max(mx, si[c]);
      double z = 0;
      for (int c = 0; c < C; c++) z += std::exp(si[c] - mx);
      loss += -(si[y[i]] - mx - std::log(z));
      for (int c = 0; c < C; c++) g[long(i) * C + c] = (std::exp(si[c] - mx) / z - (c == y[i])) / B;
    } else {
      for (int c = 0; c < C; c++) {
        if (c == y[i]) continue;
        const double margin = si[c] - si[y[i]] + 1;
        if (margin > 0) {
          loss += margin;
          g[long(i) * C + c] += 1.0 / B;
          g[long(i) * C + y[i]] -= 1.0 / B;
        }
      }
    }
  }
  double penalty = 0;
  for (const LayerInfo& li : layers)
    for (long k = 0; k < long(li.H) * li.I; k++) penalty += P[li.W + k] * P[li.W + k];
  r.cost = loss / B + lambda * penalty;

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

}  // namespace nnlab

namespace nnlab {

long double reference_cost(const NetSpec& spec, const std::vector<double>& params, long perturbed, long double delta,
                           const double* x, const uint8_t* y, int B, double lambda) {
  using R = long double;
  std::vector<LayerInfo> layers;
  std::vector<TensorInfo> tensors;
  long np, ns;
  network_layout(spec, layers, tensors, np, ns);
  auto P = [&](long k) { return k == perturbed ? R(params[k]) + delta : R(params[k]); };
  std::vector<R> cur(x, x + long(B) * spec.sizes[0]);
  for (const LayerInfo& li : layers) {
    std::vector<R> s(long(B) * li.H);
    for (int i = 0; i < B; i++)
      for (int o = 0; o < li.H; o++) {
        R acc = li.b >= 0 ? P(li.b + o) : R(0);
        for (int k = 0; k < li.I; k++) acc += P(li.W + long(o) * li.I + k) * cur[long(i) * li.I + k];
        s[long(i) * li.H + o] = acc;
      }
    if (!li.hidden) {
      cur = s;
      break;
    }
    if (li.bn)
      for (int o = 0; o < li.H; o++) {
        R mu = 0, v = 0;
        for (int i = 0; i < B; i++) mu += s[long(i) * li.H + o];
        mu /= B;
        for (int i = 0; i < B; i++) v += (s[long(i) * li.H + o] - mu) * (s[long(i) * li.H + o] - mu);
        v /= B;
        for (int i = 0; i < B; i++) {
          R& e = s[long(i) * li.H + o];
          e = P(li.gamma + o) * (e - mu) / std::sqrt(v + R(kBatchNormEps)) + P(li.beta + o);
        }
      }
    for (R& e : s) e = e > 0 ? e : R(0);
    cur = s;
  }
  const int C = layers.back().H;
  R loss = 0;
  for (int i = 0; i < B; i++) {
    const R* si = &cur[long(i) * C];
    if (spec.loss == LossKind::CrossEntropy) {
      R mx = si[0];
      for (int c = 1; c < C; c++) mx = std::max(mx, si[c]);
      R z = 0;
      for (int c = 0; c < C; c++) z += std::exp(si[c] - mx);
      loss += std::log(z) + mx - si[y[i]];
    } else {
      for (int c = 0; c < C; c++)
        if (c != y[i]) loss += std::max(R(0), si[c] - si[y[i]] + 1);
    }
  }
  R penalty = 0;
  for (const LayerInfo& li : layers)
    for (long k = 0; k < long(li.H) * li.I; k++) penalty += P(li.W + k) * P(li.W + k);
  return loss / B + R(lambda) * penalty;
}

}  // namespace nnlab
