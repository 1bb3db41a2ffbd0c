// The training loop: mini-batch SGD over a split with a learning-rate schedule, metrics recorded
// in native code every record_every steps, progress reported through a callback, abort checked
// every step, divergence (a non-finite cost) stopping the run. Also evaluation of a saved model.
#include <cblas.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <type_traits>

#include "augment.h"
#include "engine.h"
#include "model_format.h"
#include "network.h"
#include "schedule.h"

namespace nnlab {

void set_threads(int threads) { openblas_set_num_threads(threads < 1 ? 1 : threads); }

namespace {

// Whether split s carries pixels and their map (engine.h), for the first layer on AMX (amx.h).
bool has_pixels(const Split& s) { return s.pixels && s.scale && s.shift; }

// Whether split s carries pixels through the same map as the training split.
bool same_pixels_map(const Split& s, const Split& train) {
  return has_pixels(s) && (s.scale == train.scale || std::equal(s.scale, s.scale + s.d, train.scale)) &&
         (s.shift == train.shift || std::equal(s.shift, s.shift + s.d, train.shift));
}

// What takes the first layer's float products at this level: its vector kernels, or BLAS.
const char* vector_kernel_name() { return vector_kernels() ? vector_kernels()->name : "blas"; }

template <typename T>
Status train_as(const TrainSpec& spec, const Split& train, const Split* validation, const std::atomic<bool>& abort,
                const ProgressFn& progress, TrainOutput& out) {
  // Our own parts run single-threaded BLAS calls side by side (parallel.h).
  set_threads(1);
  Pool pool(spec.threads);
  Network<T> net(spec.net);
  net.pool = &pool;
  net.init(spec.seed);
  const int B = spec.batch_size, D = train.d;
  const long steps_per_epoch = std::max<long>(1, train.n / B);
  const long subset = spec.record_subset > 0 ? std::min(spec.record_subset, train.n) : train.n;
  Rng shuffle_rng(spec.seed, kShuffleStream), dropout_rng(spec.seed, kDropoutStream),
      augment_rng(spec.seed, kAugmentStream);
  const bool augment = spec.augmentation.noise > 0 || spec.augmentation.flip || spec.augmentation.translate > 0;
  std::vector<long> order(train.n);
  std::iota(order.begin(), order.end(), 0L);
  AlignedVector<T> xb(long(B) * D);   // aligned rows for kernels.h (D a multiple of 16 keeps every row so)
  std::vector<const float*> rows(B);  // where the batch's rows lie in the training split
  std::vector<T> aug_tmp;
  std::vector<uint8_t> yb(B);
  // The first layer on pixels (amx.h) where the splits carry them and nothing alters the floats.
  const bool on_pixels = std::is_same<T, float>::value && !augment && has_pixels(train) &&
                         (!validation || same_pixels_map(*validation, train)) &&
                         net.use_pixels(train.scale, train.shift);
  std::vector<const uint8_t*> pixel_rows(on_pixels ? B : 0);
  const uint8_t* train_pixels = on_pixels ? train.pixels : nullptr;
  const uint8_t* validation_pixels = on_pixels && validation ? validation->pixels : nullptr;
  out.kernel = on_pixels ? "amx-bf16x3" : vector_kernel_name();
  out.level = level_name(kernel_choice().level);
  Progress p;
  p.total_steps = spec.total_steps;

  auto record = [&](long step, double eta) {
    CurvePoint c;
    c.step = step, c.epoch = double(step) / steps_per_epoch, c.eta = eta;
    c.train = net.evaluate(train.x, train.y, subset, D, spec.lambda, train_pixels);
    if (validation)
      c.validation = net.evaluate(validation->x, validation->y, validation->n, D, spec.lambda, validation_pixels);
    c.has_validation = validation != nullptr;
    out.curves.push_back(c);
    p.train_accuracy = c.train.accuracy;
    p.has_validation = c.has_validation;
    p.validation_accuracy = c.validation.accuracy;
  };

  record(0, schedule_eta(spec.schedule, 0, steps_per_epoch));
  // Progress at most every 100 ms (and at record points): each event wakes the JS thread, which
  // on a 2-core machine preempts a BLAS thread and stalls the product it is part of.
  auto last_report = std::chrono::steady_clock::now();
  long t = 0;
  for (; t < spec.total_steps; t++) {
    if (abort.load(std::memory_order_relaxed)) return Status::Aborted;
    const long k = t % steps_per_epoch;
    if (k == 0 && spec.shuffle)  // Fisher–Yates, a fresh order every epoch
      for (long i = train.n - 1; i > 0; i--) std::swap(order[i], order[shuffle_rng.below(i + 1)]);
    // Gather the batch. With threads, each copies the columns c0 … c1−1 of every row: the same
    // columns its share of the first layer's products reads (linear.h), so they stay in its cache.
    if (on_pixels)
      for (long i = 0; i < B; i++) pixel_rows[i] = train.pixels + order[(k * B + i) % train.n] * D;
    else {
      for (long i = 0; i < B; i++) rows[i] = train.x + order[(k * B + i) % train.n] * D;
      net.in_parts(
          D, [&](long c0, long c1) { gather_rows(xb.data(), D, rows.data(), B, c0, c1); }, kLineElems<T>, long(B) * D);
    }
    for (long i = 0; i < B; i++) yb[i] = train.y[order[(k * B + i) % train.n]];
    if (augment) augment_batch(xb.data(), B, D, spec.augmentation, augment_rng, aug_tmp);
    const double eta = schedule_eta(spec.schedule, t, steps_per_epoch);
    const double loss =
        net.forward_train(xb.data(), yb.data(), B, &dropout_rng, nullptr, on_pixels ? pixel_rows.data() : nullptr) / B;
    if (!std::isfinite(loss)) {
      out.diverged = true;
      out.diverged_step = t + 1;
      out.diverged_message = "diverged at step " + std::to_string(t + 1) + ": the training loss became " +
                             (std::isnan(loss) ? "NaN" : "infinite") + " (η = " + std::to_string(eta) +
                             "); try a smaller learning rate";
      break;
    }
    if (on_pixels && spec.momentum == 0) net.fuse_first_layer_update(eta);
    net.backward(yb.data(), B, spec.lambda);
    net.update_running(t == 0);
    net.sgd_step(eta, spec.momentum);
    const long done = t + 1;
    const bool at_record = done % spec.record_every == 0 || done == spec.total_steps;
    if (at_record) record(done, eta);
    const auto now = std::chrono::steady_clock::now();
    if (at_record || now - last_report >= std::chrono::milliseconds(100)) {
      last_report = now;
      p.step = done, p.eta = eta;
      progress(p);
    }
  }
  out.steps = t;
  out.model = save_model(net);
  out.fingerprint = fingerprint(out.model);
  if (!out.diverged) {
    out.final_train = net.evaluate(train.x, train.y, train.n, D, spec.lambda, train_pixels);
    if (validation)
      out.final_validation =
          net.evaluate(validation->x, validation->y, validation->n, D, spec.lambda, validation_pixels);
    out.has_validation = validation != nullptr;
  }
  return Status::Ok;
}

template <typename T>
void evaluate_as(const ModelHeader& h, const uint8_t* bytes, const Split& data, double lambda, int threads,
                 Metrics& out) {
  set_threads(1);
  Pool pool(threads);
  Network<T> net(h.spec);
  net.pool = &pool;
  load_model_tensors(net, bytes, h.data_offset);
  const bool on_pixels = has_pixels(data) && net.use_pixels(data.scale, data.shift);
  out = net.evaluate(data.x, data.y, data.n, data.d, lambda, on_pixels ? data.pixels : nullptr);
}

}  // namespace

Status train(const TrainSpec& spec, const Split& train, const Split* validation, const std::atomic<bool>& abort,
             const ProgressFn& progress, TrainOutput& out) {
  return spec.float64 ? train_as<double>(spec, train, validation, abort, progress, out)
                      : train_as<float>(spec, train, validation, abort, progress, out);
}

Status evaluate(const uint8_t* model, size_t bytes, const Split& data, double lambda, int threads, Metrics& out,
                std::string& error) {
  ModelHeader h;
  error = parse_model_header(model, bytes, h);
  if (!error.empty()) return Status::BadModel;
  if (h.spec.sizes.front() != data.d) {
    error =
        "the model takes " + std::to_string(h.spec.sizes.front()) + " inputs; the data has " + std::to_string(data.d);
    return Status::BadModel;
  }
  if (h.precision == 8)
    evaluate_as<double>(h, model, data, lambda, threads, out);
  else
    evaluate_as<float>(h, model, data, lambda, threads, out);
  return Status::Ok;
}

}  // namespace nnlab

namespace nnlab {
void sgemm_square(int n, const float* a, const float* b, float* c) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.f, a, n, b, n, 0.f, c, n);
}
}  // namespace nnlab
