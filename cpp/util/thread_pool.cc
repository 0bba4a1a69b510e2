// The pool behind parallel_for: std::thread workers that sleep on a condition variable between
// jobs and take chunks from one shared counter, so a fast thread takes more of them. The caller
// takes chunks too and waits only for workers that entered the job: on a host whose other
// processes hold the cores, a worker not given one in time costs nothing but its share.
#include "util/thread_pool.h"

#include <stdexcept>

#if !(defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__))
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>
#endif

namespace circulant {
namespace {

void run_in_order(int64_t chunks, detail::ChunkFunction run, const void* body) {
  for (int64_t c = 0; c < chunks; ++c) run(body, c);
}

}  // namespace

Status check_threads(int n) {
  if (n >= 1 && n <= kMaxThreads) return ok_status();
  return Error{"the thread count must be from 1 to " + std::to_string(kMaxThreads) + ", not " +
               std::to_string(n)};
}

#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)

int hardware_threads() { return 1; }
int threads() { return 1; }
int thread_index() { return 0; }
void set_threads(int) {}  // nothing to size: every chunk runs on the calling thread
namespace detail {
void run_chunks(int64_t chunks, ChunkFunction run, const void* body) {
  run_in_order(chunks, run, body);
}
}  // namespace detail

#else

namespace {

// Set while a thread runs a chunk: a parallel_for from inside one runs in order on that thread,
// rather than waiting for workers that may all be waiting on it.
thread_local bool inside_chunk = false;
thread_local int this_thread_index = 0;

// How long a worker (and the caller, at the end of a job) polls before sleeping. Products come in
// quick succession (a prefill is dozens of them), and a sleeping thread takes tens of
// microseconds to wake on this kind of host; the poll is short so that an idle pool leaves the
// cores to other processes.
constexpr auto kPollBeforeSleep = std::chrono::microseconds(50);

// Polls until `done()` or kPollBeforeSleep has passed.
template <class Done>
void poll_briefly(const Done& done) {
  const auto until = std::chrono::steady_clock::now() + kPollBeforeSleep;
  for (int i = 1; !done(); ++i) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
    if (i % 64 == 0 && std::chrono::steady_clock::now() > until) return;
  }
}

class Pool {
 public:
  ~Pool() { stop_workers(); }

  int size() const { return size_.load(std::memory_order_relaxed); }

  void resize(int n) {
    std::lock_guard<std::mutex> job(job_mutex_);
    if (n == size()) return;
    stop_workers();
    // A worker must not miss a job started before it first looks: it starts from today's count.
    const uint64_t now = generation_.load();
    for (int i = 1; i < n; ++i)
      workers_.emplace_back([this, now, i] {
        this_thread_index = i;
        work_loop(now);
      });
    size_.store(n, std::memory_order_relaxed);
  }

  void run(int64_t chunks, detail::ChunkFunction function, const void* body) {
    std::unique_lock<std::mutex> job(job_mutex_, std::try_to_lock);
    if (!job.owns_lock() || workers_.empty()) return run_in_order(chunks, function, body);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      function_ = function, body_ = body, chunks_ = chunks;
      next_chunk_.store(0, std::memory_order_relaxed);
      left_.store(0, std::memory_order_relaxed);
      error_ = nullptr;
      const uint64_t generation = generation_.load(std::memory_order_relaxed) + 1;
      entry_.store(job_tag(generation), std::memory_order_release);
      generation_.store(generation, std::memory_order_release);
    }
    wake_.notify_all();
    take_chunks();
    // Every chunk has been taken. Close the job: a worker that has not entered it by now (asleep,
    // or not given a core on a busy host) never will, and is not waited for; one that entered
    // may still be running a chunk.
    const int entered = int(entry_.fetch_or(kClosed, std::memory_order_acq_rel) & kEnteredMask);
    auto all_left = [&] { return left_.load(std::memory_order_acquire) == entered; };
    poll_briefly(all_left);
    std::unique_lock<std::mutex> lock(mutex_);
    finished_.wait(lock, all_left);
#if defined(__cpp_exceptions)
    if (error_) std::rethrow_exception(error_);
#endif
  }

 private:
  void take_chunks() {
    inside_chunk = true;
    for (int64_t c; (c = next_chunk_.fetch_add(1, std::memory_order_relaxed)) < chunks_;) {
#if defined(__cpp_exceptions)
      try {
        function_(body_, c);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex_);
        if (!error_) error_ = std::current_exception();
      }
#else
      function_(body_, c);
#endif
    }
    inside_chunk = false;
  }

  void work_loop(uint64_t seen) {
    for (;;) {
      poll_briefly([&] { return generation_.load(std::memory_order_acquire) != seen; });
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || generation_.load() != seen; });
        if (stop_) return;
        seen = generation_.load(std::memory_order_relaxed);
      }
      if (!enter(seen)) continue;
      take_chunks();
      left_.fetch_add(1, std::memory_order_acq_rel);
      std::lock_guard<std::mutex> lock(mutex_);  // so the caller cannot miss the notification
      finished_.notify_one();
    }
  }

  // Counts this worker into job `generation` unless the caller has closed it (or moved on).
  bool enter(uint64_t generation) {
    uint64_t entry = entry_.load(std::memory_order_acquire);
    while ((entry & ~kEnteredMask & ~kClosed) == job_tag(generation) && !(entry & kClosed))
      if (entry_.compare_exchange_weak(entry, entry + 1, std::memory_order_acq_rel)) return true;
    return false;
  }

  // The job's generation in entry_'s upper 32 bits.
  static uint64_t job_tag(uint64_t generation) { return generation << 32; }
  static constexpr uint64_t kClosed = uint64_t(1) << 31;
  static constexpr uint64_t kEnteredMask = kClosed - 1;

  void stop_workers() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (std::thread& worker : workers_) worker.join();
    workers_.clear();
    stop_ = false;
    size_.store(1, std::memory_order_relaxed);
  }

  std::mutex job_mutex_;  // one parallel_for at a time; held by resize too
  std::mutex mutex_;      // guards the job's fields and stop_, and pairs with the two conditions
  std::mutex error_mutex_;
  std::condition_variable wake_, finished_;
  std::vector<std::thread> workers_;  // (size − 1): the caller is the other thread
  std::atomic<int> size_{1};
  std::atomic<uint64_t> generation_{0};  // one more for every job
  bool stop_ = false;

  // The job in hand.
  detail::ChunkFunction function_ = nullptr;
  const void* body_ = nullptr;
  int64_t chunks_ = 0;
  std::atomic<int64_t> next_chunk_{0};
  // The job's generation (upper 32 bits), whether the caller has closed it (bit 31), and how many
  // workers entered it before that (lower bits); left_ counts those that have finished.
  std::atomic<uint64_t> entry_{0};
  std::atomic<int> left_{0};
  std::exception_ptr error_;
};

Pool& pool() {
  static Pool instance;
  return instance;
}

}  // namespace

int hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : (n > unsigned(kMaxThreads) ? kMaxThreads : int(n));
}

int threads() { return pool().size(); }

int thread_index() { return this_thread_index; }

void set_threads(int n) {
  if (!check_threads(n).ok()) {
#if defined(__cpp_exceptions)
    throw std::invalid_argument(check_threads(n).error());
#else
    return;
#endif
  }
  pool().resize(n);
}

namespace detail {
void run_chunks(int64_t chunks, ChunkFunction run, const void* body) {
  if (chunks <= 1 || inside_chunk) return run_in_order(chunks, run, body);
  pool().run(chunks, run, body);
}
}  // namespace detail

#endif

}  // namespace circulant
