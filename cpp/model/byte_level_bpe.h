// GPT-2's byte-level BPE (GGUF's "gpt2" tokenizer model): every byte is spelled as a printable
// code point, words come from a pre-tokenizer, and adjacent symbols merge by the rank of their
// pair in the merge list until no listed pair is left.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "model/pretokenizer.h"
#include "util/result.h"

namespace circulant {

// GPT-2's spelling: bytes 0x21–0x7E, 0xA1–0xAC and 0xAE–0xFF stand for themselves (as code
// points), the other 68 bytes for U+0100 onwards in byte order (a space is U+0120, 'Ġ').
std::string bytes_to_gpt2(std::string_view bytes);
// The inverse; a code point outside the 256 is kept as its UTF-8 (no byte spells it).
std::string gpt2_to_bytes(std::string_view text);

class ByteLevelBpe {
 public:
  // `texts`: the vocabulary in GPT-2's spelling, one per id; `merges`: "left right" pairs, best
  // first (a merge's rank is its index). `ignore_merges`: a word that is a token as a whole is
  // that token (llama 3's rule). Errors (a duplicate token, a merge without a space) name `name`.
  static Result<ByteLevelBpe> create(std::vector<std::string> texts,
                                     std::vector<std::string> merges, PreTokenizer pre,
                                     bool ignore_merges, const std::string& name);

  // Appends the ids of `text`, cut into words by the pre-tokenizer. A final symbol that is no
  // token is spelled by the tokens of its single bytes, and dropped where there are none, as
  // llama.cpp does.
  void encode(std::string_view text, std::vector<int>& out) const;
  // The id of a text in GPT-2's spelling, or -1.
  int find(const std::string& text) const;

  const std::vector<std::string>& texts() const { return texts_; }
  const std::vector<std::string>& merges() const { return merges_; }
  PreTokenizer pre_tokenizer() const { return pre_; }
  bool ignore_merges() const { return ignore_merges_; }

 private:
  void encode_word(const std::string& word, std::vector<int>& out) const;
  int rank(std::string_view left, std::string_view right) const;

  std::vector<std::string> texts_;   // (vocab_size) GPT-2's spelling
  std::vector<std::string> merges_;  // (n_merges) as the file lists them
  std::unordered_map<std::string, int> ids_;
  std::unordered_map<std::string, int> ranks_;  // left + '\xFF' + right → rank
  PreTokenizer pre_ = PreTokenizer::kGpt2;
  bool ignore_merges_ = false;
};

}  // namespace circulant
