// The pre-tokenizers of byte-level BPE vocabularies: the text is cut into words (merges never
// cross a word's edge) by the scheme GGUF's tokenizer.ggml.pre names, as llama.cpp cuts it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace circulant {

// Each scheme is one of the regular-expression sets llama.cpp applies, in order, each splitting
// the pieces the previous one left:
//   kGpt2:    's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
//   kLlama3:  (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
//             ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//   kQwen2:   the same with \p{N} (one digit a word)
//   kSmollm:  \p{N}, then kGpt2's
//   kDefault: [\p{P}$+<=>^~|]+, then kGpt2's, then \p{N}+, then [0-9][0-9][0-9]
// (llama.cpp's for a file without tokenizer.ggml.pre, or with "default").
enum class PreTokenizer { kDefault, kGpt2, kLlama3, kQwen2, kSmollm };

// tokenizer.ggml.pre → scheme: "gpt-2", "llama-bpe", "qwen2", "smollm", "default", and "" (the key
// absent) for kDefault; any other name is an error that lists these.
Result<PreTokenizer> pre_tokenizer_named(const std::string& name);
// The name a GGUF file spells it with.
const char* pre_tokenizer_name(PreTokenizer scheme);

// UTF-8 text → code points; a byte that starts no valid sequence becomes U+FFFD, as llama.cpp
// reads it (so the words below hold U+FFFD's bytes in its place).
std::vector<uint32_t> code_points(std::string_view text);
void append_utf8(uint32_t cp, std::string& out);

// The words of `text` in order; their concatenation is the text (with U+FFFD for bad bytes).
std::vector<std::string> pre_tokenize(std::string_view text, PreTokenizer scheme);

}  // namespace circulant
