// GGUF → Config and Weights: the architecture's hyperparameters, the tensor directory checked
// against them (missing, extra and misshapen tensors named), the memory checked, then every tensor
// dequantized into one float32 buffer the weights own.
#include "model/gguf_model.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <iterator>
#include <set>
#include <utility>

#include "kernels/aligned_floats.h"
#include "model/gguf_file.h"
#include "model/gguf_tokenizer.h"
#include "util/files.h"

namespace circulant {
namespace {

// ----------------------------------------------------------------------------
// The tensors: GGUF's names for the table in model/weights.h.

struct GgufName {
  const char* name;  // per-layer ones follow "blk.N."
  const TensorSpec* spec;
};
// clang-format off
constexpr GgufName kWholeModel[] = {
    {"token_embd.weight", &tensor::kTokenEmbedding}, {"output_norm.weight", &tensor::kRmsFinal},
    {"output.weight", &tensor::kClassifier}};
constexpr GgufName kPerLayer[] = {
    {"attn_norm.weight", &tensor::kRmsAttention},
    {"attn_q.weight", &tensor::kWq}, {"attn_k.weight", &tensor::kWk},
    {"attn_v.weight", &tensor::kWv}, {"attn_output.weight", &tensor::kWo},
    {"attn_q.bias", &tensor::kBq}, {"attn_k.bias", &tensor::kBk}, {"attn_v.bias", &tensor::kBv},
    {"ffn_norm.weight", &tensor::kRmsFfn}, {"ffn_gate.weight", &tensor::kW1},
    {"ffn_down.weight", &tensor::kW2}, {"ffn_up.weight", &tensor::kW3}};
// clang-format on

// ggml's order: the row length first.
std::vector<uint64_t> shape_of(const TensorSpec& t, const Config& c) {
  if (t.rows == Extent::kOne) return {extent(c, t.cols)};
  return {extent(c, t.cols), extent(c, t.rows)};
}

std::string shape_text(std::vector<uint64_t> shape) {
  while (shape.size() > 1 && shape.back() == 1) shape.pop_back();  // [n, 1] is [n]
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

// ----------------------------------------------------------------------------
// The architectures and their hyperparameters

struct Architecture {
  const char* name;
  RopeStyle rope_style;
  bool qkv_bias;
};
constexpr Architecture kArchitectures[] = {{"llama", RopeStyle::kAdjacentPairs, false},
                                           {"qwen2", RopeStyle::kHalves, true}};

std::string number_text(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

// A positive, finite float key; `fallback` when absent (a negative fallback: required).
Result<float> positive(const GgufFile& f, const std::string& key, double fallback, double below) {
  if (!f.find(key) && fallback >= 0) return float(fallback);
  auto v = f.number(key);
  RETURN_IF_ERROR(v);
  if (!(v.value() > 0 && v.value() < below))
    return f.fail("metadata " + key + " is " + number_text(v.value()) + ", expected a number " +
                  "above 0 and below " + number_text(below));
  return float(v.value());
}

// Optional keys that would change the model if ignored: refused unless they agree with it.
Status check_agreeing_keys(const GgufFile& f, const std::string& p, const Config& c) {
  const std::pair<std::string, int64_t> equal[] = {{"rope.dimension_count", c.head_size()},
                                                   {"attention.key_length", c.head_size()},
                                                   {"attention.value_length", c.head_size()},
                                                   {"vocab_size", c.vocab_size}};
  for (const auto& [key, expected] : equal)
    if (f.find(p + key)) {
      auto v = f.whole(p + key, expected, expected);
      if (!v.ok()) return Error{v.error() + " (this engine rotates and attends over whole heads)"};
    }
  if (f.find(p + "expert_count")) {
    auto experts = f.whole(p + "expert_count", 0, 0);
    if (!experts.ok()) return Error{experts.error() + ": mixtures of experts are not supported"};
  }
  if (f.find(p + "rope.scaling.type")) {
    auto type = f.text(p + "rope.scaling.type");
    RETURN_IF_ERROR(type);
    const Result<double> factor = f.find(p + "rope.scaling.factor")
                                      ? f.number(p + "rope.scaling.factor")
                                      : Result<double>(1.0);
    const bool unscaled = type.value() == "none" ||
                          (type.value() == "linear" && factor.ok() && factor.value() == 1.0);
    if (!unscaled)
      return f.fail("metadata " + p + "rope.scaling.type is '" + type.value() +
                    "'; scaled RoPE is not supported yet");
  }
  return ok_status();
}

Result<Config> read_config(const GgufFile& f, const Architecture& arch) {
  const std::string p = std::string(arch.name) + ".";
  Config c;
  c.rope_style = arch.rope_style;
  c.qkv_bias = arch.qkv_bias;
  const std::pair<const char*, int*> wholes[] = {{"embedding_length", &c.dim},
                                                 {"feed_forward_length", &c.hidden_dim},
                                                 {"block_count", &c.n_layers},
                                                 {"attention.head_count", &c.n_heads},
                                                 {"context_length", &c.seq_len}};
  for (const auto& [key, field] : wholes) {
    auto v = f.whole(p + key, 1, INT32_MAX);
    RETURN_IF_ERROR(v);
    *field = int(v.value());
  }
  c.n_kv_heads = c.n_heads;  // no grouped-query attention unless the key says so
  if (f.find(p + "attention.head_count_kv")) {
    auto v = f.whole(p + "attention.head_count_kv", 1, c.n_heads);
    RETURN_IF_ERROR(v);
    c.n_kv_heads = int(v.value());
  }
  auto theta = positive(f, p + "rope.freq_base", 10000.0, 1e30);
  RETURN_IF_ERROR(theta);
  auto epsilon = positive(f, p + "attention.layer_norm_rms_epsilon", -1, 1);
  RETURN_IF_ERROR(epsilon);
  c.rope_theta = theta.value();
  c.norm_epsilon = epsilon.value();
  const GgufTensorInfo* embedding = f.tensor("token_embd.weight");
  if (!embedding)
    return f.fail("tensor token_embd.weight is missing; the file is not a complete " +
                  std::string(arch.name) + " model");
  if (embedding->shape.size() != 2 || embedding->shape[1] > uint64_t(INT32_MAX))
    return f.fail("tensor token_embd.weight has shape " + shape_text(embedding->shape) +
                  ", expected [embedding_length, vocabulary size]");
  c.vocab_size = int(embedding->shape[1]);
  c.shared_classifier = f.tensor("output.weight") == nullptr;
  Status valid = validate_config(c);
  if (!valid.ok())
    return f.fail("its hyperparameters cannot be run: " + valid.error() + " (" + arch.name +
                  ".* keys and the embedding's shape)");
  Status agreeing = check_agreeing_keys(f, p, c);
  RETURN_IF_ERROR(agreeing);
  return c;
}

// Every expected tensor present with its shape, and nothing else: a tensor the engine would
// ignore changes the model (llama 3's rope_freqs, say).
Status check_tensors(const GgufFile& f, const std::vector<GgufTensorEntry>& expected,
                     const Architecture& arch, const Config& c) {
  std::set<std::string> names;
  for (const GgufTensorEntry& e : expected) {
    names.insert(e.name);
    const GgufTensorInfo* t = f.tensor(e.name);
    if (!t)
      return f.fail("tensor " + e.name + " is missing; the file is not a complete " + arch.name +
                    " model");
    if (shape_text(t->shape) != shape_text(e.shape))
      return f.fail("tensor " + e.name + " has shape " + shape_text(t->shape) + " where the " +
                    "metadata implies " + shape_text(e.shape) + " (ggml's order, row length " +
                    "first); the file is inconsistent");
  }
  for (const GgufTensorInfo& t : f.tensors())
    if (!names.count(t.name))
      return f.fail("tensor " + t.name + " is not part of a " + arch.name + " model of " +
                    std::to_string(c.n_layers) + " layers as this engine runs it" +
                    (t.name.find(".bias") != std::string::npos ? " (biases are qwen2's)" : "") +
                    "; such a model is not supported");
  return ok_status();
}

// Each tensor starts on a cache line of the buffer, as a version-1 checkpoint's weights do.
uint64_t padded(uint64_t floats) {
  const uint64_t line = kCacheLineBytes / sizeof(float);
  return (floats + line - 1) / line * line;
}

const char* stored_as(uint32_t type) {
  switch (GgufType(type)) {
    case GgufType::kF32:
      return "GGUF F32";
    case GgufType::kF16:
      return "GGUF F16";
    case GgufType::kBF16:
      return "GGUF BF16";
    case GgufType::kQ8_0:
      return "GGUF Q8_0";
    case GgufType::kQ4_0:
      return "GGUF Q4_0";
    case GgufType::kQ4_K:
      return "GGUF Q4_K";
    case GgufType::kQ5_K:
      return "GGUF Q5_K";
    case GgufType::kQ6_K:
      return "GGUF Q6_K";
  }
  return "GGUF";
}

Result<std::shared_ptr<const Weights>> dequantized_weights(
    const GgufFile& f, const Config& c, const std::vector<GgufTensorEntry>& expected,
    const LoadProgress& progress) {
  uint64_t floats = 0;
  for (const GgufTensorEntry& e : expected) floats += padded(f.tensor(e.name)->values());
  auto w = std::make_shared<Weights>();
  w->config = c;
  auto buffer = std::make_shared<AlignedFloats>(size_t(floats));
  w->data = buffer->data();
  w->floats = size_t(floats);
  w->layers.assign(size_t(c.n_layers), Weights::Layer{});
  uint64_t at = 0, most = 0;
  for (const GgufTensorEntry& e : expected) {
    const GgufTensorInfo& t = *f.tensor(e.name);
    dequantize(t.type, f.bytes() + t.offset, t.values(), buffer->data() + at);
    point_tensor(*w, *e.spec, e.layer, buffer->data() + at);
    if (t.values() > most) most = t.values(), w->stored_as = stored_as(t.type);
    at += padded(t.values());
    if (progress) progress(int(&e - expected.data()) + 1, int(expected.size()));
  }
  w->owner = std::move(buffer);
  tie_shared_classifier(*w);
  Status finite = check_finite(*w, f.name());
  RETURN_IF_ERROR(finite);
  return std::shared_ptr<const Weights>(std::move(w));
}

// The chat template and the pieces its bos_token and eos_token stand for. A model runs without
// one, so a template whose tokens cannot be read is left out rather than refusing the model.
ChatTemplateText chat_template_of(const GgufFile& f) {
  ChatTemplateText chat;
  const GgufValue* tokens = f.find("tokenizer.ggml.tokens");
  if (!f.find("tokenizer.chat_template") || !tokens) return chat;
  auto source = f.text("tokenizer.chat_template");
  auto pieces = f.strings("tokenizer.ggml.tokens", tokens->count);
  if (!source.ok() || !pieces.ok()) return chat;
  auto piece = [&](const char* key, int64_t fallback) -> std::string {
    auto id = f.find(key) ? f.whole(key, 0, INT32_MAX) : Result<int64_t>(fallback);
    return id.ok() && uint64_t(id.value()) < pieces->size() ? pieces.value()[size_t(id.value())]
                                                            : "";
  };
  chat.source = std::move(source.value());
  chat.bos_text = piece("tokenizer.ggml.bos_token_id", kBos);
  chat.eos_text = piece("tokenizer.ggml.eos_token_id", kEos);
  return chat;
}

}  // namespace

std::vector<GgufTensorEntry> gguf_tensors_of(const Config& c) {
  std::vector<GgufTensorEntry> out;
  for (const GgufName& n : kWholeModel)
    if (n.spec->stored(c)) out.push_back({n.name, n.spec, -1, shape_of(*n.spec, c)});
  for (int l = 0; l < c.n_layers; ++l)
    for (const GgufName& n : kPerLayer)
      if (n.spec->stored(c))
        out.push_back({"blk." + std::to_string(l) + "." + n.name, n.spec, l, shape_of(*n.spec, c)});
  return out;
}

Result<GgufLayout> read_gguf_layout(const GgufFile& f) {
  auto architecture = f.text("general.architecture");
  RETURN_IF_ERROR(architecture);
  const Architecture* arch = nullptr;
  for (const Architecture& a : kArchitectures)
    if (architecture.value() == a.name) arch = &a;
  if (!arch)
    return f.fail("architecture '" + architecture.value() + "' is not supported; this engine " +
                  "runs llama and qwen2 models");
  auto config = read_config(f, *arch);
  RETURN_IF_ERROR(config);
  const Config& c = config.value();
  const std::vector<GgufTensorEntry> expected = gguf_tensors_of(c);
  Status tensors = check_tensors(f, expected, *arch, c);
  RETURN_IF_ERROR(tensors);
  GgufLayout layout{c, arch->name, 0};
  for (const GgufTensorEntry& e : expected) layout.floats += padded(f.tensor(e.name)->values());
  return layout;
}

Result<GgufModel> parse_gguf_model(const uint8_t* bytes, size_t size, const std::string& name,
                                   const LoadLimits& limits, const LoadProgress& progress) {
  auto file = GgufFile::parse(bytes, size, name, limits);
  RETURN_IF_ERROR(file);
  const GgufFile& f = file.value();
  auto layout = read_gguf_layout(f);
  RETURN_IF_ERROR(layout);
  const Config& c = layout->config;
  Status memory = check_memory(c, layout->floats, limits);
  if (!memory.ok()) return f.fail(memory.error());
  auto weights = dequantized_weights(f, c, gguf_tensors_of(c), progress);
  RETURN_IF_ERROR(weights);
  GgufModel model;
  model.weights = weights.value();
  model.architecture = layout->architecture;
  model.tokenizer = gguf_tokenizer(f, c.vocab_size);
  model.chat = chat_template_of(f);
  return model;
}

Result<GgufModel> load_gguf_model(const std::string& path, const LoadLimits& limits,
                                  const LoadProgress& progress) {
  auto size = regular_file_size(path, "a model file");
  RETURN_IF_ERROR(size);
  if (size.value() > limits.max_file_bytes)
    return Error{path + ": file is " + std::to_string(size.value()) +
                 " bytes, more than the limit of " + std::to_string(limits.max_file_bytes) +
                 " bytes"};
  if (size.value() == 0) return parse_gguf_model(nullptr, 0, path, limits);  // "not a GGUF file"
#ifdef __EMSCRIPTEN__
  auto bytes = read_file_bytes(path, limits.max_file_bytes, "a model file");
  RETURN_IF_ERROR(bytes);
  return parse_gguf_model(bytes->data(), bytes->size(), path, limits, progress);
#else
  // Mapped read-only: only the pages of the tensors are read, once, into the float32 buffer.
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return Error{path + ": cannot open the model file; check the path"};
  void* mapped = ::mmap(nullptr, size_t(size.value()), PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (mapped == MAP_FAILED) return Error{path + ": cannot map the file into memory"};
  auto model = parse_gguf_model(static_cast<const uint8_t*>(mapped), size_t(size.value()), path,
                                limits, progress);
  ::munmap(mapped, size_t(size.value()));
  return model;
#endif
}

}  // namespace circulant
