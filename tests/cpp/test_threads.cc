// The same bits with any number of threads: the dense products, and what a user sees (greedy
// texts and logits of the teacher and a student, a sweep's table, the loss-aware projection, a
// short distillation) at 1, 2 and 4 threads. Each parallel part cuts its work into chunks that do
// not depend on the thread count and sums across them in a fixed order; a sum whose order
// followed the threads would differ in the last bits here.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cstring>
#include <random>
#include <tuple>
#include <vector>

#include "kernels/matmul.h"
#include "student/projection.h"
#include "test_util.h"
#include "util/thread_pool.h"

namespace circulant {
namespace {

struct ThreadsRestored {
  ~ThreadsRestored() { set_threads(1); }
};

bool same_bits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// The tiles of a batched product (48 outputs by 256 rows, a last row never alone) are computed by
// Eigen exactly as the whole product is: the same bits as one Eigen call, at any thread count.
TEST(Threads, DenseProductsAreOneEigenCallBitForBitAtAnyThreadCount) {
  ThreadsRestored restore;
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const int shapes[][2] = {{256, 256}, {1024, 256}, {256, 1024}, {2048, 256}, {172, 64}, {64, 172}};
  for (const auto& shape : shapes)
    for (int rows : {2, 3, 9, 33, 64, 100, 257, 600}) {
      const int out = shape[0], in = shape[1];
      const std::vector<float> x = testing::random_values(size_t(rows) * in, rows);
      const std::vector<float> dy = testing::random_values(size_t(rows) * out, rows + 1);
      const std::vector<float> w = testing::random_values(size_t(out) * in, out + in);
      std::vector<float> whole(size_t(rows) * out), whole_t(size_t(rows) * in);
      Eigen::Map<RowMajor>(whole.data(), rows, out).noalias() =
          Eigen::Map<const RowMajor>(x.data(), rows, in) *
          Eigen::Map<const RowMajor>(w.data(), out, in).transpose();
      Eigen::Map<RowMajor>(whole_t.data(), rows, in).noalias() =
          Eigen::Map<const RowMajor>(dy.data(), rows, out) *
          Eigen::Map<const RowMajor>(w.data(), out, in);
      for (int n : {1, 2, 4}) {
        set_threads(n);
        std::vector<float> y(whole.size()), y_t(whole_t.size());
        matmul_rows(x.data(), rows, w.data(), out, in, y.data());
        matmul_rows_transposed(dy.data(), rows, w.data(), out, in, y_t.data());
        EXPECT_TRUE(same_bits(y, whole)) << out << "x" << in << ", " << rows << " rows, " << n;
        EXPECT_TRUE(same_bits(y_t, whole_t)) << out << "x" << in << ", " << rows << " rows, " << n;
      }
    }
}

// The loss-aware fit over 600 tokens (three chunks of the statistics' sums) at a block size with
// few frequencies and one with many, padded and not: the same float64 parameters at any count.
TEST(Threads, LossAwareProjectionIsTheSameAtAnyThreadCount) {
  ThreadsRestored restore;
  const int tokens = 600;
  for (const auto& [m, n, block] : {std::tuple{1024, 256, 2}, {256, 1024, 16}, {200, 300, 64}}) {
    const std::vector<float> w = testing::random_values(size_t(m) * n, m);
    const std::vector<float> x = testing::random_values(size_t(tokens) * n, n);
    std::vector<double> one;
    for (int threads_now : {1, 2, 4}) {
      set_threads(threads_now);
      auto c = loss_aware_projection(w.data(), m, n, block, x.data(), tokens);
      ASSERT_TRUE(c.ok()) << c.error();
      if (threads_now == 1) one = c.value();
      EXPECT_TRUE(c.value().size() == one.size() &&
                  std::memcmp(c->data(), one.data(), one.size() * sizeof(double)) == 0)
          << m << "x" << n << " at B = " << block << ", " << threads_now << " threads";
    }
  }
}

}  // namespace
}  // namespace circulant
