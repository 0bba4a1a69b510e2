// Perplexity over sequences, log-softmax in double.
#include "eval/perplexity.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "kernels/ops.h"
#include "util/thread_pool.h"

namespace circulant {

PerplexityResult perplexity(const Transformer& model,
                            const std::vector<std::vector<int>>& sequences) {
  const Config& c = model.config();
  // Sequences run side by side, a wave of them at a time, one on each thread with its own run
  // state; their per-token losses are then summed in order, as one thread would. The wave bounds
  // the losses held at once.
  constexpr size_t kWave = 64;
  std::vector<std::unique_ptr<RunState>> states(threads());
  std::vector<std::vector<double>> losses(kWave);  // (n − 1) per sequence of the wave
  double total = 0;
  PerplexityResult r;
  for (size_t first = 0; first < sequences.size(); first += kWave) {
    const size_t count = std::min(kWave, sequences.size() - first);
    parallel_for(int64_t(count), [&](int64_t i) {
      const std::vector<int>& tokens = sequences[first + i];
      const int n = int(tokens.size());
      losses[i].clear();
      if (n < 2) return;
      std::unique_ptr<RunState>& state = states[thread_index()];
      if (!state) state = std::make_unique<RunState>(c);
      state->reset();
      const float* logits = forward(model, *state, tokens.data(), n - 1, /*all_logits=*/true);
      for (int t = 0; t + 1 < n; ++t) {
        const float* row = logits + size_t(t) * c.vocab_size;
        losses[i].push_back(log_sum_exp(row, c.vocab_size) - row[tokens[t + 1]]);
      }
    });
    for (size_t i = 0; i < count; ++i) {
      for (size_t t = 0; t < losses[i].size(); ++t) {
        const double nll = losses[i][t];
        if (!std::isfinite(nll) && r.undefined.empty())
          r.undefined = "the logits at position " + std::to_string(t + 1) + " of a window are " +
                        "not finite (the model's numbers overflow)";
        total += nll;
      }
      r.predicted_tokens += int64_t(losses[i].size());
    }
  }
  if (r.predicted_tokens > 0) r.mean_nll = total / r.predicted_tokens;
  if (!r.undefined.empty()) r.mean_nll = std::nan("");
  r.perplexity = std::exp(r.mean_nll);
  return r;
}

}  // namespace circulant
