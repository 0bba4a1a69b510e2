// Tokenizer: the same segmentation as llama2.c's encode(), with the merge loop kept linear per
// merge (only the pairs next to a merge are looked up again) so long texts stay fast.
#include "model/tokenizer.h"

#include <cctype>
#include <cstring>

#include "model/checkpoint.h"

namespace circulant {

Result<Tokenizer> Tokenizer::load(const std::string& path, int vocab_size) {
  // An entry is a score, a length and at most 4096 bytes: anything larger cannot be a match.
  const uint64_t max_bytes = 4 + uint64_t(vocab_size) * (8 + 4096);
  auto bytes = read_file_bytes(path, max_bytes);
  if (!bytes.ok())
    return Error{bytes.error() + "; use the tokenizer.bin that belongs to this model (" +
                 std::to_string(vocab_size) + " tokens)"};
  return parse(bytes->data(), bytes->size(), path, vocab_size);
}

Result<Tokenizer> Tokenizer::parse(const uint8_t* bytes, size_t size, const std::string& name,
                                   int vocab_size) {
  auto fail = [&name, vocab_size](const std::string& what) {
    return Error{name + ": " + what + "; use the tokenizer.bin that belongs to this model (" +
                 std::to_string(vocab_size) + " tokens)"};
  };
  size_t at = 0;
  auto read_i32 = [&](int32_t& v) {
    if (size - at < 4) return false;
    std::memcpy(&v, bytes + at, 4);
    at += 4;
    return true;
  };
  int32_t max_token_length = 0;
  if (!read_i32(max_token_length) || max_token_length < 1 || max_token_length > 4096)
    return fail("not a llama2.c tokenizer (bad max_token_length)");
  Tokenizer t;
  t.pieces_.reserve(vocab_size);
  t.scores_.reserve(vocab_size);
  for (int i = 0; i < vocab_size; ++i) {
    int32_t score_bits = 0, length = 0;
    if (!read_i32(score_bits) || !read_i32(length))
      return fail("file ends after " + std::to_string(i) + " tokens");
    if (length < 0 || length > max_token_length || size - at < size_t(length))
      return fail("token " + std::to_string(i) + " has a bad length " + std::to_string(length));
    float score;
    std::memcpy(&score, &score_bits, 4);
    t.pieces_.emplace_back(reinterpret_cast<const char*>(bytes + at), size_t(length));
    t.scores_.push_back(score);
    at += size_t(length);
  }
  if (at != size) return fail("file holds more than " + std::to_string(vocab_size) + " tokens");
  // First occurrence wins for duplicate pieces, like a lookup table built in id order.
  for (int i = vocab_size - 1; i >= 0; --i) t.ids_[t.pieces_[i]] = i;
  const int byte0 = t.lookup("<0x00>");
  if (byte0 >= 0) t.byte_token_offset_ = byte0;
  return t;
}

int Tokenizer::lookup(std::string_view piece) const {
  auto it = ids_.find(std::string(piece));
  return it == ids_.end() ? -1 : it->second;
}

std::vector<int> Tokenizer::encode(std::string_view text, bool bos, bool eos) const {
  std::vector<int> tokens;
  if (bos) tokens.push_back(kBos);
  if (!text.empty()) {
    const int space = lookup(" ");
    if (space >= 0) tokens.push_back(space);
  }
  // One token per UTF-8 code point (at most 4 bytes), byte tokens when it is not in the vocabulary.
  for (size_t i = 0; i < text.size();) {
    size_t n = 1;
    while (i + n < text.size() && n < 4 && (uint8_t(text[i + n]) & 0xC0) == 0x80) ++n;
    const int id = lookup(text.substr(i, n));
    if (id >= 0) {
      tokens.push_back(id);
    } else {
      for (size_t k = 0; k < n; ++k) tokens.push_back(uint8_t(text[i + k]) + byte_token_offset_);
    }
    i += n;
  }
  // Merge the best-scoring adjacent pair (leftmost on ties) until no pair is in the vocabulary.
  auto pair_id = [&](size_t i) { return lookup(pieces_[tokens[i]] + pieces_[tokens[i + 1]]); };
  std::vector<int> merged;  // merged[i]: the token for pair (i, i+1), or -1
  for (size_t i = 0; i + 1 < tokens.size(); ++i) merged.push_back(pair_id(i));
  while (true) {
    int best = -1;
    float best_score = -1e10f;
    for (size_t i = 0; i < merged.size(); ++i)
      if (merged[i] >= 0 && scores_[merged[i]] > best_score) best_score = scores_[merged[i]], best = int(i);
    if (best < 0) break;
    tokens[best] = merged[best];
    tokens.erase(tokens.begin() + best + 1);
    merged.erase(merged.begin() + best);
    if (best > 0) merged[best - 1] = pair_id(best - 1);
    if (size_t(best) < merged.size()) merged[best] = pair_id(best);
  }
  if (eos) tokens.push_back(kEos);
  return tokens;
}

std::string Tokenizer::decode(int previous, int token) const {
  const std::string& piece = pieces_[token];
  if (piece.size() == 6 && piece.compare(0, 3, "<0x") == 0 && piece[5] == '>' &&
      std::isxdigit(uint8_t(piece[3])) && std::isxdigit(uint8_t(piece[4])))
    return std::string(1, char(std::stoi(piece.substr(3, 2), nullptr, 16)));
  if (previous == kBos && !piece.empty() && piece[0] == ' ') return piece.substr(1);
  return piece;
}

std::string Tokenizer::decode_all(const std::vector<int>& tokens) const {
  std::string text;
  int previous = kBos;
  for (int token : tokens) {
    if (token != kBos) text += decode(previous, token);
    previous = token;
  }
  return text;
}

std::string printable_piece(const std::string& piece) {
  if (piece.size() == 1) {
    const uint8_t byte = uint8_t(piece[0]);
    if (byte < 0x80 && !(std::isprint(byte) || std::isspace(byte))) return "";
  }
  return piece;
}

namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// Length of the UTF-8 sequence a lead byte opens; 0 for a byte that cannot open one.
int sequence_length(uint8_t lead) {
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return 2;
  if (lead >= 0xE0 && lead <= 0xEF) return 3;
  if (lead >= 0xF0 && lead <= 0xF4) return 4;
  return 0;
}

// Moves the complete characters at the front of `pending` to `out`; an incomplete tail stays.
void take_complete(std::string& pending, std::string& out) {
  size_t i = 0;
  while (i < pending.size()) {
    const int n = sequence_length(uint8_t(pending[i]));
    bool valid = n > 0;
    for (int k = 1; valid && k < n && i + k < pending.size(); ++k) valid = (uint8_t(pending[i + k]) & 0xC0) == 0x80;
    if (!valid) {
      out += kReplacement;
      ++i;
      continue;
    }
    if (i + n > pending.size()) break;  // the rest of the character is in a later piece
    out.append(pending, i, n);
    i += n;
  }
  pending.erase(0, i);
}

}  // namespace

std::vector<std::string> whole_characters(const std::vector<std::string>& pieces) {
  std::vector<std::string> out(pieces.size());
  std::string pending;
  for (size_t i = 0; i < pieces.size(); ++i) {
    pending += pieces[i];
    take_complete(pending, out[i]);
  }
  if (!pending.empty() && !out.empty()) out.back() += kReplacement;
  return out;
}

}  // namespace circulant
