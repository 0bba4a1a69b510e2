// The forward pass, top to bottom like llama2.c's run.c, over a batch of rows at once.
#include "model/transformer.h"

#include <chrono>
#include <cmath>
#include <cstring>

#include "kernels/ops.h"
#include "util/thread_pool.h"

namespace circulant {

// ----------------------------------------------------------------------------
// Operators and parameter counts

std::shared_ptr<const LinearOperator>& LayerOperators::mlp(MlpMatrix m) {
  return mlp_member(*this, m);
}

const LinearOperator& LayerOperators::mlp(MlpMatrix m) const { return *mlp_member(*this, m); }

Transformer::Transformer(std::shared_ptr<const Weights> weights) : weights_(std::move(weights)) {
  const Config& c = weights_->config;
  auto dense = [this](const float* w, int out, int in) {
    return std::make_shared<DenseLinear>(weights_, w, out, in);
  };
  for (const Weights::Layer& l : weights_->layers) {
    layers_.push_back({dense(l.wq, c.dim, c.dim), dense(l.wk, c.kv_dim(), c.dim),
                       dense(l.wv, c.kv_dim(), c.dim), dense(l.wo, c.dim, c.dim),
                       dense(l.w1, c.hidden_dim, c.dim), dense(l.w2, c.dim, c.hidden_dim),
                       dense(l.w3, c.hidden_dim, c.dim), nullptr});
  }
}

int64_t Transformer::mlp_parameters() const {
  int64_t n = 0;
  for (const LayerOperators& l : layers_)
    n += l.w1->parameter_count() + l.w2->parameter_count() + l.w3->parameter_count();
  return n;
}

int64_t Transformer::total_parameters() const {
  const ParameterCounts dense = count_parameters(config());
  int64_t n = dense.embedding + dense.classifier + dense.final_norm, biases = 0;
  for (const TensorSpec* t : {&tensor::kBq, &tensor::kBk, &tensor::kBv})
    if (t->stored(config())) biases += int64_t(t->floats(config()));
  for (const LayerOperators& l : layers_)
    n += dense.norms + biases + l.wq->parameter_count() + l.wk->parameter_count() +
         l.wv->parameter_count() + l.wo->parameter_count();
  return n + mlp_parameters();
}

// ----------------------------------------------------------------------------
// Run state

RunState::RunState(const Config& config) : config_(config) {
  const size_t cache = size_t(config.n_layers) * config.seq_len * config.kv_dim();
  key_cache_.assign(cache, 0.0f);
  value_cache_.assign(cache, 0.0f);
  att_.assign(size_t(config.n_heads) * config.seq_len, 0.0f);
}

void RunState::ensure_rows(int rows) {
  if (rows <= capacity_) return;
  const size_t r = rows, dim = config_.dim, hidden = config_.hidden_dim;
  x_.resize(r * dim), xb_.resize(r * dim), xb2_.resize(r * dim), q_.resize(r * dim);
  hb_.resize(r * hidden), hb2_.resize(r * hidden);
  rope_cos_.resize(r * (config_.head_size() / 2)), rope_sin_.resize(r * (config_.head_size() / 2));
  logits_.resize(r * config_.vocab_size);
  capacity_ = rows;
}

// ----------------------------------------------------------------------------
// Attention: causal, grouped-query, over the KV cache of one layer

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Below this many multiply-adds (rows × keys × dim) attention runs its heads in order: a decode
// step's is a few microseconds, about what handing heads to the pool costs.
constexpr double kMinParallelAttention = 1 << 20;

// out (rows, dim) from q (rows, dim) and the cache (seq_len, kv_dim); row t sits at first_pos + t.
// Heads are independent, each with its own att row (n_heads, seq_len), so they run side by side
// and the threads change no bit.
void attention(const Config& c, const float* q, const float* key_cache, const float* value_cache,
               int rows, int first_pos, float* att, float* out) {
  const int head_size = c.head_size(), kv_dim = c.kv_dim();
  const int group = c.n_heads / c.n_kv_heads;  // query heads per key/value head
  const float norm = std::sqrt(float(head_size));
  auto head = [&](int64_t h) {
    float* att_h = att + size_t(h) * c.seq_len;
    const int kv_offset = int(h / group) * head_size;
    for (int t = 0; t < rows; ++t) {
      const int pos = first_pos + t;
      const float* qh = q + size_t(t) * c.dim + h * head_size;
      attention_scores(qh, key_cache + kv_offset, kv_dim, pos + 1, head_size, norm, att_h);
      softmax(att_h, pos + 1);
      weighted_rows_sum(att_h, pos + 1, value_cache + kv_offset, kv_dim, head_size,
                        out + size_t(t) * c.dim + h * head_size);
    }
  };
  if (double(rows) * (first_pos + rows) * c.dim < kMinParallelAttention) {
    for (int h = 0; h < c.n_heads; ++h) head(h);
  } else {
    parallel_for(c.n_heads, head);
  }
}

}  // namespace

// ----------------------------------------------------------------------------
// The forward pass

const float* forward(const Transformer& model, RunState& s, const int* tokens, int rows,
                     bool all_logits) {
  const Config& c = model.config();
  const Weights& w = model.weights();
  const int dim = c.dim, hidden = c.hidden_dim, kv_dim = c.kv_dim(), pos = s.length;
  const auto start = Clock::now();
  s.ensure_rows(rows);
  float* x = s.x_.data();

  for (int t = 0; t < rows; ++t)  // token embedding
    std::memcpy(x + size_t(t) * dim, w.token_embedding + size_t(tokens[t]) * dim,
                dim * sizeof(float));
  rope_angles(rows, pos, c.head_size(), c.rope_theta, s.rope_cos_.data(), s.rope_sin_.data());
  const auto rope = c.rope_style == RopeStyle::kHalves ? rope_halves : rope_adjacent_pairs;
  const float eps = c.norm_epsilon;

  for (int l = 0; l < c.n_layers; ++l) {
    const LayerOperators& op = model.layer(l);
    const Weights::Layer& lw = w.layers[l];
    float* key_cache = s.key_cache_.data() + size_t(l) * c.seq_len * kv_dim;
    float* value_cache = s.value_cache_.data() + size_t(l) * c.seq_len * kv_dim;
    float* keys = key_cache + size_t(pos) * kv_dim;  // (rows, kv_dim) this pass's
    float* values = value_cache + size_t(pos) * kv_dim;

    // Attention block: norm, q/k/v (+ biases), rotary, causal attention, output, residual.
    rmsnorm_rows(x, lw.rms_attention, rows, dim, eps, s.xb_.data());
    op.wq->forward(s.xb_.data(), rows, s.q_.data());
    op.wk->forward(s.xb_.data(), rows, keys);
    op.wv->forward(s.xb_.data(), rows, values);
    if (lw.bq) add_bias_rows(s.q_.data(), lw.bq, rows, dim);
    if (lw.bk) add_bias_rows(keys, lw.bk, rows, kv_dim);
    if (lw.bv) add_bias_rows(values, lw.bv, rows, kv_dim);
    rope(s.q_.data(), rows, s.rope_cos_.data(), s.rope_sin_.data(), c.n_heads, c.head_size());
    rope(keys, rows, s.rope_cos_.data(), s.rope_sin_.data(), c.n_kv_heads, c.head_size());
    attention(c, s.q_.data(), key_cache, value_cache, rows, pos, s.att_.data(), s.xb_.data());
    op.wo->forward(s.xb_.data(), rows, s.xb2_.data());
    add_in_place(x, s.xb2_.data(), rows * dim);

    // MLP block: norm, SwiGLU (w2(silu(w1 x) ⊙ w3 x)), residual.
    const auto mlp_start = Clock::now();
    rmsnorm_rows(x, op.ffn_norm ? op.ffn_norm->data() : lw.rms_ffn, rows, dim, eps, s.xb_.data());
    if (s.mlp_input_hook) s.mlp_input_hook(l, MlpMatrix::kGate, s.xb_.data(), rows, dim);
    op.w1->forward(s.xb_.data(), rows, s.hb_.data());
    op.w3->forward(s.xb_.data(), rows, s.hb2_.data());
    swiglu(s.hb_.data(), s.hb2_.data(), rows * hidden);
    if (s.mlp_input_hook) s.mlp_input_hook(l, MlpMatrix::kDown, s.hb_.data(), rows, hidden);
    op.w2->forward(s.hb_.data(), rows, s.xb2_.data());
    add_in_place(x, s.xb2_.data(), rows * dim);
    if (s.timers) s.timers->mlp_seconds += seconds_since(mlp_start);
    if (l == s.stop_after_layer) {
      s.length += rows;
      return nullptr;
    }
  }

  // Final norm and classifier, for every row or only the last.
  const int first = all_logits ? 0 : rows - 1, n_out = rows - first;
  rmsnorm_rows(x + size_t(first) * dim, w.rms_final, n_out, dim, eps, s.xb_.data());
  DenseLinear classifier(nullptr, w.classifier, c.vocab_size, dim);
  classifier.forward(s.xb_.data(), n_out, s.logits_.data());

  s.length += rows;
  if (s.timers) s.timers->total_seconds += seconds_since(start);
  return s.logits_.data();
}

}  // namespace circulant
