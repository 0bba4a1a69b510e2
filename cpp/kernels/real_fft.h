// Real-input FFT plans of power-of-two length B (1..256) over KissFFT: plan once, run const.
// Also the engine's block-size rule (supports_length) and its one spectrum layout.
//
// The one spectrum layout of the engine: B/2+1 complex bins, DC first, Nyquist last,
//   X[k] = Σ_{s<B} x[s]·e^{−2πi·k·s/B},   k = 0..B/2,
// unnormalised forward; the inverse carries the whole 1/B, so inverse(forward(x)) == x.
// Bins B/2+1..B−1 are the conjugates X[B−k] = conj(X[k]) and are never stored.
// With this convention the circulant product of docs/design.md §2, C[r][s] = c[(r−s) mod B], is
// C·x = inverse(forward(c) ⊙ forward(x)), with no conjugation anywhere.
#pragma once

#include <complex>
#include <kissfft.hh>
#include <vector>

namespace circulant {

// T = float for inference, double for the projection solves.
template <class T>
class RealFft {
 public:
  static constexpr int kMaxLength = 256;
  // True for 1, 2, 4, ..., 256; callers validate before building a plan.
  static bool supports_length(int length);

  // Precondition: supports_length(length). Twiddles and factorisation are built here, once.
  explicit RealFft(int length);

  int length() const { return length_; }
  int bins() const { return length_ / 2 + 1; }

  // x (B) real → X (B/2+1). Never allocates; x and X must not overlap.
  void forward(const T* x, std::complex<T>* X) const;
  // X (B/2+1) → x (B), including the 1/B. Imaginary parts of DC and Nyquist are ignored.
  // work (B/2) is caller-owned scratch, so the plan stays const and allocation-free.
  void inverse(const std::complex<T>* X, T* x, std::complex<T>* work) const;

 private:
  int length_;                             // B
  kissfft<T> half_forward_;                // complex FFT of length B/2 (unused for B ≤ 2)
  kissfft<T> half_inverse_;                // its inverse, unnormalised
  std::vector<std::complex<T>> twiddles_;  // (B/2) e^{−2πi·k/B}, split of even/odd halves
};

extern template class RealFft<float>;
extern template class RealFft<double>;

}  // namespace circulant
