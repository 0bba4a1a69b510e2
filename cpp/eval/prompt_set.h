// Prompt sets and text files: lines of text turned into token sequences for the model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/tokenizer.h"
#include "util/result.h"

namespace circulant {

// Text files larger than this are refused before reading (the shipped calibration set is 172 KB).
constexpr uint64_t kMaxTextBytes = uint64_t(64) << 20;

// Non-empty lines of a text file; an error for a missing file, a directory, a device or pipe, a
// file over kMaxTextBytes, or one without any text.
Result<std::vector<std::string>> read_lines(const std::string& path);

// What to do with a line longer than the context: an error naming it (evaluation prompts must be
// seen whole), cut it to the context (calibration), or keep it whole (perplexity reads the lines
// as one stream in windows of the context, as training did).
enum class LongLines { kError, kTruncate, kKeep };

// BOS + tokens per line; `parse_specials` for lines wrapped in a chat template (model/generate.h
// encode_text).
Result<std::vector<std::vector<int>>> encode_lines(const std::vector<std::string>& lines,
                                                   const Tokenizer& tokenizer, const Config& config,
                                                   LongLines long_lines = LongLines::kError,
                                                   bool parse_specials = false);

// The sequences joined into one stream (each keeps its BOS, as in training) and cut into
// consecutive windows of `window` tokens; the last window may be shorter.
std::vector<std::vector<int>> stream_windows(const std::vector<std::vector<int>>& sequences,
                                             int window);

int64_t count_tokens(const std::vector<std::vector<int>>& sequences);

}  // namespace circulant
