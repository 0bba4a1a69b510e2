// Tokenizer: the same segmentation as llama2.c's encode(), with the merges driven by a priority
// queue over a linked list of symbols, so a long text costs O(n log n) instead of O(n²).
#include "model/tokenizer.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <queue>
#include <utility>

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
  t.max_token_length_ = max_token_length;
  Status indexed = t.index();
  if (!indexed.ok()) return fail(indexed.error());
  return t;
}

Result<Tokenizer> Tokenizer::from_pieces(std::vector<std::string> pieces, std::vector<float> scores,
                                         const std::string& name) {
  if (pieces.size() != scores.size())
    return Error{name + ": " + std::to_string(pieces.size()) + " pieces but " +
                 std::to_string(scores.size()) + " scores; the vocabulary is corrupt"};
  Tokenizer t;
  t.pieces_ = std::move(pieces);
  t.scores_ = std::move(scores);
  for (const std::string& p : t.pieces_)
    t.max_token_length_ = std::max(t.max_token_length_, int(p.size()));
  Status indexed = t.index();
  if (!indexed.ok()) return Error{name + ": " + indexed.error()};
  return t;
}

Status Tokenizer::index() {
  const int vocab_size = int(pieces_.size());
  if (vocab_size <= kEos)
    return Error{"a vocabulary of " + std::to_string(vocab_size) +
                 " tokens has no room for BOS (1) and EOS (2)"};
  // First occurrence wins for duplicate pieces, like a lookup table built in id order.
  for (int i = vocab_size - 1; i >= 0; --i) ids_[pieces_[i]] = i;
  // llama2.c's encoder spells a character outside the vocabulary with byte tokens <0x00>…<0xFF>,
  // all 256 in a row: without them it would emit ids past the vocabulary, so such a vocabulary
  // is refused.
  const int byte0 = lookup("<0x00>");
  bool bytes_ok = byte0 >= 0 && byte0 + 255 < vocab_size;
  for (int b = 0; bytes_ok && b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    bytes_ok = pieces_[byte0 + b] == name;
  }
  if (!bytes_ok)
    return Error{
        "the vocabulary lacks the 256 byte tokens <0x00>…<0xFF> (llama2.c keeps them at ids 3–258) "
        "that spell characters outside it; export the tokenizer with byte fallback"};
  byte_token_offset_ = byte0;
  return ok_status();
}

int Tokenizer::lookup(std::string_view piece) const {
  auto it = ids_.find(std::string(piece));
  return it == ids_.end() ? -1 : it->second;
}

std::vector<int> Tokenizer::encode_with_specials(std::string_view text, bool bos) const {
  constexpr std::string_view kBosText = "<s>", kEosText = "</s>";
  std::vector<int> tokens;
  if (bos) tokens.push_back(kBos);
  while (!text.empty()) {
    const size_t at_bos = text.find(kBosText), at_eos = text.find(kEosText);
    const size_t at = std::min(at_bos, at_eos);
    const std::vector<int> part = encode(text.substr(0, std::min(at, text.size())), false, false);
    tokens.insert(tokens.end(), part.begin(), part.end());
    if (at == std::string_view::npos) break;
    tokens.push_back(at == at_bos ? kBos : kEos);
    text.remove_prefix(at + (at == at_bos ? kBosText : kEosText).size());
  }
  return tokens;
}

std::vector<int> Tokenizer::encode(std::string_view text, bool bos, bool eos) const {
  std::vector<int> symbols;  // (n) token ids before merging
  if (!text.empty()) {
    const int space = lookup(" ");
    if (space >= 0) symbols.push_back(space);
  }
  // One token per UTF-8 code point (at most 4 bytes), byte tokens when it is not in the vocabulary.
  for (size_t i = 0; i < text.size();) {
    size_t n = 1;
    while (i + n < text.size() && n < 4 && (uint8_t(text[i + n]) & 0xC0) == 0x80) ++n;
    const int id = lookup(text.substr(i, n));
    if (id >= 0)
      symbols.push_back(id);
    else
      for (size_t k = 0; k < n; ++k) symbols.push_back(uint8_t(text[i + k]) + byte_token_offset_);
    i += n;
  }
  // Merge the best-scoring adjacent pair, leftmost on ties, until no pair is in the vocabulary.
  // Symbols form a linked list in text order, so a lower index is further left; a queued pair is
  // stale once either side has been merged away or changed.
  const int n = int(symbols.size());
  std::vector<int> next(n), prev(n);
  for (int i = 0; i < n; ++i) next[i] = i + 1 < n ? i + 1 : -1, prev[i] = i - 1;
  struct Pair {
    float score;
    int left, right, left_id, right_id, merged;
    bool operator<(const Pair& o) const {
      return score < o.score || (score == o.score && left > o.left);
    }
  };
  std::priority_queue<Pair> queue;
  auto offer = [&](int left) {
    if (left < 0 || next[left] < 0) return;
    const int right = next[left];
    const int merged = lookup(pieces_[symbols[left]] + pieces_[symbols[right]]);
    if (merged >= 0)
      queue.push({scores_[merged], left, right, symbols[left], symbols[right], merged});
  };
  for (int i = 0; i + 1 < n; ++i) offer(i);
  while (!queue.empty()) {
    const Pair p = queue.top();
    queue.pop();
    if (next[p.left] != p.right || symbols[p.left] != p.left_id || symbols[p.right] != p.right_id)
      continue;
    symbols[p.left] = p.merged;
    symbols[p.right] = -1;
    next[p.left] = next[p.right];
    if (next[p.right] >= 0) prev[next[p.right]] = p.left;
    offer(prev[p.left]);
    offer(p.left);
  }
  std::vector<int> tokens;
  if (bos) tokens.push_back(kBos);
  for (int i = n ? 0 : -1; i >= 0; i = next[i]) tokens.push_back(symbols[i]);
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
    for (int k = 1; valid && k < n && i + k < pending.size(); ++k)
      valid = (uint8_t(pending[i + k]) & 0xC0) == 0x80;
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
