// Byte-level BPE: the merge loop runs over a linked list of symbols with a queue of adjacent
// pairs ordered by rank (leftmost first on ties); a queued pair is stale once either side changed.
#include "model/byte_level_bpe.h"

#include <array>
#include <queue>
#include <utility>

namespace circulant {
namespace {

// byte → code point of GPT-2's spelling.
const std::array<uint32_t, 256>& byte_code_points() {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      t[b] = printable ? uint32_t(b) : next++;
    }
    return t;
  }();
  return table;
}

constexpr char kPairSeparator = '\xFF';  // never inside UTF-8 text

}  // namespace

std::string bytes_to_gpt2(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) append_utf8(byte_code_points()[uint8_t(c)], out);
  return out;
}

std::string gpt2_to_bytes(std::string_view text) {
  static const std::unordered_map<uint32_t, char> bytes = [] {
    std::unordered_map<uint32_t, char> m;
    for (int b = 0; b < 256; ++b) m[byte_code_points()[b]] = char(b);
    return m;
  }();
  std::string out;
  for (uint32_t cp : code_points(text)) {
    auto it = bytes.find(cp);
    if (it != bytes.end())
      out += it->second;
    else
      append_utf8(cp, out);
  }
  return out;
}

Result<ByteLevelBpe> ByteLevelBpe::create(std::vector<std::string> texts,
                                          std::vector<std::string> merges, PreTokenizer pre,
                                          bool ignore_merges, const std::string& name) {
  ByteLevelBpe bpe;
  bpe.pre_ = pre;
  bpe.ignore_merges_ = ignore_merges;
  for (size_t i = 0; i < texts.size(); ++i) {
    if (texts[i].empty()) texts[i] = "[EMPTY_" + std::to_string(i) + "]";  // as llama.cpp names it
    if (!bpe.ids_.emplace(texts[i], int(i)).second)
      return Error{name + ": token " + std::to_string(i) + " ('" + texts[i] + "') repeats token " +
                   std::to_string(bpe.ids_[texts[i]]) + "; the vocabulary is corrupt"};
  }
  for (size_t i = 0; i < merges.size(); ++i) {
    const size_t space = merges[i].find(' ', 1);
    if (space == std::string::npos)
      return Error{name + ": merge " + std::to_string(i) + " ('" + merges[i] +
                   "') is not two pieces with a space between; the merge list is corrupt"};
    bpe.ranks_.emplace(merges[i].substr(0, space) + kPairSeparator + merges[i].substr(space + 1),
                       int(i));
  }
  bpe.texts_ = std::move(texts);
  bpe.merges_ = std::move(merges);
  return bpe;
}

int ByteLevelBpe::find(const std::string& text) const {
  auto it = ids_.find(text);
  return it == ids_.end() ? -1 : it->second;
}

int ByteLevelBpe::rank(std::string_view left, std::string_view right) const {
  std::string key;
  key.reserve(left.size() + right.size() + 1);
  key.append(left).append(1, kPairSeparator).append(right);
  auto it = ranks_.find(key);
  return it == ranks_.end() ? -1 : it->second;
}

void ByteLevelBpe::encode(std::string_view text, std::vector<int>& out) const {
  for (const std::string& word : pre_tokenize(text, pre_)) encode_word(bytes_to_gpt2(word), out);
}

void ByteLevelBpe::encode_word(const std::string& word, std::vector<int>& out) const {
  if (ignore_merges_) {
    const int whole = find(word);
    if (whole >= 0) {
      out.push_back(whole);
      return;
    }
  }
  struct Symbol {
    size_t start, size;  // bytes of `word`; size 0 once merged into its left neighbour
    int prev, next;
  };
  std::vector<Symbol> symbols;  // one per code point of the GPT-2 spelling, to start
  for (size_t i = 0; i < word.size();) {
    const uint8_t lead = uint8_t(word[i]);
    size_t n = lead < 0xC0 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    n = std::min(n, word.size() - i);
    const int index = int(symbols.size());
    symbols.push_back({i, n, index - 1, i + n < word.size() ? index + 1 : -1});
    i += n;
  }
  struct Pair {
    int rank, left, right;
    size_t size;                           // both sides' bytes when queued
    bool operator<(const Pair& o) const {  // the queue's top: lowest rank, then leftmost
      return rank > o.rank || (rank == o.rank && left > o.left);
    }
  };
  std::priority_queue<Pair> queue;
  auto offer = [&](int left, int right) {
    if (left < 0 || right < 0) return;
    const Symbol &l = symbols[left], &r = symbols[right];
    const int found = rank(std::string_view(word).substr(l.start, l.size),
                           std::string_view(word).substr(r.start, r.size));
    if (found >= 0) queue.push({found, left, right, l.size + r.size});
  };
  for (int i = 1; i < int(symbols.size()); ++i) offer(i - 1, i);
  while (!queue.empty()) {
    const Pair p = queue.top();
    queue.pop();
    Symbol &l = symbols[p.left], &r = symbols[p.right];
    if (l.size == 0 || r.size == 0 || l.size + r.size != p.size) continue;  // stale
    l.size += r.size;
    r.size = 0;
    l.next = r.next;
    if (r.next >= 0) symbols[r.next].prev = p.left;
    offer(l.prev, p.left);
    offer(p.left, l.next);
  }
  for (int i = symbols.empty() ? -1 : 0; i >= 0; i = symbols[i].next) {
    const std::string piece = word.substr(symbols[i].start, symbols[i].size);
    const int id = find(piece);
    if (id >= 0) {
      out.push_back(id);
      continue;
    }
    for (char byte : piece) {
      const int single = find(std::string(1, byte));
      if (single >= 0) out.push_back(single);
    }
  }
}

}  // namespace circulant
