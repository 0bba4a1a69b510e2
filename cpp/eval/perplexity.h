// Perplexity of a model on held-out text: exp of the mean next-token negative log-likelihood.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/transformer.h"

namespace circulant {

struct PerplexityResult {
  double mean_nll = 0;    // nats per predicted token
  double perplexity = 0;  // exp(mean_nll)
  int64_t predicted_tokens = 0;
  // Why there is no perplexity (mean_nll and perplexity are then NaN): logits that are not finite.
  std::string undefined;
};

// Each sequence (BOS first, at most seq_len tokens) runs as one batch; every token after the first
// is predicted from the ones before it.
PerplexityResult perplexity(const Transformer& model,
                            const std::vector<std::vector<int>>& sequences);

}  // namespace circulant
