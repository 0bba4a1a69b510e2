// Random tensors in every GGUF type the engine reads, for synthetic test and benchmark models:
// random quants in blocks whose scales are drawn so a tensor's values have about the RMS asked
// for, so activations stay finite and logits stay in a range where both engines' softmax is exact.
#pragma once

#include <cstdint>
#include <vector>

#include "model/gguf_tensor_types.h"

namespace circulant::synthetic {

// splitmix64: fast, and the same stream on every machine for a seed.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  float uniform(float low, float high) {  // [low, high)
    return low + (high - low) * float(next() >> 40) * 0x1p-24f;
  }
  int integer(int low, int high) { return low + int(next() % uint64_t(high - low + 1)); }

 private:
  uint64_t state_;
};

// `count` values stored as `type` (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K or Q6_K; count a whole
// number of its blocks): floats drawn uniformly, or random quants with per-block scales, with a
// root mean square near `rms` and a mean near 0.
std::vector<uint8_t> random_tensor(GgufType type, uint64_t count, float rms, Rng& rng);

// `count` float32 values drawn uniformly from [low, high) (norm gains, biases).
std::vector<uint8_t> uniform_f32(uint64_t count, float low, float high, Rng& rng);

}  // namespace circulant::synthetic
