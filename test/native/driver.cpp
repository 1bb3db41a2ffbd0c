// The engine without node: gradient checks (analytic against centred differences), the fast
// float64 pass against the plain-loop reference, and short trainings (deterministic, the loss
// falling) through native/'s own entry points. Built by test/engine/arm64.test.ts for aarch64
// with Debian's cross compiler and run under qemu-aarch64; prints one line per check and exits 1
// if any fails. Any other target builds it the same way (c++ -Itest/native/include …).
#include <cmath>
#include <cstdio>
#include <vector>

#include "../../native/dispatch.h"
#include "../../native/engine.h"

using namespace nnlab;

namespace {

int failures = 0;

void check(bool ok, const char* what, double value, double bound) {
  std::printf("%s %s: %.3g (bound %.3g)\n", ok ? "ok  " : "FAIL", what, value, bound);
  if (!ok) failures++;
}

// n rows of d values of mean 0 and spread about 1, labels in 0 … classes−1 (a fixed LCG).
struct Data {
  std::vector<float> x;
  std::vector<uint8_t> y;
  Split split;
  Data(int n, int d, int classes, uint32_t seed) : x(size_t(n) * d), y(n) {
    auto next = [&] { return (seed = seed * 1664525u + 1013904223u) / 4294967296.0; };
    for (int i = 0; i < n; i++) y[i] = uint8_t(i % classes);
    for (int i = 0; i < n; i++)  // each class a shifted cloud, so that training can learn it
      for (int k = 0; k < d; k++)
        x[size_t(i) * d + k] = float((next() + next() + next() - 1.5) * 2 + 0.5 * ((k % classes) == y[i]));
    split.x = x.data(), split.y = y.data(), split.n = n, split.d = d;
  }
};

NetSpec net(std::vector<int> sizes, bool bn) {
  NetSpec s;
  s.sizes = sizes, s.batch_norm = bn, s.bn_alpha = 0.9, s.init = InitKind::He, s.loss = LossKind::CrossEntropy;
  return s;
}

TrainOutput train_once(const NetSpec& n, const Split& tr, const Split& va, bool float64, int threads) {
  TrainSpec t;
  t.net = n, t.seed = 3, t.batch_size = 50, t.lambda = 0.01, t.momentum = 0.9, t.float64 = float64;
  t.total_steps = 40, t.shuffle = true, t.record_every = 20, t.threads = threads;
  t.schedule.kind = ScheduleKind::Constant, t.schedule.eta = 0.02;
  std::atomic<bool> abort{false};
  TrainOutput out;
  train(
      t, tr, &va, abort, [](const Progress&) {}, out);
  return out;
}

}  // namespace

int main() {
  std::printf("kernel level: %s\n", level_name(kernel_choice().level));
  const Data small(8, 12, 5, 3);  // small: long double is emulated in software on aarch64
  const NetSpec nets[] = {net({12, 16, 5}, false), net({12, 16, 12, 5}, true)};
  for (const NetSpec& n : nets) {
    double worst = 0;
    for (const GradCheckRow& r : gradient_check(n, 1, 0.01, 1e-5, 1e-6, small.split))
      worst = std::fmax(worst, r.max_rel);
    check(worst <= 1e-6,
          ("gradient check, " + std::to_string(n.sizes.size() - 1) + " layers" + (n.batch_norm ? " BN" : "") +
           ", max relative error")
              .c_str(),
          worst, 1e-6);
    const ReferenceComparison c = compare_with_reference(n, 1, 0.01, small.split);
    double diff = 0;
    for (double d : c.max_abs) diff = std::fmax(diff, d);
    check(diff <= 1e-10, "fast float64 pass against the reference, max |difference|", diff, 1e-10);
  }
  const Data tr(300, 64, 5, 1), va(100, 64, 5, 2);
  for (bool float64 : {false, true})
    for (int threads : {1, 2}) {
      const TrainOutput a = train_once(net({64, 24, 5}, true), tr.split, va.split, float64, threads);
      const TrainOutput b = train_once(net({64, 24, 5}, true), tr.split, va.split, float64, threads);
      const char* p = float64 ? "float64" : "float32";
      std::printf("%s %s, %d thread(s): fingerprint %s, %s\n", a.fingerprint == b.fingerprint ? "ok  " : "FAIL", p,
                  threads, a.fingerprint.c_str(), "the same twice");
      if (a.fingerprint != b.fingerprint) failures++;
      const double first = a.curves.front().train.loss, last = a.final_train.loss;
      check(last < 0.8 * first, (std::string(p) + " training loss, last over first").c_str(), last / first, 0.8);
    }
  std::printf("%s\n", failures ? "FAILED" : "all passed");
  return failures ? 1 : 0;
}
