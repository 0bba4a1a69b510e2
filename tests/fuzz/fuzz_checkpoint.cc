// libFuzzer: llama2.c checkpoints (both formats). Parsing never crashes or over-allocates; a model
// that parses runs a forward step without touching memory it does not own (finite but huge
// weights may still overflow to NaN logits: the sampler refuses those with a message).
#include <cstdint>

#include "model/checkpoint.h"
#include "model/transformer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr uint64_t kLimit = uint64_t(64) << 20;
  auto weights = circulant::parse_checkpoint(circulant::ModelBytes::copy_of(data, size), "fuzz.bin",
                                             {kLimit, kLimit});
  if (!weights.ok()) return 0;
  const circulant::Transformer model(weights.value());
  circulant::RunState state(model.config());
  const int tokens[2] = {
      0, model.config().vocab_size - 1};  // ids a tokenizer of this vocabulary can give
  circulant::forward(model, state, tokens, model.config().seq_len >= 2 ? 2 : 1);
  return 0;
}
