// Prompt sets and text files: lines of text turned into token sequences for the model.
#pragma once

#include <string>
#include <vector>

#include "model/config.h"
#include "model/result.h"
#include "model/tokenizer.h"

namespace circulant {

// Non-empty lines of a text file; an error for a missing file or one without any text.
Result<std::vector<std::string>> read_lines(const std::string& path);

// BOS + tokens per line. Lines longer than the context are an error naming the line
// (evaluation prompts must be seen whole), unless `truncate` (calibration, perplexity text).
Result<std::vector<std::vector<int>>> encode_lines(const std::vector<std::string>& lines,
                                                   const Tokenizer& tokenizer, const Config& config,
                                                   bool truncate = false);

// The sequences joined into one stream (each keeps its BOS, as in training) and cut into
// consecutive windows of `window` tokens; the last window may be shorter.
std::vector<std::vector<int>> stream_windows(const std::vector<std::vector<int>>& sequences, int window);

int64_t count_tokens(const std::vector<std::vector<int>>& sequences);

}  // namespace circulant
