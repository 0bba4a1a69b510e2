// Models in GGUF files: the llama and qwen2 architectures read into Config and Weights (every
// tensor dequantized to float32 at load, into a buffer the weights own) with the file's tokenizer;
// and a model written as GGUF version 3 (circulant convert). docs/gguf.md says what is refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/checkpoint.h"
#include "model/gguf_tensor_types.h"
#include "model/tokenizer.h"
#include "model/weights.h"
#include "util/result.h"

namespace circulant {

struct ChatTemplateText {
  std::string source;  // Jinja
  std::string bos_text, eos_text;
};

struct GgufModel {
  std::shared_ptr<const Weights> weights;
  std::string architecture;  // "llama" or "qwen2"
  // The file's tokenizer, or why it cannot be used (a model loads without one: `info` needs none).
  Result<Tokenizer> tokenizer = Error{"no tokenizer was read"};
  // tokenizer.chat_template ("" when the file has none) and the text its bos_token and eos_token
  // stand for: the vocabulary's pieces of the BOS and EOS ids, as the file spells them.
  ChatTemplateText chat;
};

// Called after each tensor is dequantized with how many are done of how many: a page shows it.
using LoadProgress = std::function<void(int done, int total)>;

// The two ways in, as checkpoint.h's. Metadata, directory, shapes and the memory the float32
// weights and a run need are checked before anything is allocated for the weights; then the
// weights are checked for NaN and infinity (the message names the tensor). From a path the file
// is mapped natively (read into memory in WebAssembly) and released once dequantized.
Result<GgufModel> load_gguf_model(const std::string& path, const LoadLimits& limits = {},
                                  const LoadProgress& progress = {});
Result<GgufModel> parse_gguf_model(const uint8_t* bytes, size_t size, const std::string& name,
                                   const LoadLimits& limits = {},
                                   const LoadProgress& progress = {});

// What a file's metadata and directory define, checked as a load checks them, before any tensor
// is read (a file parsed from its head only will do): the model's header, its architecture and
// the float32 values its dequantized weights take (each tensor padded to a cache line).
struct GgufLayout {
  Config config;
  std::string architecture;
  uint64_t floats = 0;
};
class GgufFile;
Result<GgufLayout> read_gguf_layout(const GgufFile& file);

// A model as GGUF version 3: architecture llama (RoPE on adjacent pairs, no biases) or qwen2
// (RoPE on halves, q/k/v biases), its hyperparameters, `tokenizer`'s vocabulary when given, and
// its matrices as `type` (F32, F16 or Q8_0; norms and biases stay F32). A Q8_0 matrix whose rows
// are not whole blocks of 32 is written as F16 and named in `f16_fallbacks`.
struct SerializedGguf {
  std::vector<uint8_t> bytes;
  std::vector<std::string> f16_fallbacks;
};
// A non-empty `chat_template` is written as tokenizer.chat_template (with the tokenizer only).
Result<SerializedGguf> serialize_gguf(const Weights& weights, const Tokenizer* tokenizer,
                                      GgufType type, const std::string& model_name,
                                      const std::string& chat_template = "");

// `config`'s hyperparameters under `arch`'s keys ("llama.embedding_length", …), as a load reads
// them.
class GgufWriter;
void add_gguf_hyperparameters(GgufWriter& writer, const Config& config, const std::string& arch);

// The tensors a GGUF file of a model of this header holds, in the order they are written: their
// names ("blk.3.ffn_up.weight"), what each is in Weights, and its shape in ggml's order (row
// length first: a (rows, cols) matrix is [cols, rows]). Biases only where config.qkv_bias, the
// classifier only where it is not shared.
struct GgufTensorEntry {
  std::string name;
  const TensorSpec* spec;
  int layer;  // -1 for a whole-model tensor
  std::vector<uint64_t> shape;
};
std::vector<GgufTensorEntry> gguf_tensors_of(const Config& config);

}  // namespace circulant
