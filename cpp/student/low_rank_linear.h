// The low-rank linear operator W ≈ U·V: the rival of block-circulant at the same parameter count,
// and the removed matrix (zero), the floor every structured student must beat.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "model/linear.h"
#include "util/result.h"

namespace circulant {

// U (m, r) and V (r, n) row-major, stored together as [U | V]; y = (x·Vᵀ)·Uᵀ.
class LowRankLinear final : public LinearOperator {
 public:
  static Result<std::unique_ptr<LowRankLinear>> create(int out, int in, int rank,
                                                       std::vector<float> u_then_v);
  int in_features() const override { return n_; }
  int out_features() const override { return m_; }
  void forward(const float* x, int rows, float* y) const override;
  int64_t parameter_count() const override { return int64_t(r_) * (m_ + n_); }
  int rank() const { return r_; }
  const std::vector<float>& parameters() const { return u_then_v_; }  // [U (m, r) | V (r, n)]
  std::vector<float> to_dense() const override;                       // U·V (m, n)
  // Floats the calling thread's scratch (x·Vᵀ of its longest call, rows·r) holds now: the
  // tests check student_thread_scratch_bytes against it.
  static size_t scratch_held();

 private:
  LowRankLinear(int out, int in, int rank, std::vector<float> u_then_v)
      : m_(out), n_(in), r_(rank), u_then_v_(std::move(u_then_v)) {}
  int m_, n_, r_;
  std::vector<float> u_then_v_;  // U (m, r) then V (r, n)
};

// The thin SVD of matrices, each decomposed once: a sweep over B asks for the same matrix at every
// rank, and truncating one decomposition gives exactly what decomposing again would (it is
// deterministic). Keyed by the weights' address: they must outlive the cache, and not change.
class SvdCache {
 public:
  struct Factors {
    std::vector<double> u;  // (m, k) S·√Σ, k = min(m, n), columns by falling singular value
    std::vector<double> v;  // (k, n) √Σ·Dᵀ
    int m = 0, n = 0, k = 0;
  };
  // Safe to call from several threads at once for different matrices (a layer's are projected
  // side by side); the decomposition itself runs outside the lock.
  const Factors& of(const float* weight, int m, int n);
  size_t decompositions() const;

 private:
  mutable std::mutex mutex_;
  std::map<const float*, Factors> entries_;  // a std::map: references stay valid as it grows
};

// The truncated SVD of W (m, n): U = S_r·√Σ_r, V = √Σ_r·D_rᵀ, the nearest rank-r matrix in
// Frobenius norm (Eckart–Young), computed in float64. Returns [U | V]. With a cache, W is
// decomposed only the first time it is asked for.
std::vector<float> truncated_svd(const float* weight, int m, int n, int rank,
                                 SvdCache* cache = nullptr);

// A removed matrix: contributes zero and stores nothing.
class ZeroLinear final : public LinearOperator {
 public:
  ZeroLinear(int out, int in) : m_(out), n_(in) {}
  int in_features() const override { return n_; }
  int out_features() const override { return m_; }
  void forward(const float*, int rows, float* y) const override;
  int64_t parameter_count() const override { return 0; }
  std::vector<float> to_dense() const override { return std::vector<float>(size_t(m_) * n_); }

 private:
  int m_, n_;
};

}  // namespace circulant
