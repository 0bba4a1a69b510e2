// The student's structured MLP matrices inside the differentiable model (model/backward.h):
// block-circulant, low-rank and removed, each with the gradient of its own parameters.
#pragma once

#include <algorithm>
#include <complex>
#include <vector>

#include "kernels/batched_real_fft.h"
#include "model/backward.h"
#include "student/block_circulant_linear.h"

namespace circulant {

// W (m, n) = [C_ij] as BlockCirculantLinear, c (p, q, B) [i][j][s] borrowed from the trainer.
// Per frequency k (hats are RealFft's bins), with rows t stacked:
//   forward   Ŷ_k (rows×p) = X̂_k (rows×q) · Ĉ_kᵀ
//   input     dX̂_k (rows×q) = dŶ_k (rows×p) · conj(Ĉ_k)          (Cᵀ is circulant in conj(ĉ))
//   weights   dĈ_k (p×q)   = dŶ_kᵀ (p×rows) · conj(X̂_k)          (a circular correlation)
// then inverse FFTs; padded inputs and outputs are dropped as in inference. Spectra are split
// into re and im arrays, (bins, lanes) [k][t·blocks + j], lanes ≥ rows·blocks (the layout of
// BatchedRealFft, which float uses; double goes through RealFft one signal at a time).
template <class T>
class CirculantGradient final : public DifferentiableLinear<T> {
 public:
  CirculantGradient(int out, int in, int block, const T* c);
  int in_features() const override { return g_.n; }
  int out_features() const override { return g_.m; }
  // Recomputes the weight spectra from c: call after every change of c.
  void refresh();
  void forward(const T* x, int rows, T* y) const override;
  void backward(const T* x, const T* dy, int rows, T* dx, T* grad) const override;

 private:
  struct Spectra {
    std::vector<T> re, im;  // (bins, lanes)
    int lanes = 0;
  };
  // The spectra of the B-blocks of each row of a (rows, cols), zero-padded.
  void transform_rows(const T* a, int rows, int cols, int blocks, Spectra& out) const;
  // a (rows, cols) ← (or += when `accumulate`) the inverse transforms, padding dropped.
  void inverse_rows(Spectra& in, int rows, int cols, int blocks, T* a, bool accumulate) const;

  BlockGrid g_;
  const T* c_;              // (p, q, B) [i][j][s], the trainer's
  RealFft<T> fft_;          // one signal at a time (double)
  BatchedRealFft batched_;  // many signals at once (float, the distillation path)
  Spectra weights_;         // Ĉ (bins, p·q) [k][i][j]
  std::vector<T> transposed_re_, transposed_im_;  // Ĉᵀ (bins, q, p) [k][j][i]
  mutable Spectra x_, y_, grad_;     // input (rows·q), output (rows·p), weight gradient (p·q)
  mutable std::vector<float> slab_;  // batched: (B, lanes)
  mutable std::vector<T> signal_;    // (B)
  mutable std::vector<std::complex<T>> bins_scratch_, work_;  // (bins), (B/2)
};

// W ≈ U·V with U (m, r) and V (r, n) row-major, stored one after the other in the trainer's
// parameter vector: [U | V].
template <class T>
class LowRankGradient final : public DifferentiableLinear<T> {
 public:
  LowRankGradient(int out, int in, int rank, const T* u_then_v)
      : m_(out), n_(in), r_(rank), u_(u_then_v), v_(u_then_v + size_t(out) * rank) {}
  int in_features() const override { return n_; }
  int out_features() const override { return m_; }
  void forward(const T* x, int rows, T* y) const override;
  void backward(const T* x, const T* dy, int rows, T* dx, T* grad) const override;

 private:
  int m_, n_, r_;
  const T* u_;                                 // (m, r)
  const T* v_;                                 // (r, n)
  mutable std::vector<T> inner_, inner_grad_;  // (rows, r): x·Vᵀ and its gradient
};

// The removed matrix: contributes zero, passes no gradient.
template <class T>
class ZeroGradient final : public DifferentiableLinear<T> {
 public:
  ZeroGradient(int out, int in) : m_(out), n_(in) {}
  int in_features() const override { return n_; }
  int out_features() const override { return m_; }
  void forward(const T*, int rows, T* y) const override {
    std::fill(y, y + size_t(rows) * m_, T(0));
  }
  void backward(const T*, const T*, int rows, T* dx, T*) const override {
    std::fill(dx, dx + size_t(rows) * n_, T(0));
  }

 private:
  int m_, n_;
};

extern template class CirculantGradient<float>;
extern template class CirculantGradient<double>;
extern template class LowRankGradient<float>;
extern template class LowRankGradient<double>;

}  // namespace circulant
