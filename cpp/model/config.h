// Model hyperparameters as stored in a llama2.c checkpoint header.
#pragma once

#include <cstdint>

namespace circulant {

// The MLP's three matrices; llama2.c names them w1 (gate), w3 (up) and w2 (down).
enum class MlpMatrix { kGate = 0, kUp = 1, kDown = 2 };

// The member of a layer (weights, operators, gradients: any struct with w1, w2, w3) that holds
// matrix m: the one place the gate/up/down ↔ w1/w3/w2 mapping is written.
template <class Layer>
auto& mlp_member(Layer& layer, MlpMatrix m) {
  return m == MlpMatrix::kGate ? layer.w1 : m == MlpMatrix::kUp ? layer.w3 : layer.w2;
}

// How rotary embeddings pair a head's dimensions: (2i, 2i + 1), as llama2.c and llama.cpp's
// "norm" rope (llama); or (i, i + head_size / 2), as llama.cpp's "neox" rope (qwen2).
enum class RopeStyle { kAdjacentPairs, kHalves };

struct Config {
  int dim = 0;         // residual stream width
  int hidden_dim = 0;  // MLP inner width
  int n_layers = 0;
  int n_heads = 0;
  int n_kv_heads = 0;  // grouped-query attention: n_heads is a multiple of it
  int vocab_size = 0;
  int seq_len = 0;                // longest context the model was trained for
  bool shared_classifier = true;  // classifier reuses the token embedding
  float rope_theta = 10000.0f;    // rotary base frequency
  float norm_epsilon = 1e-5f;     // RMSNorm's epsilon
  RopeStyle rope_style = RopeStyle::kAdjacentPairs;
  bool qkv_bias = false;  // attention's q, k and v projections add a bias (qwen2)

  int head_size() const { return dim / n_heads; }
  int kv_dim() const { return dim / n_heads * n_kv_heads; }
};

// Parameter counts of the dense model (what `circulant info` reports).
struct ParameterCounts {
  int64_t embedding = 0;   // token embedding (shared with the classifier when tied)
  int64_t attention = 0;   // per layer: wq, wk, wv, wo, and bq, bk, bv where qkv_bias
  int64_t mlp = 0;         // per layer: w1, w2, w3
  int64_t norms = 0;       // per layer: two RMSNorm gains
  int64_t final_norm = 0;  // the RMSNorm gain before the classifier
  int64_t classifier = 0;  // 0 when shared
  int64_t per_layer() const { return attention + mlp + norms; }
};

}  // namespace circulant
