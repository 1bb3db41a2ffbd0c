// The only file that includes napi.h: it copies options that src/engine/ has already validated and
// completed into plain structs, runs the work off the JS thread (AsyncWorker), streams progress, and
// turns a status into a JS exception. Every field is required (a missing one is a TypeError naming
// it); ranges and cross-field checks are TypeScript's. It never exits.
#include <napi.h>

#include <chrono>
#include <memory>
#include <new>
#include <vector>

#include <cblas.h>  // OpenBLAS's own header: openblas_get_corename/config, OPENBLAS_VERSION

#include "dispatch.h"
#include "engine.h"

using namespace nnlab;

namespace {

// The engine's buffers did not fit: src/engine/index.ts turns this prefix into EngineError('ENOMEM')
// with the sizes it asked for. Other exceptions keep node-addon-api's mapping (their what()).
const char* const kOutOfMemory = "ENOMEM: the engine could not allocate its buffers (std::bad_alloc)";

// Every option is required: native code has no defaults of its own (src/engine/defaults.ts
// completes a caller's options; an experiment's come from the schema). A field that is missing or
// of the wrong type is a TypeError naming it by its path, e.g. "options.network.bnAlpha".
Napi::Value field(const Napi::Object& o, const std::string& where, const char* key, const char* what,
                  bool (Napi::Value::*is)() const) {
  Napi::Value v = o.Get(key);
  const std::string name = where + "." + key;
  if (v.IsUndefined())
    throw Napi::TypeError::New(
        o.Env(), "nnlab addon: " + name +
                     " is missing (native code has no defaults; src/engine/defaults.ts completes the options)");
  if (!(v.*is)()) throw Napi::TypeError::New(o.Env(), "nnlab addon: " + name + " must be " + what);
  return v;
}
double num(const Napi::Object& o, const std::string& where, const char* key) {
  return field(o, where, key, "a number", &Napi::Value::IsNumber).As<Napi::Number>().DoubleValue();
}
bool flag(const Napi::Object& o, const std::string& where, const char* key) {
  return field(o, where, key, "a boolean", &Napi::Value::IsBoolean).As<Napi::Boolean>().Value();
}
Napi::Object object(const Napi::Object& o, const std::string& where, const char* key) {
  return field(o, where, key, "an object", &Napi::Value::IsObject).As<Napi::Object>();
}
// A string field that must name one of `names`; its value is the matching entry of `values`.
template <typename E, size_t K>
E choice(const Napi::Object& o, const std::string& where, const char* key, const char* const (&names)[K],
         const E (&values)[K]) {
  const std::string s = field(o, where, key, "a string", &Napi::Value::IsString).As<Napi::String>().Utf8Value();
  std::string list;
  for (size_t i = 0; i < K; i++) {
    if (s == names[i]) return values[i];
    list += std::string(i ? ", " : "") + names[i];
  }
  throw Napi::TypeError::New(o.Env(),
                             "nnlab addon: " + where + "." + key + " must be one of " + list + "; got \"" + s + "\"");
}
// Positional argument i, which must be an object (the options, a split).
Napi::Object object_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsObject())
    throw Napi::TypeError::New(info.Env(), std::string("nnlab addon: ") + name + " must be an object");
  return info[i].As<Napi::Object>();
}
double number_arg(const Napi::CallbackInfo& info, size_t i, const char* name) {
  if (!info[i].IsNumber())
    throw Napi::TypeError::New(info.Env(), std::string("nnlab addon: ") + name + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

NetSpec read_net(const Napi::Object& o, const std::string& where) {
  NetSpec n;
  Napi::Array sizes = field(o, where, "sizes", "an array", &Napi::Value::IsArray).As<Napi::Array>();
  for (uint32_t i = 0; i < sizes.Length(); i++) {
    Napi::Value s = sizes.Get(i);
    if (!s.IsNumber())
      throw Napi::TypeError::New(o.Env(),
                                 "nnlab addon: " + where + ".sizes[" + std::to_string(i) + "] must be a number");
    n.sizes.push_back(s.As<Napi::Number>().Int32Value());
  }
  n.batch_norm = flag(o, where, "batchNorm");
  n.bn_alpha = num(o, where, "bnAlpha");
  Napi::Object init = object(o, where, "init");
  n.init = choice(init, where + ".init", "kind", {"normal", "fan_in", "he", "xavier"},
                  {InitKind::Normal, InitKind::FanIn, InitKind::He, InitKind::Xavier});
  if (n.init == InitKind::Normal) n.init_sigma = num(init, where + ".init", "sigma");
  n.dropout = num(o, where, "dropout");
  n.loss = choice(o, where, "loss", {"cross_entropy", "svm"}, {LossKind::CrossEntropy, LossKind::Svm});
  return n;
}

// The schedule's fields that its kind uses (and only those).
Schedule read_schedule(const Napi::Object& s, const std::string& where, long total_steps) {
  Schedule sc;
  sc.kind = choice(s, where, "kind", {"constant", "step", "cyclic", "lr_range"},
                   {ScheduleKind::Constant, ScheduleKind::Step, ScheduleKind::Cyclic, ScheduleKind::LrRange});
  if (sc.kind == ScheduleKind::Constant || sc.kind == ScheduleKind::Step) sc.eta = num(s, where, "eta");
  if (sc.kind == ScheduleKind::Step) {
    sc.factor = num(s, where, "factor");
    sc.every_epochs = num(s, where, "everyEpochs");
  }
  if (sc.kind == ScheduleKind::Cyclic || sc.kind == ScheduleKind::LrRange) {
    sc.eta_min = num(s, where, "etaMin");
    sc.eta_max = num(s, where, "etaMax");
  }
  if (sc.kind == ScheduleKind::Cyclic) {
    sc.step_size = long(num(s, where, "stepSize"));
    sc.policy = choice(s, where, "policy", {"triangular", "triangular2", "exp_range"},
                       {CyclicPolicy::Triangular, CyclicPolicy::Triangular2, CyclicPolicy::ExpRange});
    if (sc.policy == CyclicPolicy::ExpRange) sc.gamma = num(s, where, "gamma");
  }
  if (sc.kind == ScheduleKind::LrRange)
    sc.exponential = choice(s, where, "curve", {"linear", "exponential"}, {false, true});
  sc.total_steps = total_steps;
  return sc;
}

TrainSpec read_train(const Napi::Object& o) {
  const std::string w = "options";
  TrainSpec spec;
  spec.net = read_net(object(o, w, "network"), w + ".network");
  spec.seed = uint64_t(num(o, w, "seed"));
  spec.batch_size = int(num(o, w, "batchSize"));
  spec.lambda = num(o, w, "lambda");
  spec.momentum = num(o, w, "momentum");
  spec.float64 = choice(o, w, "precision", {"float32", "float64"}, {false, true});
  spec.total_steps = long(num(o, w, "totalSteps"));
  spec.shuffle = flag(o, w, "shuffle");
  spec.record_every = long(num(o, w, "recordEvery"));
  spec.record_subset = long(num(o, w, "recordSubset"));
  spec.threads = int(num(o, w, "threads"));
  Napi::Object a = object(o, w, "augmentation");
  spec.augmentation.noise = num(a, w + ".augmentation", "noise");
  spec.augmentation.flip = flag(a, w + ".augmentation", "flip");
  spec.augmentation.translate = int(num(a, w + ".augmentation", "translate"));
  spec.schedule = read_schedule(object(o, w, "schedule"), w + ".schedule", spec.total_steps);
  return spec;
}

template <typename T>
const T* typed(const Napi::Object& o, const std::string& where, const char* key, napi_typedarray_type type,
               const char* what) {
  Napi::Value v = field(o, where, key, what, &Napi::Value::IsTypedArray);
  if (v.As<Napi::TypedArray>().TypedArrayType() != type)
    throw Napi::TypeError::New(o.Env(), "nnlab addon: " + where + "." + key + " must be " + what);
  return v.As<Napi::TypedArrayOf<T>>().Data();
}

// A split's fields, checked before any worker exists (a throw then leaves nothing queued).
Split read_split(const Napi::Object& o, const std::string& where) {
  Split s;
  s.x = typed<float>(o, where, "x", napi_float32_array, "a Float32Array");
  s.y = typed<uint8_t>(o, where, "y", napi_uint8_array, "a Uint8Array");
  s.n = long(num(o, where, "n"));
  s.d = int(num(o, where, "d"));
  // Optional: the uint8 pixels the floats came from, and the map x = scale·p + shift (engine.h).
  if (o.Has("pixels") && !o.Get("pixels").IsUndefined()) {
    auto sized = [&](const char* key, napi_typedarray_type type, const char* what, size_t n) {
      Napi::Value v = field(o, where, key, what, &Napi::Value::IsTypedArray);
      Napi::TypedArray t = v.As<Napi::TypedArray>();
      if (t.TypedArrayType() != type || t.ElementLength() != n)
        throw Napi::TypeError::New(
            o.Env(), "nnlab addon: " + where + "." + key + " must be " + what + " of " + std::to_string(n) + " values");
      return v;
    };
    s.pixels = sized("pixels", napi_uint8_array, "a Uint8Array", size_t(s.n) * s.d).As<Napi::Uint8Array>().Data();
    s.scale = sized("scale", napi_float32_array, "a Float32Array", size_t(s.d)).As<Napi::Float32Array>().Data();
    s.shift = sized("shift", napi_float32_array, "a Float32Array", size_t(s.d)).As<Napi::Float32Array>().Data();
  }
  return s;
}

// A split and references that keep its typed arrays alive while native code reads them.
struct HeldSplit {
  Split split;
  Napi::ObjectReference x, y, pixels, scale, shift;
  void hold(const Napi::Object& o, const std::string& where) {
    split = read_split(o, where);
    x = Napi::Persistent(o.Get("x").As<Napi::Object>());
    y = Napi::Persistent(o.Get("y").As<Napi::Object>());
    if (split.pixels) {
      pixels = Napi::Persistent(o.Get("pixels").As<Napi::Object>());
      scale = Napi::Persistent(o.Get("scale").As<Napi::Object>());
      shift = Napi::Persistent(o.Get("shift").As<Napi::Object>());
    }
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
  TrainWorker(Napi::Env env, const TrainSpec& spec, Napi::Function on_progress,
              std::shared_ptr<std::atomic<bool>> abort)
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
      s = nnlab::train(
          spec_, train.split, has_validation ? &validation.split : nullptr, *abort_,
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
    r.Set("kernel", out_.kernel);
    r.Set("kernelLevel", out_.level);
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
// A forced kernel level this CPU lacks (dispatch.h): nothing runs, the call throws its one line.
// (src/engine/native.ts refuses before calling; this keeps the addon safe on its own.)
void refuse_unsupported_level(const Napi::Env& env) {
  const std::string& why = kernel_choice().refusal;
  if (!why.empty()) throw Napi::Error::New(env, why);
}

Napi::Value Train(const Napi::CallbackInfo& info) {
  refuse_unsupported_level(info.Env());
  Napi::Env env = info.Env();
  const TrainSpec spec = read_train(object_arg(info, 0, "options"));
  const Napi::Object train = object_arg(info, 1, "train");
  read_split(train, "train");
  const bool has_validation = !info[2].IsNull();
  const Napi::Object validation = has_validation ? object_arg(info, 2, "validation (or null)") : Napi::Object();
  if (has_validation) read_split(validation, "validation");

  auto abort = std::make_shared<std::atomic<bool>>(false);
  Napi::Function cb = info[3].IsFunction() ? info[3].As<Napi::Function>() : Napi::Function();
  auto* worker = new TrainWorker(env, spec, cb, abort);
  worker->train.hold(train, "train");
  if (has_validation) {
    worker->validation.hold(validation, "validation");
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
  refuse_unsupported_level(info.Env());
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw Napi::TypeError::New(info.Env(), "nnlab addon: model must be a Uint8Array");
  const Napi::Object data = object_arg(info, 1, "data");
  read_split(data, "data");
  const double lambda = number_arg(info, 2, "lambda");
  const int threads = int(number_arg(info, 3, "threads"));
  auto* w = new EvaluateWorker(info.Env(), info[0].As<Napi::Uint8Array>(), lambda, threads);
  w->data.hold(data, "data");
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
  refuse_unsupported_level(info.Env());
  const Napi::Object o = object_arg(info, 0, "options");
  const std::string w0 = "options";
  const NetSpec net = read_net(object(o, w0, "network"), w0 + ".network");
  const uint64_t seed = uint64_t(num(o, w0, "seed"));
  const double lambda = num(o, w0, "lambda");
  // The reference comparison takes no differences: h and eps are the gradient check's alone.
  const double h = reference ? 0 : num(o, w0, "h"), eps = reference ? 0 : num(o, w0, "eps");
  const Napi::Object data = object_arg(info, 1, "data");
  read_split(data, "data");
  auto* w = new GradCheckWorker(info.Env(), net, seed, lambda, h, eps, reference);
  w->data.hold(data, "data");
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

// kernelInfo() → { level, best, forced, amxOff, refusal, levels: [{ name, supported, lacks }] }:
// the kernel level chosen at load (dispatch.h). src/engine/native.ts refuses to run anything when
// refusal is set (NNLAB_KERNELS asked for a level this CPU lacks).
Napi::Value KernelInfo(const Napi::CallbackInfo& info) {
  const KernelChoice& k = kernel_choice();
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("level", level_name(k.level));
  o.Set("best", level_name(k.best));
  o.Set("forced", k.forced);
  o.Set("amxOff", k.amx_off);
  o.Set("refusal", k.refusal);
  Napi::Array levels = Napi::Array::New(env, k.levels.size());
  for (size_t i = 0; i < k.levels.size(); i++) {
    Napi::Object l = Napi::Object::New(env);
    l.Set("name", level_name(k.levels[i].level));
    l.Set("supported", k.levels[i].supported);
    l.Set("lacks", k.levels[i].lacks);
    levels.Set(uint32_t(i), l);
  }
  o.Set("levels", levels);
  return o;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  kernel_choice();  // the level is chosen once, at load
  exports.Set("train", Napi::Function::New(env, Train));
  exports.Set("evaluate", Napi::Function::New(env, Evaluate));
  exports.Set("gradientCheck",
              Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return GradCheck(i, false); }));
  exports.Set("compareWithReference",
              Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return GradCheck(i, true); }));
  exports.Set("sgemm", Napi::Function::New(env, Sgemm));
  exports.Set("blasInfo", Napi::Function::New(env, BlasInfo));
  exports.Set("kernelInfo", Napi::Function::New(env, KernelInfo));
  return exports;
}

}  // namespace

NODE_API_MODULE(nnlab, Init)
