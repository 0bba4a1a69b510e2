// Prompt files: one prompt per line, blank lines ignored.
#include "eval/prompt_set.h"

#include <fstream>

namespace circulant {

Result<std::vector<std::string>> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error{path + ": cannot open the file; check the path"};
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") != std::string::npos) lines.push_back(line);
  }
  if (lines.empty()) return Error{path + ": the file has no text; put one prompt per line"};
  return lines;
}

Result<std::vector<std::vector<int>>> encode_lines(const std::vector<std::string>& lines,
                                                   const Tokenizer& tokenizer, const Config& config,
                                                   LongLines long_lines) {
  // A line of more bytes than the context can hold in tokens is cut (or refused) before encoding.
  const size_t fits = size_t(config.seq_len) * size_t(tokenizer.max_token_length());
  std::vector<std::vector<int>> sequences;
  for (size_t i = 0; i < lines.size(); ++i) {
    const bool cut = long_lines == LongLines::kTruncate && lines[i].size() > fits;
    std::vector<int> tokens =
        tokenizer.encode(cut ? std::string_view(lines[i]).substr(0, fits) : lines[i]);
    if (int(tokens.size()) > config.seq_len && long_lines != LongLines::kKeep) {
      if (long_lines == LongLines::kError)
        return Error{"line " + std::to_string(i + 1) + " is " + std::to_string(tokens.size()) +
                     " tokens, longer than the model's context of " +
                     std::to_string(config.seq_len)};
      tokens.resize(config.seq_len);
    }
    sequences.push_back(std::move(tokens));
  }
  return sequences;
}

std::vector<std::vector<int>> stream_windows(const std::vector<std::vector<int>>& sequences,
                                             int window) {
  std::vector<std::vector<int>> windows(1);
  for (const auto& sequence : sequences)
    for (int token : sequence) {
      if (int(windows.back().size()) == window) windows.emplace_back();
      windows.back().push_back(token);
    }
  if (windows.back().empty()) windows.pop_back();
  return windows;
}

int64_t count_tokens(const std::vector<std::vector<int>>& sequences) {
  int64_t n = 0;
  for (const auto& s : sequences) n += int64_t(s.size());
  return n;
}

}  // namespace circulant
