// The trainer's Llama model in libtorch: exactly llama2.c's architecture, so exports run in the
// engine.
#pragma once

#include <torch/torch.h>

namespace train {

struct ModelShape {
  int dim = 256;
  int hidden_dim = 1024;
  int n_layers = 4;
  int n_heads = 4;  // n_kv_heads == n_heads: no grouped-query attention in our models
  int vocab_size = 2048;
  int seq_len = 256;
  int head_size() const { return dim / n_heads; }
};

// x * rsqrt(mean(x²) + eps) * weight, as run.c's rmsnorm.
struct RMSNormImpl : torch::nn::Module {
  explicit RMSNormImpl(int dim);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight;  // (dim)
};
TORCH_MODULE(RMSNorm);

struct BlockImpl : torch::nn::Module {
  BlockImpl(const ModelShape& shape);
  // x (B, T, dim); cos/sin (T, head_size/2); mask (T, T) additive causal mask.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& cos, const torch::Tensor& sin,
                        const torch::Tensor& mask);
  ModelShape shape;
  RMSNorm attention_norm{nullptr}, ffn_norm{nullptr};
  torch::nn::Linear wq{nullptr}, wk{nullptr}, wv{nullptr}, wo{nullptr};  // (dim, dim) each
  torch::nn::Linear w1{nullptr}, w3{nullptr};  // (hidden_dim, dim): gate, up
  torch::nn::Linear w2{nullptr};               // (dim, hidden_dim): down
};
TORCH_MODULE(Block);

struct LlamaImpl : torch::nn::Module {
  explicit LlamaImpl(const ModelShape& shape);
  // tokens (B, T) int64 -> logits (B, T, vocab_size); the classifier is the embedding.
  torch::Tensor forward(const torch::Tensor& tokens);
  ModelShape shape;
  torch::nn::Embedding tok_embeddings{nullptr};  // (vocab_size, dim)
  std::vector<Block> blocks;                     // (n_layers)
  RMSNorm norm{nullptr};                         // (dim)
  torch::Tensor rope_cos, rope_sin;              // (seq_len, head_size/2) buffers
};
TORCH_MODULE(Llama);

// cos and sin of pos * 10000^(-2i/head_size): the tables llama2.c's legacy file stores.
std::pair<torch::Tensor, torch::Tensor> rope_tables(int seq_len, int head_size);

// Mean cross-entropy of predicting tokens[:, 1:] from tokens[:, :-1]; batch (B, T+1).
torch::Tensor next_token_loss(Llama& model, const torch::Tensor& batch);

}  // namespace train
