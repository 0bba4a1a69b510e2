// A model written as GGUF version 3: the metadata a llama or qwen2 reader looks for, the
// tokenizer, and every tensor under its GGUF name, its matrices in the chosen type.
#include <cmath>
#include <cstring>
#include <utility>

#include "kernels/half_float.h"
#include "model/gguf_model.h"
#include "model/gguf_tokenizer.h"
#include "model/gguf_writer.h"

namespace circulant {
namespace {

constexpr uint32_t kQuantizationVersion = 2;  // ggml's, for files holding quantized tensors

// general.file_type: the type of most tensors, in llama.cpp's numbering.
uint32_t file_type(GgufType t) { return t == GgufType::kF16 ? 1 : t == GgufType::kQ8_0 ? 7 : 0; }

const float* tensor_data(const Weights& w, const GgufTensorEntry& e) {
  return e.layer >= 0 ? w.layers[size_t(e.layer)].*(e.spec->pointer.layer)
                      : w.*(e.spec->pointer.model);
}

// `n` values as `type` stores them; a value the type cannot hold is refused, naming the tensor.
Result<std::vector<uint8_t>> encoded(const float* x, uint64_t n, GgufType type,
                                     const std::string& name) {
  std::vector<uint8_t> out;
  if (type == GgufType::kF32) {
    out.resize(size_t(n) * 4);
    std::memcpy(out.data(), x, out.size());
  } else if (type == GgufType::kF16) {
    out.resize(size_t(n) * 2);
    for (uint64_t i = 0; i < n; ++i) {
      const uint16_t bits = float_to_half_bits(x[i]);
      if (!std::isfinite(half_bits_to_float(bits)))
        return Error{"weight " + std::to_string(i) + " of " + name + " is " + std::to_string(x[i]) +
                     ", beyond float16's largest value (65504); write " + "this model as f32"};
      std::memcpy(out.data() + 2 * i, &bits, 2);
    }
  } else {
    out.resize(size_t(n / 32) * 34);
    if (!quantize_q8_0(x, n, out.data()))
      return Error{"a block of " + name + " holds a weight beyond what Q8_0's float16 scale can " +
                   "hold (127 × 65504); write this model as f32"};
  }
  return out;
}

}  // namespace

void add_gguf_hyperparameters(GgufWriter& out, const Config& c, const std::string& arch) {
  const std::string p = arch + ".";
  out.add_uint32(p + "context_length", uint32_t(c.seq_len));
  out.add_uint32(p + "embedding_length", uint32_t(c.dim));
  out.add_uint32(p + "block_count", uint32_t(c.n_layers));
  out.add_uint32(p + "feed_forward_length", uint32_t(c.hidden_dim));
  out.add_uint32(p + "rope.dimension_count", uint32_t(c.head_size()));
  out.add_uint32(p + "attention.head_count", uint32_t(c.n_heads));
  out.add_uint32(p + "attention.head_count_kv", uint32_t(c.n_kv_heads));
  out.add_float32(p + "attention.layer_norm_rms_epsilon", c.norm_epsilon);
  out.add_float32(p + "rope.freq_base", c.rope_theta);
  out.add_uint32(p + "vocab_size", uint32_t(c.vocab_size));
}

Result<SerializedGguf> serialize_gguf(const Weights& w, const Tokenizer* tokenizer, GgufType type,
                                      const std::string& model_name,
                                      const std::string& chat_template) {
  const Config& c = w.config;
  if (type != GgufType::kF32 && type != GgufType::kF16 && type != GgufType::kQ8_0)
    return Error{std::string("GGUF files are written as F32, F16 or Q8_0, not ") +
                 gguf_type_name(uint32_t(type))};
  const bool llama = c.rope_style == RopeStyle::kAdjacentPairs && !c.qkv_bias;
  const bool qwen2 = c.rope_style == RopeStyle::kHalves && c.qkv_bias;
  if (!llama && !qwen2)
    return Error{
        "the model is neither llama (RoPE on adjacent pairs, no biases) nor qwen2 (RoPE "
        "on halves, q/k/v biases), the architectures GGUF files are written as"};
  if (tokenizer && tokenizer->vocab_size() != c.vocab_size)
    return Error{"the tokenizer has " + std::to_string(tokenizer->vocab_size()) +
                 " tokens but the model " + std::to_string(c.vocab_size) +
                 "; give the model's own tokenizer"};
  const std::string arch = llama ? "llama" : "qwen2";
  GgufWriter out;
  out.add_string("general.architecture", arch);
  out.add_string("general.name", model_name);
  out.add_uint32("general.file_type", file_type(type));
  if (type == GgufType::kQ8_0) out.add_uint32("general.quantization_version", kQuantizationVersion);
  add_gguf_hyperparameters(out, c, arch);
  if (tokenizer) add_gguf_tokenizer(out, *tokenizer);
  if (tokenizer && !chat_template.empty()) out.add_string("tokenizer.chat_template", chat_template);
  SerializedGguf result;
  for (const GgufTensorEntry& e : gguf_tensors_of(c)) {
    // Norms and biases stay float32, as llama.cpp keeps them: they are small and every value
    // scales a whole row.
    GgufType t = e.shape.size() == 1 ? GgufType::kF32 : type;
    if (t == GgufType::kQ8_0 && e.shape[0] % 32 != 0) {
      t = GgufType::kF16;
      result.f16_fallbacks.push_back(e.name);
    }
    auto data = encoded(tensor_data(w, e), e.spec->floats(c), t, e.name);
    RETURN_IF_ERROR(data);
    out.add_tensor(e.name, e.shape, uint32_t(t), std::move(data.value()));
  }
  result.bytes = out.bytes();
  return result;
}

}  // namespace circulant
