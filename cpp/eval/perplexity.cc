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
      total += log_sum_exp(row, c.vocab_size) - row[tokens[t + 1]];
    }
    r.predicted_tokens += n - 1;
  }
  if (r.predicted_tokens > 0) r.mean_nll = total / r.predicted_tokens;
  r.perplexity = std::exp(r.mean_nll);
  return r;
}

}  // namespace circulant
