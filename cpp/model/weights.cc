// Walks of the tensor table that do not depend on a file format: pointing, checking, counting.
#include "model/weights.h"

#include <cmath>

namespace circulant {

uint64_t extent(const Config& c, Extent e) {
  switch (e) {
    case Extent::kOne:
      return 1;
    case Extent::kDim:
      return uint64_t(c.dim);
    case Extent::kKvDim:
      return uint64_t(c.kv_dim());
    case Extent::kHidden:
      return uint64_t(c.hidden_dim);
    case Extent::kVocab:
      return uint64_t(c.vocab_size);
    case Extent::kSeqLen:
      return uint64_t(c.seq_len);
    case Extent::kHalfHead:
      return uint64_t(c.head_size() / 2);
  }
  return 0;
}

namespace {

// Calls visit(tensor, layer, data, floats) for every tensor `w` holds: the whole-model ones (layer
// -1), then layer by layer, each in tensor::kAll' order.
template <class Visit>
void for_each_tensor(const Weights& w, Visit&& visit) {
  const Config& c = w.config;
  for (const TensorSpec* t : tensor::kAll)
    if (!t->per_layer() && t->stored(c)) visit(*t, -1, w.*(t->pointer.model), t->floats(c));
  for (size_t l = 0; l < w.layers.size(); ++l)
    for (const TensorSpec* t : tensor::kAll)
      if (t->per_layer() && t->stored(c))
        visit(*t, int(l), w.layers[l].*(t->pointer.layer), t->floats(c));
}

}  // namespace

uint64_t TensorSpec::floats(const Config& c) const { return extent(c, rows) * extent(c, cols); }

void point_tensor(Weights& w, const TensorSpec& t, int layer, const float* data) {
  if (t.pointer.model) w.*(t.pointer.model) = data;
  if (t.pointer.layer) w.layers[size_t(layer)].*(t.pointer.layer) = data;
}

void tie_shared_classifier(Weights& w) {
  if (w.config.shared_classifier) w.classifier = w.token_embedding;
}

Status check_finite(const Weights& w, const std::string& name) {
  std::string message;
  for_each_tensor(w, [&](const TensorSpec& t, int layer, const float* data, uint64_t floats) {
    if (!message.empty()) return;  // the first bad weight is named
    for (uint64_t i = 0; i < floats; ++i)
      if (!std::isfinite(data[i])) {
        message = name + ": weight " + std::to_string(i) + " of " +
                  (layer < 0 ? "" : "layer " + std::to_string(layer) + " ") + t.name + " is " +
                  (std::isnan(data[i]) ? "NaN" : "infinite") +
                  "; the file is corrupt or was exported from a diverged training run";
        return;
      }
  });
  if (!message.empty()) return Error{message};
  return ok_status();
}

ParameterCounts count_parameters(const Config& c) {
  ParameterCounts p;
  for (const TensorSpec* t : tensor::kAll)
    if (t->stored(c)) p.*(t->counted) += int64_t(t->floats(c));
  return p;
}

}  // namespace circulant
