// Sampler, following llama2.c's xorshift generator and top-p cut so seeded runs are comparable.
#include "model/sampler.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <unordered_set>

#include "kernels/ops.h"

namespace circulant {

int argmax(const float* x, int n) {
  return int(std::max_element(x, x + n) - x);  // first maximum, like llama2.c
}

Sampler::Sampler(int vocab_size, const SamplerSettings& settings)
    : vocab_size_(vocab_size), settings_(settings), rng_state_(settings.seed ? settings.seed : 1) {
  candidates_.reserve(vocab_size);
}

float Sampler::random_unit() {
  rng_state_ ^= rng_state_ >> 12;
  rng_state_ ^= rng_state_ << 25;
  rng_state_ ^= rng_state_ >> 27;
  const uint32_t bits = uint32_t((rng_state_ * 0x2545F4914F6CDD1Dull) >> 32);
  return (bits >> 8) / 16777216.0f;
}

int Sampler::sample_top_p(const float* probabilities, float coin) {
  // Tokens below (1 - p)/(n - 1) cannot be in the nucleus; dropping them first keeps the sort
  // short.
  const float cutoff = (1.0f - settings_.top_p) / float(vocab_size_ - 1);
  candidates_.clear();
  for (int i = 0; i < vocab_size_; ++i)
    if (probabilities[i] >= cutoff) candidates_.push_back({probabilities[i], i});
  std::sort(candidates_.begin(), candidates_.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  if (candidates_.empty())
    return argmax(probabilities, vocab_size_);  // unreachable for finite input
  float mass = 0.0f;
  size_t last = candidates_.size() - 1;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    mass += candidates_[i].first;
    if (mass > settings_.top_p) {
      last = i;
      break;
    }
  }
  const float target = coin * mass;
  float cumulative = 0.0f;
  for (size_t i = 0; i <= last; ++i) {
    cumulative += candidates_[i].first;
    if (target < cumulative) return candidates_[i].second;
  }
  return candidates_[last].second;
}

namespace {

bool all_finite(const float* x, int n) {
  for (int i = 0; i < n; ++i)
    if (!std::isfinite(x[i])) return false;
  return true;
}

}  // namespace

Result<int> Sampler::sample(float* logits, const std::vector<int>& recent) {
  if (!all_finite(logits, vocab_size_))
    return Error{
        "the model produced a logit that is not a finite number; its weights are broken (load "
        "another model)"};
  if (settings_.repeat_penalty != 1.0f) {
    const size_t from = recent.size() > size_t(settings_.repeat_window)
                            ? recent.size() - settings_.repeat_window
                            : 0;
    std::unordered_set<int> seen(recent.begin() + from, recent.end());
    for (int token : seen) {
      if (token < 0 || token >= vocab_size_) continue;
      float& l = logits[token];
      l = l > 0 ? l / settings_.repeat_penalty : l * settings_.repeat_penalty;
    }
  }
  if (settings_.temperature <= 0.0f) return argmax(logits, vocab_size_);
  for (int i = 0; i < vocab_size_; ++i) logits[i] /= settings_.temperature;
  if (!all_finite(logits, vocab_size_))
    return Error{"temperature " + std::to_string(settings_.temperature) +
                 " is so small that the scaled logits overflow; use 0 for greedy decoding or a "
                 "temperature of at least 0.01"};
  softmax(logits, vocab_size_);
  const float coin = random_unit();
  if (settings_.top_p <= 0.0f || settings_.top_p >= 1.0f) {
    float cumulative = 0.0f;
    for (int i = 0; i < vocab_size_; ++i) {
      cumulative += logits[i];
      if (coin < cumulative) return i;
    }
    return vocab_size_ - 1;
  }
  return sample_top_p(logits, coin);
}

}  // namespace circulant
