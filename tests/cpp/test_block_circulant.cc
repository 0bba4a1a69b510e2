// BlockCirculantLinear against the explicit dense matrix built from c by definition, over every
// block size, square/tall/wide/padded shapes, one and many rows, spectrum cache on and off.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "student/block_circulant_linear.h"
#include "test_util.h"

namespace circulant {
namespace {

using testing::random_values;

// W (m, n): block (i, j) of c (p, q, B) placed by C[r][s] = c[(r − s) mod B], cut to m×n.
// Written from DESIGN §2 alone, independent of the operator's FFTs and its to_dense().
std::vector<double> dense_by_definition(const std::vector<float>& c, int m, int n, int b) {
  const int q = (n + b - 1) / b;
  std::vector<double> w(size_t(m) * n);
  for (int row = 0; row < m; ++row)
    for (int col = 0; col < n; ++col) {
      const int i = row / b, j = col / b, r = row % b, s = col % b;
      w[size_t(row) * n + col] = c[(size_t(i) * q + j) * b + (r - s + b) % b];
    }
  return w;
}

// max over rows of ‖y_t − W x_t‖ / ‖W x_t‖, W x_t computed in double.
double worst_relative_error(const std::vector<double>& w, int m, int n, const std::vector<float>& x,
                            int rows, const std::vector<float>& y) {
  double worst = 0;
  for (int t = 0; t < rows; ++t) {
    double diff = 0, norm = 0;
    for (int r = 0; r < m; ++r) {
      double exact = 0;
      for (int s = 0; s < n; ++s) exact += w[size_t(r) * n + s] * x[size_t(t) * n + s];
      diff += (y[size_t(t) * m + r] - exact) * (y[size_t(t) * m + r] - exact);
      norm += exact * exact;
    }
    worst = std::max(worst, std::sqrt(diff / norm));
  }
  return worst;
}

struct Shape {
  const char* name;
  int m, n;
};

std::vector<Shape> shapes_for(int b) {
  // padded: neither dimension a multiple of B (for B = 1 every shape divides, still run it)
  return {{"square", 2 * b, 2 * b},
          {"tall", 3 * b, b},
          {"wide", b, 3 * b},
          {"padded", 2 * b + b / 2 + 1, b + std::max(1, b / 4) + 2}};
}

TEST(BlockCirculantLinear, FftProductEqualsExplicitDenseMatrixForEveryBlockSize) {
  // 1 and 3 rows take the row-major (decode) path, 8 the block-major one, 21 = 16 + 5 both.
  for (int b = 1; b <= 256; b *= 2) {
    for (const Shape& shape : shapes_for(b)) {
      const int p = (shape.m + b - 1) / b, q = (shape.n + b - 1) / b;
      auto c = random_values(size_t(p) * q * b, unsigned(b * 131 + shape.m));
      const std::vector<double> w = dense_by_definition(c, shape.m, shape.n, b);
      auto made = BlockCirculantLinear::create(shape.m, shape.n, b, c);
      ASSERT_TRUE(made.ok()) << made.error();
      BlockCirculantLinear& op = *made.value();
      for (int rows : {1, 3, 8, 21}) {
        const auto x = random_values(size_t(rows) * shape.n, unsigned(rows + b));
        for (bool cache : {true, false}) {
          op.set_spectrum_cache(cache);
          std::vector<float> y(size_t(rows) * shape.m, NAN);
          op.forward(x.data(), rows, y.data());
          EXPECT_LT(worst_relative_error(w, shape.m, shape.n, x, rows, y), 1e-5)
              << "B=" << b << " " << shape.name << " " << shape.m << "x" << shape.n
              << " rows=" << rows << " cache=" << cache;
        }
      }
    }
  }
}

TEST(BlockCirculantLinear, ManyChunksOfRowsMatchOneRowAtATime) {
  const int m = 96, n = 160, b = 16, rows = 77;  // several block-major chunks and a tail
  auto made = BlockCirculantLinear::create(m, n, b, random_values(6 * 10 * 16, 5));
  ASSERT_TRUE(made.ok());
  const auto x = random_values(size_t(rows) * n, 6);
  std::vector<float> batched(size_t(rows) * m), single(m);
  made.value()->forward(x.data(), rows, batched.data());
  for (int t = 0; t < rows; ++t) {
    made.value()->forward(x.data() + size_t(t) * n, 1, single.data());
    for (int r = 0; r < m; ++r) ASSERT_NEAR(batched[size_t(t) * m + r], single[r], 1e-4) << t;
  }
}

TEST(BlockCirculantLinear, ToDenseFollowsTheDefinition) {
  const int m = 37, n = 21, b = 8;
  const auto c = random_values(5 * 3 * 8, 7);
  auto made = BlockCirculantLinear::create(m, n, b, c);
  ASSERT_TRUE(made.ok());
  const std::vector<float> dense = made.value()->to_dense();
  const std::vector<double> expected = dense_by_definition(c, m, n, b);
  ASSERT_EQ(dense.size(), expected.size());
  for (size_t e = 0; e < dense.size(); ++e) EXPECT_EQ(dense[e], float(expected[e]));
}

TEST(BlockCirculantLinear, CountsParametersAndExposesThem) {
  auto made = BlockCirculantLinear::create(1024, 256, 64, random_values(16 * 4 * 64, 8));
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(made.value()->parameter_count(), 1024 * 256 / 64);
  EXPECT_EQ(made.value()->block_rows(), 16);
  EXPECT_EQ(made.value()->block_cols(), 4);
  EXPECT_EQ(made.value()->parameters().size(), size_t(16 * 4 * 64));
  EXPECT_EQ(made.value()->in_features(), 256);
  EXPECT_EQ(made.value()->out_features(), 1024);
}

TEST(BlockCirculantLinear, SetParametersRefreshesTheCachedSpectra) {
  const int m = 24, n = 40, b = 8;
  auto made = BlockCirculantLinear::create(m, n, b, random_values(3 * 5 * 8, 9));
  ASSERT_TRUE(made.ok());
  const auto fresh = random_values(3 * 5 * 8, 10);
  ASSERT_TRUE(made.value()->set_parameters(fresh).ok());
  const auto x = random_values(size_t(2) * n, 11);
  std::vector<float> y(size_t(2) * m);
  made.value()->forward(x.data(), 2, y.data());
  EXPECT_LT(worst_relative_error(dense_by_definition(fresh, m, n, b), m, n, x, 2, y), 1e-5);
  EXPECT_FALSE(made.value()->set_parameters(std::vector<float>(7)).ok());
}

TEST(BlockCirculantLinear, RejectsBadBlockSizesAndParameterCounts) {
  for (int b : {0, 3, 48, 512}) {
    auto made = BlockCirculantLinear::create(64, 64, b, std::vector<float>(64));
    ASSERT_FALSE(made.ok()) << b;
    EXPECT_NE(made.error().find("power of two from 1 to 256"), std::string::npos) << made.error();
  }
  auto wrong = BlockCirculantLinear::create(64, 32, 16, std::vector<float>(10));
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().find("expected p·q·B = 128"), std::string::npos) << wrong.error();
  EXPECT_FALSE(validate_block_circulant_shape(0, 8, 4).ok());
  EXPECT_TRUE(validate_block_circulant_shape(100, 30, 64).ok());
}

}  // namespace
}  // namespace circulant
