// A tiny fork-join pool: run(f) calls f(0) … f(n−1), f(0) on the caller, the rest on persistent
// workers, and returns when all are done. The engine splits each large matrix product into one
// single-threaded BLAS call per part (rows of the batch, or columns of dW) instead of using
// OpenBLAS's own threads: on the skinny products of a training step (100 × 3072 × 50) OpenBLAS
// divides the work poorly between 2 threads (bench/README.md has the figures).
// Each output element is computed by exactly one part with a fixed partition, so results do not
// depend on timing.
#pragma once
#include <atomic>
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
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
      generation_++;
    }
    wake_.notify_all();
    for (auto& w : workers_) w.join();
  }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  int parts() const { return parts_; }

  void run(const std::function<void(int)>& f) {
    if (parts_ == 1) return f(0);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = &f;
      pending_.store(parts_ - 1, std::memory_order_relaxed);
      generation_++;
    }
    wake_.notify_all();
    f(0);
    // The workers' parts take about as long as ours: spin briefly, then yield.
    while (pending_.load(std::memory_order_acquire) > 0) std::this_thread::yield();
  }

 private:
  void work(int part) {
    uint64_t seen = 0;
    for (;;) {
      const std::function<void(int)>* job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        // Between the products of one step the wait is short: a worker blocks on the condition
        // variable, which costs a few microseconds to wake, far less than a product.
        wake_.wait(lock, [&] { return generation_ != seen; });
        seen = generation_;
        if (stop_) return;
        job = job_;
      }
      (*job)(part);
      pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  int parts_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  uint64_t generation_ = 0;
  bool stop_ = false;
  const std::function<void(int)>* job_ = nullptr;
  std::atomic<int> pending_{0};
};

// The part [begin, end) of n items that part p of `parts` takes.
inline void split_range(long n, int p, int parts, long& begin, long& end) {
  begin = n * p / parts;
  end = n * (p + 1) / parts;
}

}  // namespace nnlab
