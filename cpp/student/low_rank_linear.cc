// Low-rank and zero operators, and the truncated SVD that initialises the low-rank one.
#include "student/low_rank_linear.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <string>

#include "kernels/matmul.h"

namespace circulant {

Result<std::unique_ptr<LowRankLinear>> LowRankLinear::create(int out, int in, int rank,
                                                             std::vector<float> u_then_v) {
  if (out <= 0 || in <= 0 || rank < 1 || rank > std::min(out, in))
    return Error{"low-rank shape " + std::to_string(out) + "x" + std::to_string(in) + " at rank " +
                 std::to_string(rank) +
                 " is impossible: the rank must be from 1 to the smaller side"};
  const size_t expected = size_t(rank) * (out + in);
  if (u_then_v.size() != expected)
    return Error{"low-rank parameters: expected r·(m+n) = " + std::to_string(expected) +
                 " values, got " + std::to_string(u_then_v.size())};
  return std::unique_ptr<LowRankLinear>(new LowRankLinear(out, in, rank, std::move(u_then_v)));
}

namespace {

// (rows, r) x·Vᵀ, one per thread (students are evaluated on several prompts at once).
std::vector<float>& inner_scratch() {
  thread_local std::vector<float> inner;
  return inner;
}

}  // namespace

size_t LowRankLinear::scratch_held() { return inner_scratch().capacity(); }

void LowRankLinear::forward(const float* x, int rows, float* y) const {
  // Reserved exactly, not grown by doubling: --max-memory counts rows·r, rows ≤ seq_len.
  std::vector<float>& inner = inner_scratch();
  if (inner.size() < size_t(rows) * r_)
    inner.reserve(size_t(rows) * r_), inner.resize(size_t(rows) * r_);
  matmul_rows(x, rows, u_then_v_.data() + size_t(m_) * r_, r_, n_, inner.data());
  matmul_rows(inner.data(), rows, u_then_v_.data(), m_, r_, y);
}

std::vector<float> LowRankLinear::to_dense() const {
  std::vector<float> dense(size_t(m_) * n_, 0.f);
  const float *u = u_then_v_.data(), *v = u + size_t(m_) * r_;
  for (int i = 0; i < m_; ++i)
    for (int k = 0; k < r_; ++k)
      for (int j = 0; j < n_; ++j)
        dense[size_t(i) * n_ + j] += u[size_t(i) * r_ + k] * v[size_t(k) * n_ + j];
  return dense;
}

// From the eigenvectors of the smaller Gram matrix (WᵀW or WWᵀ, float64) rather than a full SVD:
// half the work, and U·V = W·(projection on the top singular vectors) exactly as the SVD's. The
// Gram matrix squares the condition number, which float64 leaves far below float32's resolution
// for any σ the truncation keeps; a σ of W's rounding level contributes nothing and gets zeros.
size_t SvdCache::decompositions() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

const SvdCache::Factors& SvdCache::of(const float* weight, int m, int n) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = entries_.find(weight);
    if (found != entries_.end() && found->second.m == m && found->second.n == n)
      return found->second;
  }
  using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Matrix w =
      Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
          weight, m, n)
          .cast<double>();
  const bool tall = m >= n;  // then the right singular vectors come from WᵀW (n, n)
  const Matrix gram = tall ? Matrix(w.transpose() * w) : Matrix(w * w.transpose());
  Eigen::SelfAdjointEigenSolver<Matrix> eigen(gram);
  const Matrix& vectors = eigen.eigenvectors();  // by rising eigenvalue
  const int k = std::min(m, n);
  const double largest = std::max(eigen.eigenvalues()(k - 1), 0.0);
  // Each vector's partner, W·v (m, k) or Wᵀ·s (n, k), over √σ: the other factor's √Σ share.
  const Matrix partners = tall ? Matrix(w * vectors) : Matrix(w.transpose() * vectors);
  Factors f;
  f.m = m, f.n = n, f.k = k;
  f.u.assign(size_t(m) * k, 0.0), f.v.assign(size_t(k) * n, 0.0);
  for (int c = 0; c < k; ++c) {
    const int e = k - 1 - c;  // falling singular value
    const double sigma = std::sqrt(std::max(eigen.eigenvalues()(e), 0.0));
    if (sigma <= 1e-12 * std::sqrt(largest)) continue;
    const double root = std::sqrt(sigma);
    for (int i = 0; i < m; ++i)
      f.u[size_t(i) * k + c] = tall ? partners(i, e) / root : vectors(i, e) * root;
    for (int j = 0; j < n; ++j)
      f.v[size_t(c) * n + j] = tall ? vectors(j, e) * root : partners(j, e) / root;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_[weight] = std::move(f);
}

std::vector<float> truncated_svd(const float* weight, int m, int n, int rank, SvdCache* cache) {
  SvdCache once;
  const SvdCache::Factors& f = (cache ? *cache : once).of(weight, m, n);
  std::vector<float> out(size_t(rank) * (m + n));
  for (int k = 0; k < rank; ++k) {
    for (int i = 0; i < m; ++i) out[size_t(i) * rank + k] = float(f.u[size_t(i) * f.k + k]);
    for (int j = 0; j < n; ++j)
      out[size_t(m) * rank + size_t(k) * n + j] = float(f.v[size_t(k) * n + j]);
  }
  return out;
}

void ZeroLinear::forward(const float*, int rows, float* y) const {
  std::fill(y, y + size_t(rows) * m_, 0.f);
}

}  // namespace circulant
