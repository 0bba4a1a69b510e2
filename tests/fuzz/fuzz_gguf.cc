// libFuzzer: GGUF files. Parsing never crashes or over-allocates; every tensor of a container that
// parses dequantizes inside its bytes; a model that parses runs a forward step, and the tokenizer
// it holds (SentencePiece or byte-level) encodes the input, with and without special tokens, with
// ids inside the vocabulary.
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "model/gguf_file.h"
#include "model/gguf_model.h"
#include "model/transformer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr uint64_t kLimit = uint64_t(64) << 20;
  const circulant::LoadLimits limits{kLimit, kLimit};
  auto file = circulant::GgufFile::parse(data, size, "fuzz.gguf", limits);
  if (!file.ok()) return 0;
  for (const circulant::GgufTensorInfo& t : file->tensors()) {
    std::vector<float> values(t.values());  // under 2 values a byte in every type we read
    circulant::dequantize(t.type, data + t.offset, t.values(), values.data());
  }
  auto model = circulant::parse_gguf_model(data, size, "fuzz.gguf", limits);
  if (!model.ok()) return 0;
  const circulant::Transformer transformer(model->weights);
  circulant::RunState state(transformer.config());
  const int vocab = transformer.config().vocab_size;
  const int tokens[2] = {0, vocab - 1};
  circulant::forward(transformer, state, tokens, transformer.config().seq_len >= 2 ? 2 : 1);
  if (!model->tokenizer.ok()) return 0;
  const circulant::Tokenizer& tokenizer = model->tokenizer.value();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const std::vector<int>& ids :
       {tokenizer.encode(text.substr(size / 2), true, true),
        tokenizer.encode_with_specials(text.substr(size / 2), true)}) {
    int previous = tokenizer.bos_id();
    for (int id : ids) {
      if (id < 0 || id >= vocab) std::abort();
      (void)tokenizer.decode(previous, id);
      previous = id;
    }
  }
  return 0;
}
