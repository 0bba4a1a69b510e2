// llama2.c's BPE tokenizer: tokenizer.bin loading, encode by score-ordered merges, decode pieces.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/result.h"

namespace circulant {

constexpr int kBos = 1;
constexpr int kEos = 2;

class Tokenizer {
 public:
  // tokenizer.bin: int32 max_token_length, then per token: float32 score, int32 length, bytes.
  // The file must hold exactly vocab_size tokens (the model's), else it belongs to another model,
  // and the 256 byte tokens llama2.c's encoder falls back on.
  static Result<Tokenizer> load(const std::string& path, int vocab_size);
  static Result<Tokenizer> parse(const uint8_t* bytes, size_t size, const std::string& name,
                                 int vocab_size);
  // A vocabulary given as its pieces (as tokenizer.bin spells them: a space, not U+2581) and
  // merge scores, one each per token (a GGUF file's); checked as a file is, errors prefixed by
  // `name`.
  static Result<Tokenizer> from_pieces(std::vector<std::string> pieces, std::vector<float> scores,
                                       const std::string& name);

  // BOS, then the text with a leading-space dummy prefix, UTF-8 code points looked up, unknown
  // bytes as <0xXX> tokens, then greedy merges
  // of the best-scoring adjacent pair, leftmost on ties; O(n log n). Every id is < vocab_size.
  std::vector<int> encode(std::string_view text, bool bos = true, bool eos = false) const;
  // As llama.cpp's tokenize with parse_special: the text of a control token is that token, the
  // text between them is encoded as encode(..., false, false) (each part with its space prefix).
  // The control tokens here are BOS and EOS, spelled "<s>" and "</s>" as in llama2.c's vocabulary.
  std::vector<int> encode_with_specials(std::string_view text, bool bos) const;
  // The longest piece in bytes: a text longer than tokens × this cannot fit in that many tokens.
  int max_token_length() const { return max_token_length_; }
  // The text of `token` after `previous` (strips the space after BOS, turns <0xXX> into a byte).
  std::string decode(int previous, int token) const;
  // Concatenated decode of a sequence (the first token treated as following BOS).
  std::string decode_all(const std::vector<int>& tokens) const;
  const std::string& piece(int token) const { return pieces_[token]; }
  float score(int token) const { return scores_[token]; }
  int vocab_size() const { return int(pieces_.size()); }

 private:
  int lookup(std::string_view piece) const;
  // The checks and the lookup table both ways in share, once pieces_ and scores_ are filled; the
  // error says what is wrong.
  Status index();
  std::vector<std::string> pieces_;  // (vocab_size)
  std::vector<float> scores_;        // (vocab_size) merge priority
  std::unordered_map<std::string, int> ids_;
  int byte_token_offset_ = 3;  // id of <0x00> (3 in llama2.c vocabularies), checked at load
  int max_token_length_ = 0;
};

// Pieces as a page shows them, one per token: the bytes of a UTF-8 character spread over byte
// tokens are joined onto the token that completes it (the tokens before it get ""), so every piece
// is valid UTF-8 and the concatenation is the same text; bytes that never form a character become
// U+FFFD.
std::vector<std::string> whole_characters(const std::vector<std::string>& pieces);

// llama2.c's safe_printf rule: a single raw byte that is neither printable nor whitespace is
// dropped so terminals never receive control bytes.
std::string printable_piece(const std::string& piece);

}  // namespace circulant
