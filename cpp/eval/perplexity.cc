// Perplexity over sequences, log-softmax in double.
#include "eval/perplexity.h"

#include <algorithm>
#include <cmath>

#include "kernels/ops.h"

namespace circulant {

PerplexityResult perplexity(const Transformer& model,
                            const std::vector<std::vector<int>>& sequences) {
  const Config& c = model.config();
  RunState state(c);
  double total = 0;
  PerplexityResult r;
  for (const std::vector<int>& tokens : sequences) {
    const int n = int(tokens.size());
    if (n < 2) continue;
    state.reset();
    const float* logits = forward(model, state, tokens.data(), n - 1, /*all_logits=*/true);
    for (int t = 0; t + 1 < n; ++t) {
      const float* row = logits + size_t(t) * c.vocab_size;
      const double nll = log_sum_exp(row, c.vocab_size) - row[tokens[t + 1]];
      if (!std::isfinite(nll) && r.undefined.empty())
        r.undefined = "the logits at position " + std::to_string(t + 1) + " of a window are not " +
                      "finite (the model's numbers overflow)";
      total += nll;
    }
    r.predicted_tokens += n - 1;
  }
  if (r.predicted_tokens > 0) r.mean_nll = total / r.predicted_tokens;
  if (!r.undefined.empty()) r.mean_nll = std::nan("");
  r.perplexity = std::exp(r.mean_nll);
  return r;
}

}  // namespace circulant
