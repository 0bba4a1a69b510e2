// Real-input FFT plans of power-of-two length B (1..256) over KissFFT: plan once, run const.
//
// The one spectrum layout of the engine: B/2+1 complex bins, DC first, Nyquist last,
//   X[k] = Σ_{s<B} x[s]·e^{−2πi·k·s/B},   k = 0..B/2,
// unnormalised forward; the inverse carries the whole 1/B, so inverse(forward(x)) == x.
// Bins B/2+1..B−1 are the conjugates X[B−k] = conj(X[k]) and are never stored.
// With this convention the circulant product of DESIGN §2, C[r][s] = c[(r−s) mod B], is
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

// The same transform, float32, for many signals at once: the inference hot path.
// Storage is split and batch-innermost, so every operation acts on 8 independent signals at
// a time with contiguous loads (one AVX register natively, two simd128 registers in wasm) and
// no sum is reassociated:
//   time slab   (B, lanes)        [sample][lane]
//   spectra     (B/2+1, lanes)    [bin][lane], real and imaginary parts in separate arrays.
// Bins, sign and normalisation are exactly RealFft's. Why a second transform: at B = 64 on one
// core RealFft<float> takes ≈ 450 ns per signal (KissFFT is recursive and scalar), which alone
// made a 1024×256 decode step as slow as the dense product; this one takes ≈ 30–35 ns.
class BatchedRealFft {
 public:
  static constexpr int kLaneMultiple = 8;  // lanes must be a multiple of this; pad with zeros

  // Precondition: RealFft<float>::supports_length(length).
  explicit BatchedRealFft(int length);

  int length() const { return length_; }
  int bins() const { return length_ / 2 + 1; }

  // slab (B, lanes) → re, im (B/2+1, lanes). The slab is the FFT's workspace: it is destroyed.
  void forward(float* slab, float* re, float* im, int lanes) const;
  // re, im (B/2+1, lanes) → slab (B, lanes), including the 1/B.
  void inverse(const float* re, const float* im, float* slab, int lanes) const;

 private:
  void decimate_in_frequency(float* slab, int lanes) const;
  void decimate_in_time(float* slab, int lanes) const;

  int length_;                        // B
  int half_;                          // N = B/2, the length of the packed complex FFT
  std::vector<int> bit_reversed_;     // (N) bit reversal of log2 N bits
  std::vector<int> radix4_quarters_;  // h of each radix-4 stage in DIF order: N/4, N/16, ...
  std::vector<float> twiddles_;  // per stage, per j < h: W^j, W^2j, W^3j (re, im), W = e^{−2πi/4h}
  bool trailing_radix2_;         // log2 N odd: one twiddle-free radix-2 stage left over
  std::vector<float> untangle_re_;  // (N) e^{−2πi·k/B}/2 separates the even/odd halves
  std::vector<float> untangle_im_;
};

}  // namespace circulant
