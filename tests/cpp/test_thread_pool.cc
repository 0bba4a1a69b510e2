// The thread pool: sizes it accepts, every chunk run exactly once at any size, nested and
// concurrent calls that neither deadlock nor lose chunks, and errors carried back to the caller.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "util/thread_pool.h"

namespace circulant {
namespace {

// Leaves the pool as the other tests expect it: one thread.
struct ThreadsRestored {
  ~ThreadsRestored() { set_threads(1); }
};

TEST(ThreadPool, AcceptsOneToTheMaximumAndRefusesTheRest) {
  ThreadsRestored restore;
  EXPECT_GE(hardware_threads(), 1);
  EXPECT_LE(hardware_threads(), kMaxThreads);
  for (int bad : {0, -1, kMaxThreads + 1, 1 << 30}) {
    EXPECT_FALSE(check_threads(bad).ok()) << bad;
    EXPECT_NE(check_threads(bad).error().find("from 1 to"), std::string::npos);
#if defined(__cpp_exceptions)
    EXPECT_THROW(set_threads(bad), std::invalid_argument) << bad;
#endif
  }
  set_threads(3);
  EXPECT_EQ(threads(), kThreadsAvailable ? 3 : 1);
  set_threads(1);
  EXPECT_EQ(threads(), 1);
}

TEST(ThreadPool, RunsEveryChunkExactlyOnceAtAnySize) {
  ThreadsRestored restore;
  for (int n : {1, 2, 3, 4, 8}) {
    set_threads(n);
    for (int64_t chunks : {0, 1, 2, 5, 64, 1000}) {
      std::vector<std::atomic<int>> runs(static_cast<size_t>(chunks));
      for (int repeat = 0; repeat < 20; ++repeat)
        parallel_for(chunks, [&](int64_t c) { ++runs[c]; });
      for (int64_t c = 0; c < chunks; ++c) EXPECT_EQ(runs[c].load(), 20) << n << " " << c;
    }
  }
}

TEST(ThreadPool, EachRunningChunkHasAThreadIndexOfItsOwn) {
  ThreadsRestored restore;
  set_threads(4);
  std::vector<std::atomic<int>> busy(4);
  std::atomic<int> clashes{0}, out_of_range{0};
  parallel_for(400, [&](int64_t) {
    const int i = thread_index();
    if (i < 0 || i >= threads()) return void(++out_of_range);
    if (busy[i]++ != 0) ++clashes;
    for (volatile int spin = 0; spin < 1000; ++spin) {
    }
    --busy[i];
  });
  EXPECT_EQ(out_of_range.load(), 0);
  EXPECT_EQ(clashes.load(), 0);
  EXPECT_EQ(thread_index(), 0);
}

TEST(ThreadPool, RangesDependOnTheChunkSizeOnly) {
  ThreadsRestored restore;
  for (int n : {1, 4}) {
    set_threads(n);
    std::vector<std::atomic<int>> first(103), ends(103);
    parallel_for_ranges(103, 10, [&](int64_t begin, int64_t end) {
      EXPECT_EQ(begin % 10, 0);
      EXPECT_EQ(end, std::min<int64_t>(begin + 10, 103));
      for (int64_t i = begin; i < end; ++i) ++first[i];
    });
    for (auto& count : first) EXPECT_EQ(count.load(), 1);
  }
}

TEST(ThreadPool, ANestedCallRunsOnItsThreadAndFinishes) {
  ThreadsRestored restore;
  set_threads(4);
  std::atomic<int> inner{0};
  parallel_for(8, [&](int64_t) { parallel_for(16, [&](int64_t) { ++inner; }); });
  EXPECT_EQ(inner.load(), 8 * 16);
}

TEST(ThreadPool, CallsFromTwoThreadsAtOnceBothFinish) {
  if (!kThreadsAvailable) GTEST_SKIP() << "this build cannot start a thread";
  ThreadsRestored restore;
  set_threads(2);
  std::atomic<int64_t> total{0};
  auto work = [&] {
    for (int i = 0; i < 200; ++i) parallel_for(7, [&](int64_t c) { total += c; });
  };
  std::thread other(work);
  work();
  other.join();
  EXPECT_EQ(total.load(), 2 * 200 * 21);
}

#if defined(__cpp_exceptions)
TEST(ThreadPool, AnErrorInAChunkReachesTheCallerAndThePoolGoesOn) {
  ThreadsRestored restore;
  set_threads(3);
  EXPECT_THROW(parallel_for(50,
                            [](int64_t c) {
                              if (c == 37) throw std::runtime_error("chunk 37");
                            }),
               std::runtime_error);
  std::atomic<int> after{0};
  parallel_for(50, [&](int64_t) { ++after; });
  EXPECT_EQ(after.load(), 50);
}
#endif

}  // namespace
}  // namespace circulant
