// Next-token sampling: greedy, temperature, top-p, repetition penalty; seeded so runs repeat.
#pragma once

#include <cstdint>
#include <vector>

#include "util/result.h"

namespace circulant {

struct SamplerSettings {
  float temperature = 0.0f;     // 0 = greedy (argmax)
  float top_p = 0.9f;           // nucleus mass; ≥ 1 disables it
  float repeat_penalty = 1.0f;  // as llama.cpp's --repeat-penalty: 1 = off
  int repeat_window = 64;       // how many recent tokens the penalty looks at
  uint64_t seed = 42;
};

class Sampler {
 public:
  Sampler(int vocab_size, const SamplerSettings& settings);
  // `logits` (vocab) may be modified (penalty, temperature); `recent` are the tokens so far. An
  // error when a logit is not finite (a broken model) or a temperature this small overflows them.
  Result<int> sample(float* logits, const std::vector<int>& recent);

 private:
  float random_unit();  // uniform in [0, 1)
  int sample_top_p(const float* probabilities, float coin);
  int vocab_size_;
  SamplerSettings settings_;
  uint64_t rng_state_;
  std::vector<std::pair<float, int>> candidates_;  // (vocab) scratch for top-p
};

int argmax(const float* x, int n);

}  // namespace circulant
