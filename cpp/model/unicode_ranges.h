// Unicode character classes for the byte-level BPE pre-tokenizers, from a generated range table
// (cpp/model/unicode_ranges.cc, made by scripts/gen-unicode-ranges.mjs), so no ICU is needed.
#pragma once

#include <cstdint>

namespace circulant {

struct CodepointRange {
  uint32_t first, last;
};

extern const char kUnicodeVersion[];  // of the table, e.g. "15.1"

bool is_letter(uint32_t cp);       // \p{L}
bool is_number(uint32_t cp);       // \p{N}
bool is_punctuation(uint32_t cp);  // \p{P}
bool is_whitespace(uint32_t cp);   // White_Space (what llama.cpp's \s matches)

}  // namespace circulant
