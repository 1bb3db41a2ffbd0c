// A k-layer fully-connected network: parameters in one arena, gradients and momentum in arenas of
// the same layout (so the update is one flat loop), running BN statistics in a fourth, and the
// forward/backward passes that chain linear.h, batchnorm.h, relu.h and loss.h.
#pragma once
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "amx.h"
#include "batchnorm.h"
#include "engine.h"
#include "linear.h"
#include "loss.h"
#include "relu.h"
#include "rng.h"

namespace nnlab {

// Where a tensor lives: offset into params (or stats), element count, name as in the assignments
// (W1, b1, gamma1, beta1 … 1-based), and whether it is a weight matrix (L2 applies).
struct TensorInfo {
  std::string name;
  long offset, count;
  bool weight;
  bool stat;  // running mean/var: in the stats arena, not trained
};

struct LayerInfo {
  int I, H;  // inputs, outputs
  bool hidden, bn;
  long W, b = -1, gamma = -1, beta = -1;  // offsets into params; -1 absent
  long mean = -1, var = -1;               // offsets into stats
};

// The layout depends only on the spec; model_format.cpp writes tensors in tensors() order.
inline void network_layout(const NetSpec& spec, std::vector<LayerInfo>& layers, std::vector<TensorInfo>& tensors,
                           long& n_params, long& n_stats) {
  const int L = int(spec.sizes.size()) - 1;
  layers.clear(), tensors.clear();
  n_params = 0, n_stats = 0;
  for (int l = 0; l < L; l++) {
    LayerInfo li;
    li.I = spec.sizes[l], li.H = spec.sizes[l + 1];
    li.hidden = l < L - 1;
    li.bn = li.hidden && spec.batch_norm;
    const std::string k = std::to_string(l + 1);
    auto add = [&](const std::string& name, long count, bool weight, bool stat) {
      long& top = stat ? n_stats : n_params;
      tensors.push_back({name + k, top, count, weight, stat});
      top += count;
      return tensors.back().offset;
    };
    li.W = add("W", long(li.H) * li.I, true, false);
    if (!li.bn) li.b = add("b", li.H, false, false);
    if (li.bn) {
      li.gamma = add("gamma", li.H, false, false);
      li.beta = add("beta", li.H, false, false);
      li.mean = add("mean", li.H, false, true);
      li.var = add("var", li.H, false, true);
    }
    layers.push_back(li);
  }
}

template <typename T>
class Network {
 public:
  NetSpec spec;
  std::vector<LayerInfo> layers;
  std::vector<TensorInfo> tensors;
  AlignedVector<T> params, grads, velocity, stats;  // aligned: W1's rows feed kernels.h's vector loads
  Pool* pool = nullptr;  // splits large products between threads (parallel.h); null: one thread

  explicit Network(const NetSpec& s) : spec(s) {
    long np, ns;
    network_layout(spec, layers, tensors, np, ns);
    params.assign(np, T(0)), grads.assign(np, T(0)), stats.assign(ns, T(0));
    max_width_ = 0;
    for (auto& l : layers) max_width_ = std::max(max_width_, l.H);
  }

  int depth() const { return int(layers.size()); }

  // Takes the first layer's products on uint8 pixels x = scale·p + shift with AMX tiles (amx.h),
  // where the kernel level is amx (dispatch.h) and T is float. Returns whether it will; set the
  // pool first.
  bool use_pixels(const float* scale, const float* shift) {
    if (!std::is_same<T, float>::value || !kernel_choice().amx) return false;
    amx_.reset(amx::new_first_layer(layers[0].I, layers[0].H, pool ? pool->parts() : 1, scale, shift));
    colsum_.assign(layers[0].H, 0.f);
    return true;
  }
  int classes() const { return layers.back().H; }

  // Weights from N(0, σ²) with σ by spec.init; biases 0, γ 1, β 0; running stats 0 and 1.
  void init(uint64_t seed) {
    Rng rng(seed, kInitStream);
    for (auto& l : layers) {
      double sigma = spec.init_sigma;
      switch (spec.init) {
        case InitKind::Normal:
          break;
        case InitKind::FanIn:
          sigma = 1.0 / std::sqrt(double(l.I));
          break;
        case InitKind::He:
          sigma = std::sqrt(2.0 / l.I);
          break;
        case InitKind::Xavier:
          sigma = std::sqrt(2.0 / (l.I + l.H));
          break;
      }
      for (long k = 0; k < long(l.H) * l.I; k++) params[l.W + k] = T(sigma * rng.normal());
      if (l.bn)
        for (int h = 0; h < l.H; h++) params[l.gamma + h] = T(1), stats[l.var + h] = T(1);
    }
  }

  // λ·Σ‖W_l‖²
  double penalty(double lambda) const {
    double sum = 0;
    for (auto& l : layers)
      for (long k = 0; k < long(l.H) * l.I; k++) sum += double(params[l.W + k]) * double(params[l.W + k]);
    return lambda * sum;
  }

  // ---- training mode ------------------------------------------------------------------------
  // Forward on a batch x (B, D) with batch statistics (and dropout when rng is given). Keeps
  // every layer's activations for backward. Returns the summed loss; *correct counts argmax hits.
  // With use_pixels, pixel_rows (B pointers to rows of pixels) may replace x.
  double forward_train(const T* x, const uint8_t* y, int B, Rng* dropout_rng, long* correct,
                       const uint8_t* const* pixel_rows = nullptr) {
    ensure_train(B);
    x_ = x;
    on_pixels_ = pixel_rows != nullptr;
    const int L = depth();
    for (int l = 0; l < L; l++) {
      const LayerInfo& li = layers[l];
      Work& w = work_[l];
      const long n = long(B) * li.H;
      if (l == 0 && pixel_rows)
        first_layer_forward(w.s.data(), pixel_rows, B, B, true, true);
      else
        linear_forward(w.s.data(), input_of(l), &params[li.W], li.b >= 0 ? &params[li.b] : (const T*)nullptr, B, li.I,
                       li.H, pool);
      if (!li.hidden) break;
      const T* pre = w.s.data();
      if (li.bn) {
        batchnorm_forward(w.z.data(), w.shat.data(), w.mean.data(), w.var.data(), w.rstd.data(), w.s.data(),
                          &params[li.gamma], &params[li.beta], B, li.H);
        pre = w.z.data();
      }
      relu_forward(w.h.data(), pre, n);
      if (dropout_rng && spec.dropout > 0)
        dropout_forward(w.a.data(), w.mask.data(), w.h.data(), spec.dropout, n, *dropout_rng);
      dropped_ = dropout_rng && spec.dropout > 0;
    }
    if (L == 1) dropped_ = false;
    const bool ce = spec.loss == LossKind::CrossEntropy;
    return loss_forward(ce ? probs_.data() : (T*)nullptr, correct, work_[L - 1].s.data(), y, spec.loss, B, classes());
  }

  // Gradients of mean loss + λ·Σ‖W‖² into grads, after forward_train on the same batch. Two
  // (B, widest) buffers take turns: d holds the gradient flowing down, spare the next one.
  void backward(const uint8_t* y, int B, double lambda) {
    const int L = depth();
    T* d = d0_.data();
    T* spare = d1_.data();
    loss_backward(d, probs_.data(), work_[L - 1].s.data(), y, spec.loss, B, classes());
    for (int l = L - 1; l >= 0; l--) {
      const LayerInfo& li = layers[l];
      Work& w = work_[l];
      const long n = long(B) * li.H;
      if (li.hidden) {
        if (dropped_) dropout_backward(d, d, w.mask.data(), n);
        relu_backward(d, d, w.h.data(), n);
        if (li.bn) {
          batchnorm_backward(spare, &grads[li.gamma], &grads[li.beta], w.sum1.data(), w.sum2.data(), d, w.shat.data(),
                             w.rstd.data(), &params[li.gamma], B, li.H);
          std::swap(d, spare);
        }
      }
      if (l == 0 && on_pixels_)
        first_layer_backward(d, B, T(2 * lambda));
      else
        linear_backward(l > 0 ? spare : (T*)nullptr, &grads[li.W], li.b >= 0 ? &grads[li.b] : (T*)nullptr, d,
                        input_of(l), &params[li.W], B, li.I, li.H, T(2 * lambda), pool);
      if (l > 0) std::swap(d, spare);
    }
  }

  // Blends this batch's BN statistics (from forward_train) into the running averages.
  void update_running(bool first) {
    for (int l = 0; l < depth(); l++) {
      const LayerInfo& li = layers[l];
      if (!li.bn) continue;
      batchnorm_update_running(&stats[li.mean], &stats[li.var], work_[l].mean.data(), work_[l].var.data(),
                               spec.bn_alpha, first, li.H);
    }
  }

  // One SGD step with optional momentum: v ← μv − η·g, θ ← θ + v (plain θ ← θ − η·g when μ = 0).
  void sgd_step(double eta, double momentum) {
    if (momentum > 0 && velocity.size() != params.size()) velocity.assign(params.size(), T(0));
    const T m = T(momentum), e = T(eta);
    // W1 (the arena's first tensor) when backward updated it already (fuse_first_layer_update).
    const long done = first_updated_ ? long(layers[0].H) * layers[0].I : 0;
    first_updated_ = false, fused_eta_ = -1;
    auto update = [&](long k0, long k1) {
      k0 += done, k1 += done;
      if (momentum > 0)
        for (long k = k0; k < k1; k++) {
          velocity[k] = m * velocity[k] - e * grads[k];
          params[k] += velocity[k];
        }
      else
        for (long k = k0; k < k1; k++) params[k] -= e * grads[k];
    };
    in_parts(long(params.size()) - done, update);
  }

  // Plain SGD (no momentum) on pixels: the next backward updates W1 by −eta·dW where it computes
  // dW (amx.h), and sgd_step skips it: one pass over W1 instead of three, the same floats.
  void fuse_first_layer_update(double eta) { fused_eta_ = eta; }

  // f(begin, end) over [0, n), split between the pool's threads (at multiples of align) when the
  // work it stands for is large.
  template <typename F>
  void in_parts(long n, const F& f, long align = kLineElems<T>, long work = -1) {
    if (!pool || pool->parts() == 1 || (work < 0 ? n : work) < 65536) return f(0, n);
    pool->run([&](int p) {
      long a, z;
      split_range(n, p, pool->parts(), a, z, align);
      f(a, z);
    });
  }

  // ---- evaluation mode ----------------------------------------------------------------------
  // Summed loss and correct count over x (N, D) float32, in chunks of kEvalChunk rows, with the
  // running BN statistics and no dropout. Memory: two (chunk, widest layer) buffers.
  // The first layer reads x in blocks of eval_block() rows copied (float64: converted) into an
  // aligned buffer, each thread its own columns (as the training batch). Read in place, x's rows
  // (a JS Float32Array's) lie 16 bytes off a cache line and a chunk (12 MB of CIFAR-10) overflows
  // L2 between the kernel's passes: measured on one thread, 6.3 ms per 1000 rows in place against
  // 3.9 ms in aligned blocks. Each output is the same sum either way (the split between threads
  // is decided for the whole chunk, as before).
  static constexpr int kEvalChunk = 1000;
  // Rows a block: 100 for the vector kernels and AMX; the whole chunk for BLAS (the generic
  // level), which packs its operands itself.
  static int eval_block() { return vector_kernels() || kernel_choice().amx ? 100 : kEvalChunk; }
  // With use_pixels, pixels (N, D) may be given: the first layer then reads them instead of x.
  double evaluate_sum(const float* x, const uint8_t* y, long N, int D, long* correct, const uint8_t* pixels = nullptr) {
    const int chunk = int(std::min<long>(N, kEvalChunk));
    bool pack = true;  // the first layer's packed weights (amx.h), once per call
    ea_.resize(long(chunk) * max_width_), eb_.resize(long(chunk) * max_width_);
    const int block = eval_block();
    ex_.resize(long(std::min(chunk, block)) * D), block_rows_.resize(std::min(chunk, block));
    pixel_rows_.resize(std::min(chunk, block));
    double total = 0;
    long right = 0;
    for (long start = 0; start < N; start += chunk) {
      const int B = int(std::min<long>(chunk, N - start));
      const T* in = nullptr;
      T* out = ea_.data();
      T* spare = eb_.data();
      for (int l = 0; l < depth(); l++) {
        const LayerInfo& li = layers[l];
        const T* bias = li.b >= 0 ? &params[li.b] : (const T*)nullptr;
        if (l == 0 && pixels)
          for (int r = 0; r < B; r += block) {
            const int b = std::min(block, B - r);
            for (int i = 0; i < b; i++) pixel_rows_[i] = pixels + (start + r + i) * D;
            first_layer_forward(out + long(r) * li.H, pixel_rows_.data(), b, chunk, false, pack);
            pack = false;
          }
        else if (l == 0)
          for (int r = 0; r < B; r += block) {
            const int b = std::min(block, B - r);
            for (int i = 0; i < b; i++) block_rows_[i] = x + (start + r + i) * D;
            in_parts(
                D, [&](long c0, long c1) { gather_rows(ex_.data(), D, block_rows_.data(), b, c0, c1); }, kLineElems<T>,
                long(b) * D);
            linear_forward(out + long(r) * li.H, ex_.data(), &params[li.W], bias, b, li.I, li.H, pool, B);
          }
        else
          linear_forward(out, in, &params[li.W], bias, B, li.I, li.H, pool);
        if (li.hidden) {
          if (li.bn)
            batchnorm_inference(out, out, &params[li.gamma], &params[li.beta], &stats[li.mean], &stats[li.var], B,
                                li.H);
          relu_forward(out, out, long(B) * li.H);
        }
        in = out;
        std::swap(out, spare);
      }
      long c = 0;
      total += loss_forward((T*)nullptr, &c, in, y + start, spec.loss, B, classes());
      right += c;
    }
    *correct = right;
    return total;
  }

  Metrics evaluate(const float* x, const uint8_t* y, long N, int D, double lambda, const uint8_t* pixels = nullptr) {
    long correct = 0;
    const double sum = evaluate_sum(x, y, N, D, &correct, pixels);
    Metrics m;
    m.loss = sum / N;
    m.cost = m.loss + penalty(lambda);
    m.accuracy = double(correct) / N;
    return m;
  }

  // The activations forward_train kept, for the reference comparison: s, then (BN) z, then h.
  const std::vector<T>& pre_activation(int l) const { return work_[l].s; }
  const std::vector<T>& normalized(int l) const { return work_[l].z; }
  const std::vector<T>& activation(int l) const { return work_[l].h; }
  const std::vector<T>& probabilities() const { return probs_; }

 private:
  struct Work {
    std::vector<T> s;                            // (B, H) pre-activation  inp·Wᵀ + b
    std::vector<T> z, shat;                      // (B, H) BN output and normalized input
    std::vector<T> mean, var, rstd, sum1, sum2;  // (H) batch statistics and backward sums
    std::vector<T> h;                            // (B, H) ReLU output
    std::vector<T> a, mask;                      // (B, H) dropout output and mask
  };
  std::vector<Work> work_;
  std::vector<T> probs_;                    // (B, C)
  std::vector<T> d0_, d1_;                  // (B, widest) gradient buffers
  std::vector<T> ea_, eb_;                  // evaluation buffers
  AlignedVector<T> ex_;                     // an aligned block of the input (evaluate_sum)
  std::vector<const float*> block_rows_;    // its rows in the input
  std::vector<const uint8_t*> pixel_rows_;  // or in the pixels
  const T* x_ = nullptr;
  int cap_ = 0, max_width_ = 0;
  bool dropped_ = false;
  bool on_pixels_ = false;                // the last forward_train read pixels
  double fused_eta_ = -1;                 // fuse_first_layer_update's η (−1: none)
  bool first_updated_ = false;            // backward updated W1 already
  std::unique_ptr<amx::FirstLayer> amx_;  // the first layer on AMX (use_pixels), or null
  std::vector<float> colsum_;             // (H1) Σ_b δ of the first layer, for AMX's dW and db

  // out (n, H) = the first layer's pre-activation for n rows of pixels, on AMX: each thread its
  // K blocks (gather, packing when pack, product), the threads' shares summed in a fixed order.
  // split_rows: the rows the decision to split is made for (the whole chunk, in evaluation).
  void first_layer_forward(T* out, const uint8_t* const* rows, int n, int split_rows, bool train, bool pack) {
    if constexpr (std::is_same<T, float>::value) {
      const LayerInfo& li = layers[0];
      amx_->reserve(n, train);
      const int parts = split_parts(pool, long(split_rows) * li.I * li.H);
      T* partial = parts > 1 ? pool->scratch<T>(size_t(parts - 1) * n * li.H) : nullptr;
      auto job = [&](int p) {
        long k0, k1;
        split_range(amx_->blocks(), p, parts, k0, k1);
        amx_->gather(rows, n, int(k0), int(k1), train);
        if (pack) amx_->pack(&params[li.W], p, int(k0), int(k1));
        amx_->forward(p == 0 ? out : partial + size_t(p - 1) * n * li.H, n, p, int(k0), int(k1));
      };
      if (parts > 1)
        pool->run(job);
      else
        job(0);
      sum_parts(out, partial, parts, li.b >= 0 ? &params[li.b] : (const T*)nullptr, n, li.H);
      return;
    }
    (void)out, (void)rows, (void)n, (void)split_rows, (void)train, (void)pack;
  }

  // The first layer's gradients (dW with l2·W, and db) from d (n, H), after a forward on pixels.
  void first_layer_backward(const T* d, int n, T l2) {
    if constexpr (std::is_same<T, float>::value) {
      const LayerInfo& li = layers[0];
      column_sums(colsum_.data(), d, n, li.H);
      amx_->prepare_gradient(d, n);
      first_updated_ = fused_eta_ >= 0 && li.W == 0;
      const int parts = split_parts(pool, long(n) * li.I * li.H);
      auto job = [&](int p) {
        long k0, k1;
        split_range(amx_->blocks(), p, parts, k0, k1);
        amx_->weight_gradient(&grads[li.W], &params[li.W], l2, colsum_.data(), int(k0), int(k1),
                              first_updated_ ? float(fused_eta_) : -1.f);
      };
      if (parts > 1)
        pool->run(job);
      else
        job(0);
      if (li.b >= 0)  // db = Σ_b δ, summed once for dW and db
        std::copy(colsum_.begin(), colsum_.end(), &grads[li.b]);
      return;
    }
    (void)d, (void)n, (void)l2;
  }

  const T* input_of(int l) const {
    if (l == 0) return x_;
    const Work& w = work_[l - 1];
    return dropped_ ? w.a.data() : w.h.data();
  }

  void ensure_train(int B) {
    if (B <= cap_) return;
    cap_ = B;
    work_.resize(layers.size());
    for (size_t l = 0; l < layers.size(); l++) {
      const LayerInfo& li = layers[l];
      const long n = long(B) * li.H;
      Work& w = work_[l];
      w.s.assign(n, T(0));
      if (li.hidden) {
        w.h.assign(n, T(0));
        if (spec.dropout > 0) w.a.assign(n, T(0)), w.mask.assign(n, T(0));
      }
      if (li.bn) {
        w.z.assign(n, T(0)), w.shat.assign(n, T(0));
        for (auto* v : {&w.mean, &w.var, &w.rstd, &w.sum1, &w.sum2}) v->assign(li.H, T(0));
      }
    }
    probs_.assign(long(B) * classes(), T(0));
    d0_.assign(long(B) * max_width_, T(0)), d1_.assign(long(B) * max_width_, T(0));
  }
};

}  // namespace nnlab
