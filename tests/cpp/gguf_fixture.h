// GGUF model files written key by key and tensor by tensor in the tests, under GGUF's names and
// shapes (ggml's order: row length first), so that the loader's own table is checked, not reused.
#pragma once

#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "kernels/half_float.h"
#include "model/gguf_model.h"
#include "model/gguf_writer.h"
#include "test_util.h"

namespace circulant::testing {

struct HandTensor {
  std::string name;
  std::vector<uint64_t> shape;  // ggml's order
  std::vector<float> values;
  GgufType type = GgufType::kF32;
};

// A model file written key by key and tensor by tensor; a test changes it before bytes().
struct HandModel {
  std::string arch = "llama";
  Config c{32, 48, 2, 4, 2, 40, 16, false};
  bool write_kv_heads = true, write_epsilon = true;
  float theta = 0;  // 0: no rope.freq_base key
  std::vector<std::function<void(GgufWriter&)>> extra_keys;
  std::vector<HandTensor> tensors;

  explicit HandModel(bool biases = false) {
    const uint64_t dim = c.dim, kv = c.kv_dim(), hidden = c.hidden_dim, vocab = c.vocab_size;
    add("token_embd.weight", {dim, vocab});
    add("output_norm.weight", {dim});
    add("output.weight", {dim, vocab});
    for (int l = 0; l < c.n_layers; ++l) {
      const std::string b = "blk." + std::to_string(l) + ".";
      add(b + "attn_norm.weight", {dim});
      add(b + "attn_q.weight", {dim, dim});
      add(b + "attn_k.weight", {dim, kv});
      add(b + "attn_v.weight", {dim, kv});
      add(b + "attn_output.weight", {dim, dim});
      if (biases)
        add(b + "attn_q.bias", {dim}), add(b + "attn_k.bias", {kv}), add(b + "attn_v.bias", {kv});
      add(b + "ffn_norm.weight", {dim});
      add(b + "ffn_gate.weight", {dim, hidden});
      add(b + "ffn_up.weight", {dim, hidden});
      add(b + "ffn_down.weight", {hidden, dim});
    }
  }
  // Distinct values in every tensor, small enough for any type.
  void add(const std::string& name, std::vector<uint64_t> shape) {
    const size_t n = size_t(shape[0] * (shape.size() > 1 ? shape[1] : 1));
    std::vector<float> v = testing::random_values(n, unsigned(tensors.size() + 1));
    for (float& x : v) x *= 0.1f;
    tensors.push_back({name, std::move(shape), std::move(v)});
  }
  HandTensor& tensor(const std::string& name) {
    for (HandTensor& t : tensors)
      if (t.name == name) return t;
    std::abort();
  }
  void drop(const std::string& name) {
    for (size_t i = 0; i < tensors.size(); ++i)
      if (tensors[i].name == name) tensors.erase(tensors.begin() + long(i));
  }
  std::vector<uint8_t> bytes() const {
    GgufWriter w;
    const std::string p = arch + ".";
    w.add_string("general.architecture", arch);
    w.add_uint32(p + "embedding_length", uint32_t(c.dim));
    w.add_uint32(p + "feed_forward_length", uint32_t(c.hidden_dim));
    w.add_uint32(p + "block_count", uint32_t(c.n_layers));
    w.add_uint32(p + "attention.head_count", uint32_t(c.n_heads));
    if (write_kv_heads) w.add_uint32(p + "attention.head_count_kv", uint32_t(c.n_kv_heads));
    w.add_uint32(p + "context_length", uint32_t(c.seq_len));
    if (write_epsilon) w.add_float32(p + "attention.layer_norm_rms_epsilon", 1e-6f);
    if (theta > 0) w.add_float32(p + "rope.freq_base", theta);
    for (const auto& key : extra_keys) key(w);
    for (const HandTensor& t : tensors) {
      std::vector<uint8_t> data;
      if (t.type == GgufType::kF32) {
        for (float x : t.values) append_le(data, x);
      } else if (t.type == GgufType::kF16) {
        for (float x : t.values) append_le(data, float_to_half_bits(x));
      } else {
        data.resize(t.values.size() / 32 * 34);
        quantize_q8_0(t.values.data(), t.values.size(), data.data());
      }
      w.add_tensor(t.name, t.shape, uint32_t(t.type), std::move(data));
    }
    return w.bytes();
  }
};

inline Result<GgufModel> parsed(const std::vector<uint8_t>& bytes, const LoadLimits& limits = {}) {
  return parse_gguf_model(bytes.data(), bytes.size(), "m.gguf", limits);
}

}  // namespace circulant::testing
