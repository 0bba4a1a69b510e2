// The Llama-style transformer: weights behind linear operators, a run state, and the forward pass.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "kernels/aligned_floats.h"
#include "model/checkpoint.h"
#include "model/linear.h"

namespace circulant {

// Every weight matrix of one layer as an operator; the student swaps the MLP ones.
struct LayerOperators {
  std::shared_ptr<const LinearOperator> wq, wk, wv, wo;  // attention
  std::shared_ptr<const LinearOperator> w1, w2, w3;      // MLP: gate, down, up
  // (dim) MLP RMSNorm gain a student trained for itself; null: the checkpoint's rms_ffn.
  std::shared_ptr<const std::vector<float>> ffn_norm;
  std::shared_ptr<const LinearOperator>& mlp(MlpMatrix m);
  const LinearOperator& mlp(MlpMatrix m) const;
};

class Transformer {
 public:
  // Every matrix dense, borrowing `weights` (shared, never copied).
  explicit Transformer(std::shared_ptr<const Weights> weights);

  const Config& config() const { return weights_->config; }
  const Weights& weights() const { return *weights_; }
  LayerOperators& layer(int l) { return layers_[l]; }
  const LayerOperators& layer(int l) const { return layers_[l]; }
  int64_t mlp_parameters() const;    // over all layers, as currently stored (dense or circulant)
  int64_t total_parameters() const;  // every stored parameter

 private:
  std::shared_ptr<const Weights> weights_;
  std::vector<LayerOperators> layers_;  // (n_layers)
};

// Seconds spent per part of the forward pass, summed over calls (for the MLP's share of time).
struct ForwardTimers {
  double mlp_seconds = 0;
  double total_seconds = 0;
};

// Called with the input rows of an MLP matrix: `x` (rows, cols). Gate and up share one input,
// reported once as kGate. Used to collect calibration inputs; the model knows nothing of why.
using MlpInputHook =
    std::function<void(int layer, MlpMatrix matrix, const float* x, int rows, int cols)>;

// The KV cache and scratch buffers of one sequence.
class RunState {
 public:
  explicit RunState(const Config& config);
  void reset() { length = 0; }
  int length = 0;  // positions already in the KV cache
  ForwardTimers* timers = nullptr;
  MlpInputHook mlp_input_hook;
  int stop_after_layer = -1;  // ≥ 0: run layers 0..this one only, no logits (calibration)
  // (seq_len, kv_dim) of one layer: what decode reads besides the weights (the speed bound).
  const float* key_cache(int layer) const {
    return key_cache_.data() + size_t(layer) * config_.seq_len * config_.kv_dim();
  }
  const float* value_cache(int layer) const {
    return value_cache_.data() + size_t(layer) * config_.seq_len * config_.kv_dim();
  }

 private:
  friend const float* forward(const Transformer&, RunState&, const int*, int, bool);
  void ensure_rows(int rows);
  Config config_;
  int capacity_ = 0;        // rows the scratch buffers hold
  LineFloats x_;            // (rows, dim) residual stream
  LineFloats xb_;           // (rows, dim) normed input / attention output
  LineFloats xb2_;          // (rows, dim) projection output
  LineFloats q_;            // (rows, dim)
  LineFloats hb_;           // (rows, hidden_dim) gate, then SwiGLU output
  LineFloats hb2_;          // (rows, hidden_dim) up
  LineFloats att_;          // (n_heads, seq_len) attention weights, a row per head
  LineFloats rope_cos_;     // (rows, head_size / 2) rotary angles of this pass
  LineFloats rope_sin_;     // (rows, head_size / 2)
  LineFloats logits_;       // (rows, vocab_size)
  LineFloats key_cache_;    // (n_layers, seq_len, kv_dim)
  LineFloats value_cache_;  // (n_layers, seq_len, kv_dim)
};

// Runs `rows` tokens at positions state.length.. (one batch: prefill; one token: decode), appends
// them to the KV cache and returns logits: (rows, vocab) when all_logits, else the last row
// (vocab); null when state.stop_after_layer ends the pass early. Callers check rows ≥ 1 and
// state.length + rows ≤ seq_len.
const float* forward(const Transformer& model, RunState& state, const int* tokens, int rows,
                     bool all_logits = false);

}  // namespace circulant
