// Collects MLP inputs through the forward pass's input hook.
#include "student/calibration.h"

#include <algorithm>

namespace circulant {

CalibrationInputs collect_mlp_inputs(const Transformer& model,
                                     const std::vector<std::vector<int>>& prompts,
                                     const std::vector<int>& layers) {
  CalibrationInputs out;
  if (layers.empty()) return out;
  for (int l : layers) out.layers[l];
  RunState state(model.config());
  state.stop_after_layer = *std::max_element(layers.begin(), layers.end());  // later layers unused
  state.mlp_input_hook = [&out](int layer, MlpMatrix matrix, const float* x, int rows, int cols) {
    auto it = out.layers.find(layer);
    if (it == out.layers.end()) return;
    std::vector<float>& dest = matrix == MlpMatrix::kDown ? it->second.down : it->second.gate_up;
    dest.insert(dest.end(), x, x + size_t(rows) * cols);
  };
  for (const std::vector<int>& tokens : prompts) {
    state.reset();
    forward(model, state, tokens.data(), int(tokens.size()));
    out.tokens += int64_t(tokens.size());
  }
  return out;
}

}  // namespace circulant
