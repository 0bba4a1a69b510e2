// Forward pass of the trainer's model; each piece mirrors the matching lines of llama2.c's run.c.
#include "llama_model.h"

#include <cmath>

namespace train {

namespace F = torch::nn::functional;

RMSNormImpl::RMSNormImpl(int dim) { weight = register_parameter("weight", torch::ones({dim})); }

torch::Tensor RMSNormImpl::forward(const torch::Tensor& x) {
  return x * torch::rsqrt(x.pow(2).mean(-1, /*keepdim=*/true) + 1e-5) * weight;
}

std::pair<torch::Tensor, torch::Tensor> rope_tables(int seq_len, int head_size) {
  auto i = torch::arange(0, head_size, 2, torch::kFloat64);  // (head_size/2) = 2i
  auto freq = torch::pow(10000.0, -i / head_size);
  auto angle = torch::outer(torch::arange(seq_len, torch::kFloat64), freq);  // (seq_len, hs/2)
  return {angle.cos().to(torch::kFloat32), angle.sin().to(torch::kFloat32)};
}

// Rotates interleaved pairs (2i, 2i+1) of each head: x (B, T, H, hs), cos/sin (T, hs/2).
static torch::Tensor apply_rope(const torch::Tensor& x, const torch::Tensor& cos,
                                const torch::Tensor& sin) {
  auto sizes = x.sizes().vec();
  auto pairs = x.reshape({sizes[0], sizes[1], sizes[2], sizes[3] / 2, 2});
  auto re = pairs.select(-1, 0), im = pairs.select(-1, 1);  // (B, T, H, hs/2)
  auto c = cos.unsqueeze(1), s = sin.unsqueeze(1);          // (T, 1, hs/2)
  return torch::stack({re * c - im * s, re * s + im * c}, -1).reshape(sizes);
}

BlockImpl::BlockImpl(const ModelShape& s) : shape(s) {
  auto linear = [&](const char* name, int in, int out) {
    return register_module(name, torch::nn::Linear(torch::nn::LinearOptions(in, out).bias(false)));
  };
  attention_norm = register_module("attention_norm", RMSNorm(s.dim));
  wq = linear("wq", s.dim, s.dim);
  wk = linear("wk", s.dim, s.dim);
  wv = linear("wv", s.dim, s.dim);
  wo = linear("wo", s.dim, s.dim);
  ffn_norm = register_module("ffn_norm", RMSNorm(s.dim));
  w1 = linear("w1", s.dim, s.hidden_dim);
  w2 = linear("w2", s.hidden_dim, s.dim);
  w3 = linear("w3", s.dim, s.hidden_dim);
}

torch::Tensor BlockImpl::forward(const torch::Tensor& x, const torch::Tensor& cos,
                                 const torch::Tensor& sin, const torch::Tensor& mask) {
  const int64_t B = x.size(0), T = x.size(1), H = shape.n_heads, hs = shape.head_size();
  // Attention: (B, T, H, hs) -> heads first for the score matmul.
  auto h = attention_norm(x);
  auto q = apply_rope(wq(h).view({B, T, H, hs}), cos, sin).transpose(1, 2);
  auto k = apply_rope(wk(h).view({B, T, H, hs}), cos, sin).transpose(1, 2);
  auto v = wv(h).view({B, T, H, hs}).transpose(1, 2);
  auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(double(hs)) + mask;  // (B,H,T,T)
  auto attended = torch::matmul(torch::softmax(scores, -1), v);                        // (B,H,T,hs)
  auto out = x + wo(attended.transpose(1, 2).reshape({B, T, H * hs}));
  // SwiGLU MLP: w2(silu(w1 x) * w3 x).
  auto f = ffn_norm(out);
  return out + w2(torch::silu(w1(f)) * w3(f));
}

LlamaImpl::LlamaImpl(const ModelShape& s) : shape(s) {
  tok_embeddings = register_module("tok_embeddings", torch::nn::Embedding(s.vocab_size, s.dim));
  for (int l = 0; l < s.n_layers; l++) {
    blocks.push_back(register_module("layer" + std::to_string(l), Block(s)));
  }
  norm = register_module("norm", RMSNorm(s.dim));
  auto [c, sn] = rope_tables(s.seq_len, s.head_size());
  rope_cos = register_buffer("rope_cos", c);
  rope_sin = register_buffer("rope_sin", sn);
  // llama2.c's init: N(0, 0.02), residual outputs scaled down by sqrt(2 * n_layers).
  torch::NoGradGuard no_grad;
  for (auto& p : named_parameters()) {
    if (p.value().dim() < 2) continue;
    double std = 0.02;
    if (p.key().find(".wo.") != std::string::npos || p.key().find(".w3.") != std::string::npos) {
      std /= std::sqrt(2.0 * s.n_layers);
    }
    p.value().normal_(0.0, std);
  }
}

torch::Tensor LlamaImpl::forward(const torch::Tensor& tokens) {
  const int64_t T = tokens.size(1);
  auto mask = torch::full({T, T}, -INFINITY).triu(1);  // (T, T): 0 on and below the diagonal
  auto cos = rope_cos.narrow(0, 0, T), sin = rope_sin.narrow(0, 0, T);
  auto x = tok_embeddings(tokens);  // (B, T, dim)
  for (auto& block : blocks) x = block(x, cos, sin, mask);
  return torch::matmul(norm(x), tok_embeddings->weight.t());  // (B, T, vocab)
}

torch::Tensor next_token_loss(Llama& model, const torch::Tensor& batch) {
  const int64_t T = batch.size(1) - 1;
  auto logits = model(batch.narrow(1, 0, T));
  return F::cross_entropy(logits.reshape({-1, logits.size(-1)}),
                          batch.narrow(1, 1, T).reshape({-1}));
}

}  // namespace train
