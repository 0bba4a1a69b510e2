// Projections against their definitions: the naive diagonal average, a brute-force float64
// least-squares fit over the p·q·B time-domain unknowns, and the λ → ∞ / identity-covariance
// limits in which loss-aware must give Frobenius back.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "student/block_circulant_linear.h"
#include "student/projection.h"
#include "test_util.h"

namespace circulant {
namespace {

using testing::random_values;

double max_abs_difference(const std::vector<double>& a, const std::vector<double>& b) {
  double worst = 0;
  for (size_t e = 0; e < a.size(); ++e) worst = std::max(worst, std::abs(a[e] - b[e]));
  return a.size() == b.size() ? worst : INFINITY;
}

// W (m, n) read as the zero-padded (p·B)×(q·B) matrix.
double padded(const std::vector<float>& w, int m, int n, int row, int col) {
  return row < m && col < n ? w[size_t(row) * n + col] : 0.0;
}

// c_ij[d] = (1/B) Σ_r W_ij[r][(r − d) mod B], written as the definition reads.
std::vector<double> naive_diagonal_average(const std::vector<float>& w, int m, int n, int b) {
  const int p = (m + b - 1) / b, q = (n + b - 1) / b;
  std::vector<double> c(size_t(p) * q * b);
  for (int i = 0; i < p; ++i)
    for (int j = 0; j < q; ++j)
      for (int d = 0; d < b; ++d) {
        double sum = 0;
        for (int r = 0; r < b; ++r) sum += padded(w, m, n, i * b + r, j * b + (r - d + b) % b);
        c[(size_t(i) * q + j) * b + d] = sum / b;
      }
  return c;
}

// min_c Σ_t ‖W x_t − C(c) x_t‖² solved directly in the time domain: for output block i the
// unknowns are c_ij[d] (q·B of them) and row (t, r) of the design matrix holds x_tj[(r−d) mod B].
std::vector<double> brute_force_least_squares(const std::vector<float>& w, int m, int n, int b,
                                              const std::vector<float>& x, int tokens) {
  const int p = (m + b - 1) / b, q = (n + b - 1) / b;
  std::vector<double> c(size_t(p) * q * b);
  for (int i = 0; i < p; ++i) {
    Eigen::MatrixXd design(size_t(tokens) * b, q * b);
    Eigen::VectorXd target(size_t(tokens) * b);
    for (int t = 0; t < tokens; ++t)
      for (int r = 0; r < b; ++r) {
        double exact = 0;  // (W x_t) at output row i·B + r, zero for padded rows
        for (int s = 0; s < n; ++s) exact += padded(w, m, n, i * b + r, s) * x[size_t(t) * n + s];
        target(t * b + r) = exact;
        for (int j = 0; j < q; ++j)
          for (int d = 0; d < b; ++d) {
            const int col = j * b + (r - d + b) % b;
            design(t * b + r, j * b + d) = col < n ? x[size_t(t) * n + col] : 0.0;
          }
      }
    const Eigen::VectorXd solution = design.colPivHouseholderQr().solve(target);
    for (int e = 0; e < q * b; ++e) c[size_t(i) * q * b + e] = solution(e);
  }
  return c;
}

struct Case {
  int m, n, b, tokens;
};

TEST(FrobeniusProjection, EqualsTheNaiveDiagonalAverage) {
  for (Case s : {Case{8, 8, 4, 0}, Case{12, 20, 4, 0}, Case{13, 7, 4, 0}, Case{5, 9, 8, 0},
                 Case{6, 3, 1, 0}, Case{64, 32, 16, 0}}) {
    const auto w = random_values(size_t(s.m) * s.n, s.m * 7 + s.n);
    auto c = frobenius_projection(w.data(), s.m, s.n, s.b);
    ASSERT_TRUE(c.ok()) << c.error();
    EXPECT_LT(max_abs_difference(c.value(), naive_diagonal_average(w, s.m, s.n, s.b)), 1e-12)
        << s.m << "x" << s.n << " B=" << s.b;
  }
}

TEST(FrobeniusProjection, KeepsABlockCirculantMatrixAsItIs) {
  const int m = 32, n = 48, b = 16;
  const auto c = random_values(2 * 3 * 16, 3);
  auto op = BlockCirculantLinear::create(m, n, b, c);
  ASSERT_TRUE(op.ok());
  const std::vector<float> w = op.value()->to_dense();
  auto projected = frobenius_projection(w.data(), m, n, b);
  ASSERT_TRUE(projected.ok());
  EXPECT_LT(max_abs_difference(projected.value(), std::vector<double>(c.begin(), c.end())), 1e-6);
}

TEST(LossAwareProjection, MatchesBruteForceLeastSquares) {
  // divisible, padded on both sides, B = 1 (dense least squares) and B = 2 (DC and Nyquist only)
  for (Case s : {Case{8, 16, 8, 12}, Case{12, 10, 4, 9}, Case{6, 5, 1, 14}, Case{6, 10, 2, 11},
                 Case{20, 24, 16, 6}}) {
    const auto w = random_values(size_t(s.m) * s.n, 11 + s.m);
    const auto x = random_values(size_t(s.tokens) * s.n, 13 + s.n);
    auto fast = loss_aware_projection(w.data(), s.m, s.n, s.b, x.data(), s.tokens, 0.0);
    ASSERT_TRUE(fast.ok()) << fast.error();
    EXPECT_LT(
        max_abs_difference(fast.value(), brute_force_least_squares(w, s.m, s.n, s.b, x, s.tokens)),
        1e-9)
        << s.m << "x" << s.n << " B=" << s.b << " tokens=" << s.tokens;
  }
}

TEST(LossAwareProjection, HugeLambdaGivesFrobenius) {
  const int m = 24, n = 40, b = 8, tokens = 30;
  const auto w = random_values(size_t(m) * n, 21), x = random_values(size_t(tokens) * n, 22);
  auto fit = loss_aware_projection(w.data(), m, n, b, x.data(), tokens, 1e12);
  auto frob = frobenius_projection(w.data(), m, n, b);
  ASSERT_TRUE(fit.ok() && frob.ok());
  EXPECT_LT(max_abs_difference(fit.value(), frob.value()), 1e-9);
}

// Standard basis vectors e_0..e_{n−1} have Σ x xᵀ = I; per frequency that is G_k = B·I and
// R_k = B·Ĉ_k^frob, so the fit is Frobenius for every λ. (n divisible by B: a padded input
// column is never excited, which would break the identity.)
TEST(LossAwareProjection, IdentityCovarianceInputsGiveFrobenius) {
  const int m = 10, n = 16, b = 4;
  const auto w = random_values(size_t(m) * n, 31);
  std::vector<float> basis(size_t(n) * n, 0.f);
  for (int t = 0; t < n; ++t) basis[size_t(t) * n + t] = 1.f;
  auto frob = frobenius_projection(w.data(), m, n, b);
  ASSERT_TRUE(frob.ok());
  for (double lambda : {0.0, 0.01, 3.0}) {
    auto fit = loss_aware_projection(w.data(), m, n, b, basis.data(), n, lambda);
    ASSERT_TRUE(fit.ok()) << fit.error();
    EXPECT_LT(max_abs_difference(fit.value(), frob.value()), 1e-12) << "lambda=" << lambda;
  }
}

// Activations are far from white: give the inputs a few dominant directions and check the fit
// uses them (white inputs would make loss-aware ≈ Frobenius, see the identity test above).
TEST(LossAwareProjection, FitsCorrelatedCalibrationInputsBetterThanFrobenius) {
  const int m = 32, n = 32, b = 8, tokens = 64, directions = 3;
  const auto w = random_values(size_t(m) * n, 41),
             basis = random_values(size_t(directions) * n, 42);
  const auto mix = random_values(size_t(tokens) * directions, 43),
             noise = random_values(size_t(tokens) * n, 44);
  std::vector<float> x(size_t(tokens) * n);
  for (int t = 0; t < tokens; ++t)
    for (int s = 0; s < n; ++s) {
      float v = 0.05f * noise[size_t(t) * n + s];
      for (int d = 0; d < directions; ++d)
        v += mix[size_t(t) * directions + d] * basis[size_t(d) * n + s];
      x[size_t(t) * n + s] = v;
    }
  auto fit = loss_aware_projection(w.data(), m, n, b, x.data(), tokens);
  auto frob = frobenius_projection(w.data(), m, n, b);
  ASSERT_TRUE(fit.ok() && frob.ok());
  auto residual = [&](const std::vector<double>& c) {
    auto op = BlockCirculantLinear::create(m, n, b, c);
    std::vector<float> y(size_t(tokens) * m);
    op.value()->forward(x.data(), tokens, y.data());
    double sum = 0;
    for (int t = 0; t < tokens; ++t)
      for (int r = 0; r < m; ++r) {
        double exact = 0;
        for (int s = 0; s < n; ++s) exact += double(w[size_t(r) * n + s]) * x[size_t(t) * n + s];
        sum += (exact - y[size_t(t) * m + r]) * (exact - y[size_t(t) * m + r]);
      }
    return sum;
  };
  EXPECT_LT(residual(fit.value()), 0.5 * residual(frob.value()));
}

TEST(LossAwareProjection, TooFewTokensIsAClearError) {
  const int m = 1024, n = 256, b = 64;
  const std::vector<float> w(size_t(m) * n, 0.1f), x(size_t(3) * n, 1.f);
  auto fit = loss_aware_projection(w.data(), m, n, b, x.data(), 3);
  ASSERT_FALSE(fit.ok());
  EXPECT_NE(fit.error().find("needs at least 4 calibration tokens"), std::string::npos)
      << fit.error();
  EXPECT_NE(fit.error().find("got 3"), std::string::npos) << fit.error();
  EXPECT_EQ(loss_aware_min_tokens(n, b), 4);
}

TEST(LossAwareProjection, RepeatedTokensNeedARidge) {
  const int m = 8, n = 8, b = 4, tokens = 5;  // q = 2 but every token is the same vector
  const auto w = random_values(size_t(m) * n, 51), one = random_values(n, 52);
  std::vector<float> x;
  for (int t = 0; t < tokens; ++t) x.insert(x.end(), one.begin(), one.end());
  auto bare = loss_aware_projection(w.data(), m, n, b, x.data(), tokens, 0.0);
  ASSERT_FALSE(bare.ok());
  EXPECT_NE(bare.error().find("singular"), std::string::npos) << bare.error();
  EXPECT_TRUE(loss_aware_projection(w.data(), m, n, b, x.data(), tokens, 0.01).ok());
}

TEST(Projections, RejectBadBlockSizesAndLambdas) {
  const std::vector<float> w(64, 1.f), x(64, 1.f);
  EXPECT_FALSE(frobenius_projection(w.data(), 8, 8, 3).ok());
  EXPECT_FALSE(loss_aware_projection(w.data(), 8, 8, 512, x.data(), 8).ok());
  EXPECT_FALSE(loss_aware_projection(w.data(), 8, 8, 4, x.data(), 8, -1.0).ok());
}

}  // namespace
}  // namespace circulant
