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

// No defaults here: addon.cpp sets every field from options that src/engine/defaults.ts completed
// (the experiment's defaults are the schema's). Members are zero-initialized only so that a
// field a kind does not use (init_sigma unless Normal, gamma unless ExpRange) holds no garbage.
struct NetSpec {
  std::vector<int> sizes;  // [D, H1 … Hk−1, C]
  bool batch_norm{};       // on hidden layers, before the ReLU
  double bn_alpha{};       // running statistics: avg = α·avg + (1−α)·batch
  InitKind init{};
  double init_sigma{};  // for InitKind::Normal
  double dropout{};     // probability of dropping a hidden unit in training
  LossKind loss{};
};

struct Schedule {
  ScheduleKind kind{};
  double eta{};     // constant, step
  double factor{};  // step: η·factor^⌊epoch/every⌋
  double every_epochs{};
  double eta_min{}, eta_max{};  // cyclic, lr_range
  long step_size{};             // cyclic: n_s
  CyclicPolicy policy{};
  double gamma{};      // exp_range: amplitude·γ^t
  bool exponential{};  // lr_range: η rises exponentially instead of linearly
  long total_steps{};  // lr_range: the range spans steps 0 … total_steps−1
};

struct Augmentation {
  double noise{};   // σ of Gaussian noise added to each input value
  bool flip{};      // horizontal flip with probability 1/2 (32×32×3 channel-planar images)
  int translate{};  // random shift by up to ±translate pixels in x and y, zero fill
};

struct TrainSpec {
  NetSpec net;
  uint64_t seed{};
  int batch_size{};
  double lambda{};
  double momentum{};
  bool float64{};
  long total_steps{};
  bool shuffle{};
  Augmentation augmentation;
  Schedule schedule;
  long record_every{};
  long record_subset{};  // training samples evaluated at each record point (0 = all)
  int threads{};
};

// A split as the engine sees it: N rows of D float32 values (row-major), labels 0 … C−1. When the
// floats are uint8 pixels through a per-dimension map x = scale·p + shift, the pixels and the map
// may come too: float32 training then takes the first layer's products on them (amx.h).
struct Split {
  const float* x = nullptr;    // (N, D)
  const uint8_t* y = nullptr;  // (N)
  long n = 0;
  int d = 0;
  const uint8_t* pixels = nullptr;                 // (N, D) or null
  const float *scale = nullptr, *shift = nullptr;  // (D) each, with pixels
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
  std::string kernel;  // what took the first layer's products: "amx-bf16x3", "avx512", "avx2" or "blas"
  std::string level;   // the kernel level in use (dispatch.h): "generic", "avx2", "avx512" or "amx"
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
