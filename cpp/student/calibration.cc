// Collects MLP inputs through the forward pass's input hook.
#include "student/calibration.h"

#include <algorithm>
#include <memory>

#include "util/thread_pool.h"

namespace circulant {

// Prompts run side by side, a wave at a time, one on each thread with its own run state, each
// collecting into buffers of its own; these are appended in prompt order, as one thread would.
// The wave bounds what is held twice.
CalibrationInputs collect_mlp_inputs(const Transformer& model,
                                     const std::vector<std::vector<int>>& prompts,
                                     const std::vector<int>& layers) {
  constexpr size_t kWave = 32;
  CalibrationInputs out;
  if (layers.empty()) return out;
  for (int l : layers) out.layers[l];
  const int last = *std::max_element(layers.begin(), layers.end());  // later layers unused
  std::vector<std::unique_ptr<RunState>> states(threads());
  std::vector<std::map<int, MlpInputs>> collected(kWave);
  for (size_t first = 0; first < prompts.size(); first += kWave) {
    const size_t count = std::min(kWave, prompts.size() - first);
    parallel_for(int64_t(count), [&](int64_t i) {
      std::unique_ptr<RunState>& state = states[thread_index()];
      if (!state) state = std::make_unique<RunState>(model.config());
      state->stop_after_layer = last;
      std::map<int, MlpInputs>& mine = collected[i];
      state->mlp_input_hook = [&mine, &out](int layer, MlpMatrix matrix, const float* x, int rows,
                                            int cols) {
        if (!out.layers.count(layer)) return;
        MlpInputs& inputs = mine[layer];
        std::vector<float>& dest = matrix == MlpMatrix::kDown ? inputs.down : inputs.gate_up;
        dest.insert(dest.end(), x, x + size_t(rows) * cols);
      };
      state->reset();
      const std::vector<int>& tokens = prompts[first + i];
      forward(model, *state, tokens.data(), int(tokens.size()));
    });
    for (size_t i = 0; i < count; ++i) {
      for (auto& [layer, inputs] : collected[i]) {
        MlpInputs& dest = out.layers[layer];
        dest.gate_up.insert(dest.gate_up.end(), inputs.gate_up.begin(), inputs.gate_up.end());
        dest.down.insert(dest.down.end(), inputs.down.begin(), inputs.down.end());
      }
      collected[i].clear();
      out.tokens += int64_t(prompts[first + i].size());
    }
  }
  return out;
}

}  // namespace circulant
