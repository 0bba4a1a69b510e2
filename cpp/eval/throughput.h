// Prefill and decode speed of one or more models, measured the same way, interleaved, in one
// process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
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
  // Bytes a decode step reads, on average over the run: the weights (decode_weight_bytes) and the
  // KV cache rows attention reads (decode_cache_bytes).
  double decode_bytes_per_token = 0;
  // With ThroughputSettings::bound, for a dense model: a streaming read of the very bytes the
  // run's decode steps read, in their order, where they lie, timed right after each run, and the
  // median over runs of its time ÷ the decode time: the fraction of this machine's memory
  // bandwidth decode reached, each run paired with its own bound so that the machine's drift
  // (±30 % on shared hosts) cancels.
  double stream_bytes_per_second = 0;
  double bound_fraction = 0;
  // With ThroughputSettings::memory_read: a read of that buffer, beyond the caches, after each run,
  // and the median over runs of decode's bytes per second ÷ its rate. Where the last-level cache
  // holds much of the weights, decode and the paired read above are both served partly from it;
  // this says how decode compares with memory's own speed.
  double memory_bytes_per_second = 0;
  double memory_fraction = 0;
};

struct ThroughputSettings {
  int prompt_tokens = 64;   // prefill batch
  int decode_tokens = 128;  // new tokens after the prompt
  int runs = 5;             // median over these, after one warm-up run
  bool warm_up = true;      // off: a caller measuring the same models again skips the warm-up
  bool bound = false;       // also measure stream_bytes_per_second and bound_fraction
  // A buffer larger than the caches, which the caller allocates and fills (so that a machine
  // without the memory gets the caller's message: the WebAssembly builds have no exceptions to
  // report a failed allocation); set: also memory_bytes_per_second and memory_fraction.
  const float* memory_read = nullptr;
  size_t memory_read_floats = 0;
};

// The median (the mean of the middle two for an even count): the one definition, which the page
// calls too (its benchmark takes the median over runs it makes one at a time).
double median(std::vector<double> values);

// Bytes of weights one decode step reads: every layer's operators as stored, the norms, the
// classifier, and one embedding row.
int64_t decode_weight_bytes(const Transformer& model);
// Bytes of KV cache that `steps` decode steps from position `first` read together.
int64_t decode_cache_bytes(const Config& config, int first, int steps);

// The physical limit of a memory-bound kernel on this machine: bytes per second of one thread
// summing a 64-byte-aligned buffer of `bytes` (as many as the kernel reads, so both see the same
// caches), the median of `runs` after a warm-up, each run at least 5 ms of reads.
double streaming_read_bytes_per_second(size_t bytes = size_t(64) << 20, int runs = 7);

// Called before every run of models[m], warm-up included: one model measured two ways (its
// spectrum cache on, then off) appears twice in `models` and is switched here.
using BeforeRun = std::function<void(size_t model)>;

// Runs are interleaved across models (A, B, A, B, …) so drift in machine speed hits all alike.
// Lengths are clipped to the context (prompt + decode ≤ seq_len).
std::vector<Throughput> measure_throughput(const std::vector<const Transformer*>& models,
                                           const ThroughputSettings& settings,
                                           const BeforeRun& before_run = nullptr);

}  // namespace circulant
