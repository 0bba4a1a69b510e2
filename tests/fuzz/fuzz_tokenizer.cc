// libFuzzer: tokenizer.bin files and texts. The first two bytes choose the vocabulary size, the
// file follows; a tokenizer that parses encodes the input's tail, and every id must lie inside
// the vocabulary and decode without reading out of bounds.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "model/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const int vocab = 3 + (data[0] | (data[1] << 8)) % 1024;
  auto tokenizer = circulant::Tokenizer::parse(data + 2, size - 2, "fuzz.bin", vocab);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (!tokenizer.ok()) return 0;
  for (std::string_view piece : {text, text.substr(size / 2)}) {
    const auto ids = tokenizer->encode(piece, true, true);
    int previous = circulant::kBos;
    for (int id : ids) {
      if (id < 0 || id >= vocab) std::abort();
      (void)tokenizer->decode(previous, id);
      previous = id;
    }
  }
  return 0;
}
