// The tokenizer: llama2.c's BPE (tokenizer.bin, or GGUF's "llama" SentencePiece vocabulary:
// score-ordered merges with byte fallback) or GGUF's "gpt2" byte-level BPE (rank-ordered merges
// over GPT-2's byte spelling, words cut by a pre-tokenizer); encode, decode, special tokens.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "model/byte_level_bpe.h"
#include "util/result.h"

namespace circulant {

// llama2.c's BOS and EOS, which its tokenizer.bin files and SentencePiece vocabularies keep at
// these ids; code that runs any tokenizer asks it: bos_id(), eos_id().
constexpr int kBos = 1;
constexpr int kEos = 2;

// GGUF's token types (llama.cpp's numbering).
enum TokenType : int8_t {
  kTokenUndefined = 0,
  kTokenNormal = 1,
  kTokenUnknown = 2,
  kTokenControl = 3,
  kTokenUserDefined = 4,
  kTokenUnused = 5,
  kTokenByte = 6,
};

// A byte-level vocabulary's special ids (-1: none) and whether encode puts BOS first.
struct SpecialIds {
  int bos = -1, eos = -1, pad = -1;
  bool add_bos = false;
};

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
  // A byte-level BPE vocabulary with its token types (one per token, or none: all normal) and
  // special ids; ids outside the vocabulary are an error naming `name`.
  static Result<Tokenizer> from_byte_level(ByteLevelBpe bpe, std::vector<int8_t> types,
                                           SpecialIds ids, const std::string& name);
  // A SentencePiece vocabulary's GGUF token types and spellings (control and user-defined tokens
  // are spelled as the file spells them, for encode_with_specials and display).
  Status set_token_types(std::vector<int8_t> types, const std::vector<std::string>& texts);

  // SentencePiece: BOS, then the text with a leading-space dummy prefix, UTF-8 code points looked
  // up, unknown bytes as <0xXX> tokens, then greedy merges of the best-scoring adjacent pair,
  // leftmost on ties; O(n log n). Byte-level: BOS if asked, then the text with its user-defined
  // tokens taken out first (as llama.cpp does), the rest cut into words and merged by rank.
  // Every id is < vocab_size; `bos` or `eos` without such a token adds nothing.
  std::vector<int> encode(std::string_view text, bool bos = true, bool eos = false) const;
  // As encode, but the text of every control, user-defined and unknown token found in `text`
  // becomes that token (longest spellings first), as llama.cpp's tokenize(text, add_special,
  // parse_special = true) does; each stretch between them is encoded as a text of its own.
  std::vector<int> encode_with_specials(std::string_view text, bool bos) const;

  bool byte_level() const { return byte_level_ != nullptr; }
  int bos_id() const { return bos_id_; }  // -1: the vocabulary has none
  int eos_id() const { return eos_id_; }
  int pad_id() const { return pad_id_; }
  // Whether a text starts with BOS (llama2.c and SentencePiece: always).
  bool add_bos() const { return add_bos_; }
  TokenType token_type(int token) const { return TokenType(types_[token]); }
  // Control, user-defined and unknown tokens: spelled by their text, never merged into.
  bool is_special(int token) const;
  // A special token's text as the file spells it ("<s>", "<|endoftext|>").
  std::string special_text(int token) const;
  // Where generation stops: BOS (llama2.c's rule) and EOS (llama.cpp's) for SentencePiece; EOS
  // and the end-of-text tokens llama.cpp recognises by their text for byte-level vocabularies.
  bool ends_generation(int token) const;
  const ByteLevelBpe* byte_level_bpe() const { return byte_level_.get(); }
  // The longest piece in bytes: a text longer than tokens × this cannot fit in that many tokens.
  int max_token_length() const { return max_token_length_; }
  // The text of `token` after `previous` (SentencePiece: strips the space after BOS, turns <0xXX>
  // into a byte; byte-level: the bytes GPT-2's spelling stands for, a special token's text).
  std::string decode(int previous, int token) const;
  // Concatenated decode of a sequence (the first token treated as following BOS).
  std::string decode_all(const std::vector<int>& tokens) const;
  const std::string& piece(int token) const { return pieces_[token]; }
  float score(int token) const { return scores_[token]; }
  int vocab_size() const { return int(pieces_.size()); }

 private:
  int lookup(std::string_view piece) const;
  // Cuts `text` at the specials (all of them, or only user-defined ones) and encodes the stretches
  // between them with `encode_text`.
  void split_specials(
      std::string_view text, bool user_defined_only, std::vector<int>& out,
      const std::function<void(std::string_view, std::vector<int>&)>& encode_text) const;
  std::vector<int> encode_byte_level(std::string_view text, bool bos, bool eos) const;
  // Sorts the specials' spellings for split_specials, once special_texts_ is filled.
  void index_specials();
  // The checks and the lookup table both ways in share, once pieces_ and scores_ are filled; the
  // error says what is wrong.
  Status index();
  std::vector<std::string> pieces_;  // (vocab_size)
  std::vector<float> scores_;        // (vocab_size) merge priority
  std::unordered_map<std::string, int> ids_;
  int byte_token_offset_ = 3;  // id of <0x00> (3 in llama2.c vocabularies), checked at load
  int max_token_length_ = 0;
  std::vector<int8_t> types_;                                    // (vocab_size) TokenType
  std::unordered_map<int, std::string> special_texts_;           // control/user-defined/unknown
  std::vector<std::pair<std::string, int>> specials_by_length_;  // longest text first
  std::shared_ptr<const ByteLevelBpe> byte_level_;               // null: SentencePiece
  int bos_id_ = kBos, eos_id_ = kEos, pad_id_ = -1;
  bool add_bos_ = true;
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
