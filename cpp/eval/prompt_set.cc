// Prompt files: one prompt per line, blank lines ignored.
#include "eval/prompt_set.h"

#include <algorithm>
#include <string_view>

#include "model/checkpoint.h"
#include "model/generate.h"
#include "util/files.h"

namespace circulant {

Result<std::vector<std::string>> read_lines(const std::string& path) {
  // A regular file of known size only: /dev/zero or a pipe would be read until memory runs out.
  auto size = regular_file_size(path, "a text file");
  RETURN_IF_ERROR(size);
  if (size.value() > kMaxTextBytes)
    return Error{path + ": is " + std::to_string(size.value()) + " bytes, more than the limit of " +
                 std::to_string(kMaxTextBytes) + " bytes (" + std::to_string(kMaxTextBytes >> 20) +
                 " MiB) for a text file; use a shorter file"};
  auto bytes = read_file_bytes(path, kMaxTextBytes, "a text file");
  RETURN_IF_ERROR(bytes);
  std::vector<std::string> lines;
  const std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
  for (size_t start = 0; start < text.size();) {
    const size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line = text.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") != std::string_view::npos) lines.emplace_back(line);
    start = end + 1;
  }
  if (lines.empty()) return Error{path + ": the file has no text; put one prompt per line"};
  return lines;
}

Result<std::vector<std::vector<int>>> encode_lines(const std::vector<std::string>& lines,
                                                   const Tokenizer& tokenizer, const Config& config,
                                                   LongLines long_lines, bool parse_specials) {
  // A line of more bytes than the context can hold in tokens is cut (or refused) before encoding.
  const size_t fits = size_t(config.seq_len) * size_t(tokenizer.max_token_length());
  std::vector<std::vector<int>> sequences;
  for (size_t i = 0; i < lines.size(); ++i) {
    const bool cut = long_lines == LongLines::kTruncate && lines[i].size() > fits;
    std::vector<int> tokens = encode_text(
        tokenizer, cut ? std::string_view(lines[i]).substr(0, fits) : lines[i], parse_specials);
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
