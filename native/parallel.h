// A tiny fork-join pool: run(f) calls f(0) … f(n−1), f(0) on the caller, the rest on persistent
// workers, and returns when all are done. The engine splits each large matrix product into one
// single-threaded BLAS call per part (rows of the batch, or columns of dW) instead of using
// OpenBLAS's own threads: on the skinny products of a training step (100 × 3072 × 50) OpenBLAS
// divides the work poorly between 2 threads (bench/README.md has the figures).
// Each output element is computed by exactly one part with a fixed partition, so results do not
// depend on timing.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace nnlab {

class Pool {
 public:
  explicit Pool(int parts) : parts_(parts < 1 ? 1 : parts) {
    for (int i = 1; i < parts_; i++) workers_.emplace_back([this, i] { work(i); });
  }
  ~Pool() {
    stop_.store(true, std::memory_order_release);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      generation_.fetch_add(1, std::memory_order_release);
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
  }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  int parts() const { return parts_; }

  // A scratch buffer of n values of T, kept between calls (for partial results of split products).
  template <typename T>
  T* scratch(size_t n) {
    if (scratch_.size() < n * sizeof(T)) scratch_.resize(n * sizeof(T));
    return reinterpret_cast<T*>(scratch_.data());
  }

  void run(const std::function<void(int)>& f) {
    if (parts_ == 1) return f(0);
    job_ = &f;
    pending_.store(parts_ - 1, std::memory_order_relaxed);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      generation_.fetch_add(1, std::memory_order_release);
    }
    if (sleepers_.load(std::memory_order_acquire) > 0) wake_.notify_all();
    f(0);
    // Spin while the workers' parts are likely still running, then yield: when another process
    // holds the other core, a worker may share ours and can only finish if we give it the CPU.
    for (int spins = 1; pending_.load(std::memory_order_acquire) > 0; spins++) {
      if (spins < 1024)
        pause();
      else
        std::this_thread::yield();
    }
  }

 private:
  static void pause() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    std::this_thread::yield();
#endif
  }

  // A worker waits for a new job spinning for up to 200 µs (the gap between the products of one
  // training step is far shorter, and waking a blocked thread costs tens of microseconds), then
  // blocks. Past the first ~1000 spins it yields each time round, so that when another process
  // holds a core the caller and this worker do not starve each other (measured with a busy loop on
  // one core: 2-thread steps 0.72 ms against 0.60 ms on one thread, instead of 1.5–2.1 ms).
  void work(int part) {
    uint64_t seen = 0;
    for (;;) {
      const auto start = std::chrono::steady_clock::now();
      for (int spins = 1; generation_.load(std::memory_order_acquire) == seen; spins++) {
        if (spins % 256 == 0 && std::chrono::steady_clock::now() - start > std::chrono::microseconds(200)) {
          std::unique_lock<std::mutex> lock(mutex_);
          sleepers_.fetch_add(1, std::memory_order_acq_rel);
          wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
          sleepers_.fetch_sub(1, std::memory_order_acq_rel);
          break;
        }
        if (spins < 1024)
          pause();
        else
          std::this_thread::yield();  // give the core away if another thread (or process) wants it
      }
      seen = generation_.load(std::memory_order_acquire);
      if (stop_.load(std::memory_order_acquire)) return;
      (*job_)(part);
      pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  int parts_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> sleepers_{0};
  std::atomic<bool> stop_{false};
  const std::function<void(int)>* job_ = nullptr;  // published by the generation's release
  std::atomic<int> pending_{0};
  std::vector<unsigned char> scratch_;
};

// The part [begin, end) of n items that part p of `parts` takes; inner boundaries fall on
// multiples of `align` (a cache line of a row: threads then never write the same line).
inline void split_range(long n, int p, int parts, long& begin, long& end, long align = 1) {
  auto at = [&](int q) { return q == parts ? n : n * q / parts / align * align; };
  begin = at(p);
  end = at(p + 1);
}

}  // namespace nnlab
