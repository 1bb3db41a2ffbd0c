// The only file that includes napi.h: it copies options that src/engine/ has already validated
// into plain structs, runs the work off the JS thread (AsyncWorker), streams progress, and turns
// a status into a JS exception. It checks nothing TypeScript has checked and never exits.
#include <napi.h>

#include <chrono>
#include <memory>
#include <new>
#include <vector>

#include <cblas.h>  // OpenBLAS's own header: openblas_get_corename/config, OPENBLAS_VERSION

#include "engine.h"

using namespace nnlab;

namespace {

// The engine's buffers did not fit: src/engine/index.ts turns this prefix into EngineError('ENOMEM')
// with the sizes it asked for. Other exceptions keep node-addon-api's mapping (their what()).
const char* const kOutOfMemory = "ENOMEM: the engine could not allocate its buffers (std::bad_alloc)";

double num(const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
}
bool flag(const Napi::Object& o, const char* key, bool fallback) {
  Napi::Value v = o.Get(key);
  return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : fallback;
}
std::string str(const Napi::Object& o, const char* key, const std::string& fallback) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : fallback;
}

NetSpec read_net(const Napi::Object& o) {
  NetSpec n;
  Napi::Array sizes = o.Get("sizes").As<Napi::Array>();
  for (uint32_t i = 0; i < sizes.Length(); i++) n.sizes.push_back(sizes.Get(i).As<Napi::Number>().Int32Value());
  n.batch_norm = flag(o, "batchNorm", false);
  n.bn_alpha = num(o, "bnAlpha", 0.9);
  Napi::Object init = o.Get("init").As<Napi::Object>();
  const std::string kind = str(init, "kind", "he");
  n.init = kind == "normal" ? InitKind::Normal : kind == "fan_in" ? InitKind::FanIn : kind == "xavier" ? InitKind::Xavier : InitKind::He;
  n.init_sigma = num(init, "sigma", 0.01);
  n.dropout = num(o, "dropout", 0);
  n.loss = str(o, "loss", "cross_entropy") == "svm" ? LossKind::Svm : LossKind::CrossEntropy;
  return n;
}

// A split and references that keep its typed arrays alive while native code reads them.
struct HeldSplit {
  Split split;
  Napi::ObjectReference x, y;
  void hold(const Napi::Object& o) {
    Napi::Float32Array xs = o.Get("x").As<Napi::Float32Array>();
    Napi::Uint8Array ys = o.Get("y").As<Napi::Uint8Array>();
    split.x = xs.Data();
    split.y = ys.Data();
    split.n = long(num(o, "n", 0));
    split.d = int(num(o, "d", 0));
    x = Napi::Persistent(xs.As<Napi::Object>());
    y = Napi::Persistent(ys.As<Napi::Object>());
  }
};

Napi::Object metrics(Napi::Env env, const Metrics& m) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("loss", m.loss);
  o.Set("cost", m.cost);
  o.Set("accuracy", m.accuracy);
  return o;
}

class TrainWorker : public Napi::AsyncProgressQueueWorker<Progress> {
 public:
  TrainWorker(Napi::Env env, const TrainSpec& spec, Napi::Function on_progress, std::shared_ptr<std::atomic<bool>> abort)
      : Napi::AsyncProgressQueueWorker<Progress>(env, "nnlab.train"), deferred_(Napi::Promise::Deferred::New(env)),
        spec_(spec), abort_(abort) {
    if (!on_progress.IsEmpty()) on_progress_ = Napi::Persistent(on_progress);
  }
  HeldSplit train, validation;
  bool has_validation = false;
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute(const ExecutionProgress& progress) override {
    const auto t0 = std::chrono::steady_clock::now();
    Status s;
    try {
      s = nnlab::train(spec_, train.split, has_validation ? &validation.split : nullptr, *abort_,
                       [&](const Progress& p) { progress.Send(&p, 1); }, out_);
    } catch (const std::bad_alloc&) {
      out_ = TrainOutput();  // frees what was allocated before the failure
      return SetError(kOutOfMemory);
    }
    seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s == Status::Aborted) SetError("aborted");
  }
  void OnProgress(const Progress* data, size_t count) override {
    if (on_progress_.IsEmpty() || count == 0) return;
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    const Progress& p = data[count - 1];
    Napi::Object o = Napi::Object::New(env);
    o.Set("step", double(p.step));
    o.Set("totalSteps", double(p.total_steps));
    o.Set("eta", p.eta);
    o.Set("trainAccuracy", p.train_accuracy);
    if (p.has_validation) o.Set("validationAccuracy", p.validation_accuracy);
    on_progress_.Call({o});
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::Object r = Napi::Object::New(env);
    Napi::Buffer<uint8_t> model = Napi::Buffer<uint8_t>::Copy(env, out_.model.data(), out_.model.size());
    r.Set("model", model);
    Napi::Array curves = Napi::Array::New(env, out_.curves.size());
    for (size_t i = 0; i < out_.curves.size(); i++) {
      const CurvePoint& c = out_.curves[i];
      Napi::Object o = Napi::Object::New(env);
      o.Set("step", double(c.step));
      o.Set("epoch", c.epoch);
      o.Set("eta", c.eta);
      o.Set("train", metrics(env, c.train));
      if (c.has_validation) o.Set("validation", metrics(env, c.validation));
      curves.Set(uint32_t(i), o);
    }
    r.Set("curves", curves);
    r.Set("steps", double(out_.steps));
    if (out_.diverged) {
      Napi::Object d = Napi::Object::New(env);
      d.Set("step", double(out_.diverged_step));
      d.Set("message", out_.diverged_message);
      r.Set("diverged", d);
    } else {
      r.Set("diverged", env.Null());
      Napi::Object f = Napi::Object::New(env);
      f.Set("train", metrics(env, out_.final_train));
      if (out_.has_validation) f.Set("validation", metrics(env, out_.final_validation));
      r.Set("final", f);
    }
    r.Set("fingerprint", out_.fingerprint);
    r.Set("seconds", seconds_);
    deferred_.Resolve(r);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::FunctionReference on_progress_;
  TrainSpec spec_;
  std::shared_ptr<std::atomic<bool>> abort_;
  TrainOutput out_;
  double seconds_ = 0;
};

// train(options, train, validation | null, onProgress | undefined) → { promise, abort() }
Napi::Value Train(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = info[0].As<Napi::Object>();
  TrainSpec spec;
  spec.net = read_net(o.Get("network").As<Napi::Object>());
  spec.seed = uint64_t(num(o, "seed", 1));
  spec.batch_size = int(num(o, "batchSize", 100));
  spec.lambda = num(o, "lambda", 0);
  spec.momentum = num(o, "momentum", 0);
  spec.float64 = str(o, "precision", "float32") == "float64";
  spec.total_steps = long(num(o, "totalSteps", 1));
  spec.shuffle = flag(o, "shuffle", true);
  spec.record_every = long(num(o, "recordEvery", 1));
  spec.record_subset = long(num(o, "recordSubset", 10000));
  spec.threads = int(num(o, "threads", 1));
  Napi::Value aug = o.Get("augmentation");
  if (aug.IsObject()) {
    Napi::Object a = aug.As<Napi::Object>();
    spec.augmentation.noise = num(a, "noise", 0);
    spec.augmentation.flip = flag(a, "flip", false);
    spec.augmentation.translate = int(num(a, "translate", 0));
  }
  Napi::Object s = o.Get("schedule").As<Napi::Object>();
  const std::string kind = str(s, "kind", "constant");
  Schedule& sc = spec.schedule;
  sc.kind = kind == "step" ? ScheduleKind::Step : kind == "cyclic" ? ScheduleKind::Cyclic : kind == "lr_range" ? ScheduleKind::LrRange : ScheduleKind::Constant;
  sc.eta = num(s, "eta", 0.01);
  sc.factor = num(s, "factor", 0.1);
  sc.every_epochs = num(s, "everyEpochs", 10);
  sc.eta_min = num(s, "etaMin", 1e-5);
  sc.eta_max = num(s, "etaMax", 1e-1);
  sc.step_size = long(num(s, "stepSize", 500));
  const std::string policy = str(s, "policy", "triangular");
  sc.policy = policy == "triangular2" ? CyclicPolicy::Triangular2 : policy == "exp_range" ? CyclicPolicy::ExpRange : CyclicPolicy::Triangular;
  sc.gamma = num(s, "gamma", 1);
  sc.exponential = str(s, "curve", "linear") == "exponential";
  sc.total_steps = spec.total_steps;

  auto abort = std::make_shared<std::atomic<bool>>(false);
  Napi::Function cb = info[3].IsFunction() ? info[3].As<Napi::Function>() : Napi::Function();
  auto* worker = new TrainWorker(env, spec, cb, abort);
  worker->train.hold(info[1].As<Napi::Object>());
  if (info[2].IsObject()) {
    worker->validation.hold(info[2].As<Napi::Object>());
    worker->has_validation = true;
  }
  Napi::Object r = Napi::Object::New(env);
  r.Set("promise", worker->promise());
  r.Set("abort", Napi::Function::New(env, [abort](const Napi::CallbackInfo&) { abort->store(true); }));
  worker->Queue();
  return r;
}

class EvaluateWorker : public Napi::AsyncWorker {
 public:
  EvaluateWorker(Napi::Env env, Napi::Uint8Array model, double lambda, int threads)
      : Napi::AsyncWorker(env, "nnlab.evaluate"), deferred_(Napi::Promise::Deferred::New(env)), lambda_(lambda),
        threads_(threads) {
    model_bytes_ = model.Data();
    model_size_ = model.ByteLength();
    model_ = Napi::Persistent(model.As<Napi::Object>());
  }
  HeldSplit data;
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    std::string error;
    try {
      if (nnlab::evaluate(model_bytes_, model_size_, data.split, lambda_, threads_, result_, error) != Status::Ok)
        SetError(error);
    } catch (const std::bad_alloc&) {
      SetError(kOutOfMemory);
    }
  }
  void OnOK() override { deferred_.Resolve(metrics(Env(), result_)); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference model_;
  const uint8_t* model_bytes_;
  size_t model_size_;
  double lambda_;
  int threads_;
  Metrics result_;
};

// evaluate(model, data, lambda, threads) → Promise<Metrics>
Napi::Value Evaluate(const Napi::CallbackInfo& info) {
  auto* w = new EvaluateWorker(info.Env(), info[0].As<Napi::Uint8Array>(), info[2].As<Napi::Number>().DoubleValue(),
                               info[3].As<Napi::Number>().Int32Value());
  w->data.hold(info[1].As<Napi::Object>());
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

class GradCheckWorker : public Napi::AsyncWorker {
 public:
  GradCheckWorker(Napi::Env env, const NetSpec& net, uint64_t seed, double lambda, double h, double eps, bool reference)
      : Napi::AsyncWorker(env, "nnlab.gradientCheck"), deferred_(Napi::Promise::Deferred::New(env)), net_(net),
        seed_(seed), lambda_(lambda), h_(h), eps_(eps), reference_(reference) {}
  HeldSplit data;
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      if (reference_)
        comparison_ = compare_with_reference(net_, seed_, lambda_, data.split);
      else
        rows_ = gradient_check(net_, seed_, lambda_, h_, eps_, data.split);
    } catch (const std::bad_alloc&) {
      SetError(kOutOfMemory);
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (reference_) {
      Napi::Object o = Napi::Object::New(env);
      for (size_t i = 0; i < comparison_.names.size(); i++) o.Set(comparison_.names[i], comparison_.max_abs[i]);
      deferred_.Resolve(o);
      return;
    }
    Napi::Array a = Napi::Array::New(env, rows_.size());
    for (size_t i = 0; i < rows_.size(); i++) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("tensor", rows_[i].tensor);
      o.Set("maxRel", rows_[i].max_rel);
      o.Set("meanRel", rows_[i].mean_rel);
      o.Set("maxAbs", rows_[i].max_abs);
      o.Set("count", double(rows_[i].count));
      o.Set("kinks", double(rows_[i].kinks));
      a.Set(uint32_t(i), o);
    }
    deferred_.Resolve(a);
  }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  NetSpec net_;
  uint64_t seed_;
  double lambda_, h_, eps_;
  bool reference_;
  std::vector<GradCheckRow> rows_;
  ReferenceComparison comparison_;
};

// gradientCheck(options, data) and compareWithReference(options, data) → Promise
Napi::Value GradCheck(const Napi::CallbackInfo& info, bool reference) {
  Napi::Object o = info[0].As<Napi::Object>();
  auto* w = new GradCheckWorker(info.Env(), read_net(o.Get("network").As<Napi::Object>()), uint64_t(num(o, "seed", 1)),
                                num(o, "lambda", 0), num(o, "h", 1e-5), num(o, "eps", 1e-6), reference);
  w->data.hold(info[1].As<Napi::Object>());
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

// sgemm(n, threads, repeats) → seconds for `repeats` n×n×n single-precision products (benchmarks).
Napi::Value Sgemm(const Napi::CallbackInfo& info) {
  const int n = info[0].As<Napi::Number>().Int32Value();
  set_threads(info[1].As<Napi::Number>().Int32Value());
  const int repeats = info[2].As<Napi::Number>().Int32Value();
  std::vector<float> a(size_t(n) * n, 0.5f), b(size_t(n) * n, 0.25f), c(size_t(n) * n, 0.f);
  sgemm_square(n, a.data(), b.data(), c.data());  // warm-up
  const auto t0 = std::chrono::steady_clock::now();
  for (int r = 0; r < repeats; r++) sgemm_square(n, a.data(), b.data(), c.data());
  return Napi::Number::New(info.Env(), std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
}

// ---- Which BLAS: the library's own account of itself, read by src/engine/native.ts after loading,
// to check the kernels OpenBLAS chose (src/engine/blas-core.ts) and to record them with results.
// blasInfo() → { corename, config, headerVersion, threads }
Napi::Value BlasInfo(const Napi::CallbackInfo& info) {
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("corename", std::string(openblas_get_corename()));
  o.Set("config", std::string(openblas_get_config()));
  o.Set("headerVersion", std::string(OPENBLAS_VERSION));  // the cblas.h the addon was compiled with
  o.Set("threads", openblas_get_num_threads());
  return o;
}
// ---- end of Which BLAS

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("train", Napi::Function::New(env, Train));
  exports.Set("evaluate", Napi::Function::New(env, Evaluate));
  exports.Set("gradientCheck", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return GradCheck(i, false); }));
  exports.Set("compareWithReference", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return GradCheck(i, true); }));
  exports.Set("sgemm", Napi::Function::New(env, Sgemm));
  exports.Set("blasInfo", Napi::Function::New(env, BlasInfo));
  return exports;
}

}  // namespace

NODE_API_MODULE(nnlab, Init)
