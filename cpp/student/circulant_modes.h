// Switching how a student's block-circulant operators run (spectrum cache, FFT precision) for a
// measurement, and back afterwards whatever the measurement did.
#pragma once

#include <vector>

#include "model/transformer.h"
#include "student/block_circulant_linear.h"

namespace circulant {

// The block-circulant operators of `model` that go through FFTs (B ≥ 2), MLP matrices of every
// layer in order. A B = 1 operator is a dense product with no spectra: nothing to switch.
std::vector<const BlockCirculantLinear*> fft_operators(const Transformer& model);

// Holds `model`'s FFT operators and gives each back the cache and precision it had when the
// scope began, when the scope ends. The model must outlive the scope and keep its operators.
class CirculantModes {
 public:
  explicit CirculantModes(Transformer& model);
  ~CirculantModes();
  CirculantModes(const CirculantModes&) = delete;
  CirculantModes& operator=(const CirculantModes&) = delete;

  bool empty() const { return operators_.empty(); }
  const std::vector<BlockCirculantLinear*>& operators() const { return operators_; }
  void set_spectrum_cache(bool enabled);
  void set_fft_precision(FftPrecision precision);

 private:
  struct Saved {
    bool cache;
    FftPrecision precision;
  };
  std::vector<BlockCirculantLinear*> operators_;
  std::vector<Saved> saved_;  // (operators) as found
};

}  // namespace circulant
