// Switching how a model's block-circulant operators run, and restoring it.
#include "student/circulant_modes.h"

namespace circulant {

std::vector<const BlockCirculantLinear*> fft_operators(const Transformer& model) {
  std::vector<const BlockCirculantLinear*> found;
  for (int l = 0; l < model.config().n_layers; ++l)
    for (MlpMatrix m : {MlpMatrix::kGate, MlpMatrix::kUp, MlpMatrix::kDown}) {
      const auto* op = dynamic_cast<const BlockCirculantLinear*>(&model.layer(l).mlp(m));
      if (op && op->block() > 1) found.push_back(op);
    }
  return found;
}

// The operators are created mutable (student.cc, new) and shared as const so that one operator
// can serve two models; their cache and precision are ways of running them, not their values,
// which whoever holds the model mutable may switch between calls.
CirculantModes::CirculantModes(Transformer& model) {
  for (const BlockCirculantLinear* op : fft_operators(model)) {
    operators_.push_back(const_cast<BlockCirculantLinear*>(op));
    saved_.push_back({op->spectrum_cache(), op->fft_precision()});
  }
}

CirculantModes::~CirculantModes() {
  for (size_t i = 0; i < operators_.size(); ++i) {
    operators_[i]->set_spectrum_cache(saved_[i].cache);
    if (operators_[i]->fft_precision() != saved_[i].precision)
      operators_[i]->set_fft_precision(saved_[i].precision);
  }
}

void CirculantModes::set_spectrum_cache(bool enabled) {
  for (BlockCirculantLinear* op : operators_) op->set_spectrum_cache(enabled);
}

void CirculantModes::set_fft_precision(FftPrecision precision) {
  for (BlockCirculantLinear* op : operators_)
    if (op->fft_precision() != precision) op->set_fft_precision(precision);
}

}  // namespace circulant
