// Prefill and decode speed of one or more models, measured the same way, interleaved, in one process.
#pragma once

#include <vector>

#include "model/transformer.h"

namespace circulant {

struct Throughput {
  double prefill_tokens_per_second = 0;  // the prompt as one batch
  double decode_tokens_per_second = 0;   // one token at a time through the KV cache
  double prefill_mlp_share = 0;          // fraction of forward time spent in the MLP blocks
  double decode_mlp_share = 0;
  int prompt_tokens = 0;  // as measured, after clipping to the context
  int decode_tokens = 0;
};

struct ThroughputSettings {
  int prompt_tokens = 64;   // prefill batch
  int decode_tokens = 128;  // new tokens after the prompt
  int runs = 5;             // median over these, after one warm-up run
};

// Runs are interleaved across models (A, B, A, B, …) so drift in machine speed hits all alike.
// Lengths are clipped to the context (prompt + decode ≤ seq_len).
std::vector<Throughput> measure_throughput(const std::vector<const Transformer*>& models,
                                           const ThroughputSettings& settings);

}  // namespace circulant
