// The training engine's plain-C++ interface: specs in, results out, no JavaScript in sight.
// addon.cpp (the only file that includes napi.h) fills these structs from validated JS options.
//
// Size letters used across native/: B batch, N samples in a split, D input dims,
// H hidden units of a layer (out), I inputs of a layer (in), C classes, L layers (sizes.size()-1).
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace nnlab {

enum class InitKind { Normal, FanIn, He, Xavier };
enum class LossKind { CrossEntropy, Svm };
enum class ScheduleKind { Constant, Step, Cyclic, LrRange };
enum class CyclicPolicy { Triangular, Triangular2, ExpRange };

struct NetSpec {
  std::vector<int> sizes;   // [D, H1 … Hk−1, C]
  bool batch_norm = false;  // on hidden layers, before the ReLU
  double bn_alpha = 0.9;    // running statistics: avg = α·avg + (1−α)·batch
  InitKind init = InitKind::He;
  double init_sigma = 0.01; // for InitKind::Normal
  double dropout = 0.0;     // probability of dropping a hidden unit in training
  LossKind loss = LossKind::CrossEntropy;
};

struct Schedule {
  ScheduleKind kind = ScheduleKind::Constant;
  double eta = 0.01;          // constant, step
  double factor = 0.1;        // step: η·factor^⌊epoch/every⌋
  double every_epochs = 10;
  double eta_min = 1e-5, eta_max = 1e-1;  // cyclic, lr_range
  long step_size = 500;       // cyclic: n_s
  CyclicPolicy policy = CyclicPolicy::Triangular;
  double gamma = 1.0;         // exp_range: amplitude·γ^t
  bool exponential = false;   // lr_range: η rises exponentially instead of linearly
  long total_steps = 1;       // lr_range: the range spans steps 0 … total_steps−1
};

struct Augmentation {
  double noise = 0.0;  // σ of Gaussian noise added to each input value
  bool flip = false;   // horizontal flip with probability 1/2 (32×32×3 channel-planar images)
  int translate = 0;   // random shift by up to ±translate pixels in x and y, zero fill
};

struct TrainSpec {
  NetSpec net;
  uint64_t seed = 1;
  int batch_size = 100;
  double lambda = 0.0;
  double momentum = 0.0;
  bool float64 = false;
  long total_steps = 1;
  bool shuffle = true;
  Augmentation augmentation;
  Schedule schedule;
  long record_every = 1;
  long record_subset = 10000;  // training samples evaluated at each record point (0 = all)
  int threads = 1;
};

// A split as the engine sees it: N rows of D float32 values (row-major), labels 0 … C−1.
struct Split {
  const float* x = nullptr;  // (N, D)
  const uint8_t* y = nullptr;  // (N)
  long n = 0;
  int d = 0;
};

struct Metrics {
  double loss = 0, cost = 0, accuracy = 0;
};

struct CurvePoint {
  long step = 0;
  double epoch = 0, eta = 0;
  Metrics train, validation;
  bool has_validation = false;
};

struct Progress {
  long step = 0, total_steps = 0;
  double eta = 0;
  bool has_validation = false;
  double validation_accuracy = 0;
  double train_accuracy = 0;
};

struct TrainOutput {
  std::vector<uint8_t> model;  // NNLB bytes, see model_format.cpp
  std::vector<CurvePoint> curves;
  long steps = 0;
  bool diverged = false;
  long diverged_step = 0;
  std::string diverged_message;
  Metrics final_train, final_validation;
  bool has_validation = false;
  std::string fingerprint;
};

struct GradCheckRow {
  std::string tensor;
  double max_rel = 0, mean_rel = 0, max_abs = 0;
  long count = 0;
  long kinks = 0;  // entries not compared: a ReLU or hinge kink lies within ±h
};

enum class Status { Ok, Aborted, BadModel };

using ProgressFn = std::function<void(const Progress&)>;

Status train(const TrainSpec& spec, const Split& train, const Split* validation, const std::atomic<bool>& abort,
             const ProgressFn& progress, TrainOutput& out);

// Evaluates a saved model (NNLB bytes) on a split in batches (bounded memory). λ enters the cost.
Status evaluate(const uint8_t* model, size_t bytes, const Split& data, double lambda, int threads, Metrics& out,
                std::string& error);

// Analytic against centred-difference gradients, float64, batch statistics, no dropout.
std::vector<GradCheckRow> gradient_check(const NetSpec& net, uint64_t seed, double lambda, double h, double eps,
                                         const Split& data);

// Largest |fast − reference| over the loss, every gradient and every forward activation of the
// fast float64 forward/backward against the plain-loop reference in reference.cpp.
struct ReferenceComparison {
  std::vector<std::string> names;
  std::vector<double> max_abs;
};
ReferenceComparison compare_with_reference(const NetSpec& net, uint64_t seed, double lambda, const Split& data);

void set_threads(int threads);

}  // namespace nnlab

namespace nnlab {
// C = A·B for n×n float32 matrices through the same OpenBLAS the engine uses (benchmarks).
void sgemm_square(int n, const float* a, const float* b, float* c);
}  // namespace nnlab
