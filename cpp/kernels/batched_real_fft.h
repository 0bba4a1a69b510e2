// The real FFT of kernels/real_fft.h (same bins, sign and normalisation), float32, for many
// signals at once: the inference and distillation hot path.
#pragma once

#include "kernels/real_fft.h"

namespace circulant {

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
  // Ranges of lanes run across the thread pool.
  void forward(float* slab, float* re, float* im, int lanes) const;
  // re, im (B/2+1, lanes) → slab (B, lanes), including the 1/B.
  void inverse(const float* re, const float* im, float* slab, int lanes) const;

 private:
  // The same over `count` lanes (a multiple of 8) of arrays whose rows are `lanes` apart.
  void forward_lanes(float* slab, float* re, float* im, int lanes, int count) const;
  void inverse_lanes(const float* re, const float* im, float* slab, int lanes, int count) const;
  int lanes_per_task() const;
  void decimate_in_frequency(float* slab, int lanes, int count) const;
  void decimate_in_time(float* slab, int lanes, int count) const;

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
