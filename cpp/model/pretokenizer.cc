// Pre-tokenizers: each regular expression of a scheme is a matcher that, at a position inside a
// piece of the text, gives where its match ends. Splitting a piece keeps the matches and the text
// between them (which no alternative matched) as pieces of their own, as a regex iterator would.
// The expressions are hand-written matchers, not a regex engine: their alternatives are tried in
// order, and greedy runs are resolved where backtracking could change them (\s+(?!\S) leaves the
// last space of a run for the next word; \s*[\r\n]+ ends at the run's last line break).
#include "model/pretokenizer.h"

#include <functional>

#include "model/unicode_ranges.h"

namespace circulant {
namespace {

constexpr uint32_t kReplacement = 0xFFFD;
constexpr uint32_t kOutside = 0xFFFFFFFF;  // what a position outside the piece reads as

// One piece [begin, end) of the code points; classes read false outside it, so no rule runs past
// a piece's edge.
struct Piece {
  const std::vector<uint32_t>& cps;
  size_t begin, end;

  bool inside(size_t i) const { return i >= begin && i < end; }
  uint32_t at(size_t i) const { return inside(i) ? cps[i] : kOutside; }
  bool letter(size_t i) const { return inside(i) && is_letter(cps[i]); }
  bool number(size_t i) const { return inside(i) && is_number(cps[i]); }
  bool space(size_t i) const { return inside(i) && is_whitespace(cps[i]); }
  // [^\s\p{L}\p{N}]
  bool other(size_t i) const { return inside(i) && !letter(i) && !number(i) && !space(i); }
  bool line_break(size_t i) const { return at(i) == '\r' || at(i) == '\n'; }
};

// Where a match starting at `pos` ends; `pos` itself when nothing matches there.
using Matcher = std::function<size_t(const Piece&, size_t pos)>;
using Lengths = std::vector<size_t>;  // consecutive pieces, in code points

Lengths split(const std::vector<uint32_t>& cps, const Lengths& pieces, const Matcher& match) {
  Lengths out;
  size_t begin = 0;
  for (size_t length : pieces) {
    const Piece piece{cps, begin, begin + length};
    size_t cut = begin;  // end of the last piece emitted
    auto emit = [&](size_t to) {
      if (to > cut) out.push_back(to - cut);
      cut = to;
    };
    for (size_t pos = begin; pos < piece.end;) {
      const size_t end = match(piece, pos);
      if (end > pos) {
        emit(pos);  // the text no alternative matched
        emit(end);
        pos = end;
      } else {
        ++pos;
      }
    }
    emit(piece.end);
    begin = piece.end;
  }
  return out;
}

uint32_t ascii_lower(uint32_t c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

// 's 't 'm 'd 're 've 'll (lower case only unless `any_case`): the end, or pos.
size_t contraction(const Piece& p, size_t pos, bool any_case) {
  if (p.at(pos) != '\'' || !p.inside(pos + 1)) return pos;
  auto fold = [any_case](uint32_t c) { return any_case ? ascii_lower(c) : c; };
  const uint32_t a = fold(p.at(pos + 1)), b = p.inside(pos + 2) ? fold(p.at(pos + 2)) : kOutside;
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return pos + 2;
  if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return pos + 3;
  return pos;
}

// \s+(?!\S)|\s+ from pos: a run of spaces followed by text leaves its last space to that text.
size_t spaces(const Piece& p, size_t pos) {
  size_t n = 0;
  while (p.space(pos + n)) ++n;
  if (n > 1 && p.inside(pos + n)) return pos + n - 1;
  return pos + n;
}

size_t gpt2_match(const Piece& p, size_t pos) {
  const size_t apostrophe = contraction(p, pos, false);
  if (apostrophe > pos) return apostrophe;
  const size_t start = pos + (p.at(pos) == ' ' ? 1 : 0);  // " ?" before a letter, digit or other
  size_t end = start;
  if (p.letter(start)) {
    while (p.letter(end)) ++end;
  } else if (p.number(start)) {
    while (p.number(end)) ++end;
  } else if (p.other(start)) {
    while (p.other(end)) ++end;
  } else {
    const size_t run = spaces(p, pos);
    return run > pos ? run : pos + 1;
  }
  return end;
}

// llama 3's expression; qwen2's is the same with digits one at a time.
size_t llama3_match(const Piece& p, size_t pos, size_t max_digits) {
  const size_t apostrophe = contraction(p, pos, true);
  if (apostrophe > pos) return apostrophe;
  // [^\r\n\p{L}\p{N}]?\p{L}+
  if (!p.line_break(pos) && !p.number(pos) && (p.letter(pos) || p.letter(pos + 1))) {
    size_t end = pos + 1;
    while (p.letter(end)) ++end;
    return end;
  }
  if (p.number(pos)) {
    size_t end = pos;
    while (p.number(end) && end - pos < max_digits) ++end;
    return end;
  }
  // " ?[^\s\p{L}\p{N}]+[\r\n]*"
  const size_t start = pos + (p.at(pos) == ' ' ? 1 : 0);
  if (p.other(start)) {
    size_t end = start;
    while (p.other(end)) ++end;
    while (p.line_break(end)) ++end;
    return end;
  }
  // \s*[\r\n]+ ends after the last line break of the run of spaces
  size_t n = 0, after_break = 0;
  for (; p.space(pos + n); ++n)
    if (p.line_break(pos + n)) after_break = pos + n + 1;
  if (after_break) return after_break;
  const size_t run = spaces(p, pos);
  return run > pos ? run : pos + 1;
}

// A run of code points of one class, or `count` of them exactly.
Matcher run_of(bool (*in_class)(uint32_t), size_t count = 0) {
  return [in_class, count](const Piece& p, size_t pos) {
    size_t end = pos;
    while (p.inside(end) && in_class(p.at(end)) && (count == 0 || end - pos < count)) ++end;
    return count == 0 || end - pos == count ? end : pos;
  };
}

bool default_punctuation(uint32_t c) {  // [\p{P}\$\+<=>\^~\|]
  return is_punctuation(c) || c == '$' || c == '+' || c == '<' || c == '=' || c == '>' ||
         c == '^' || c == '~' || c == '|';
}
bool ascii_digit(uint32_t c) { return c >= '0' && c <= '9'; }

std::vector<Matcher> matchers(PreTokenizer scheme) {
  const Matcher gpt2 = gpt2_match;
  switch (scheme) {
    case PreTokenizer::kGpt2:
      return {gpt2};
    case PreTokenizer::kLlama3:
      return {[](const Piece& p, size_t pos) { return llama3_match(p, pos, 3); }};
    case PreTokenizer::kQwen2:
      return {[](const Piece& p, size_t pos) { return llama3_match(p, pos, 1); }};
    case PreTokenizer::kSmollm:
      return {run_of(is_number, 1), gpt2};
    case PreTokenizer::kDefault:
      return {run_of(default_punctuation), gpt2, run_of(is_number), run_of(ascii_digit, 3)};
  }
  return {gpt2};
}

struct Named {
  const char* name;
  PreTokenizer scheme;
};
constexpr Named kNames[] = {{"default", PreTokenizer::kDefault},
                            {"gpt-2", PreTokenizer::kGpt2},
                            {"llama-bpe", PreTokenizer::kLlama3},
                            {"qwen2", PreTokenizer::kQwen2},
                            {"smollm", PreTokenizer::kSmollm}};

}  // namespace

Result<PreTokenizer> pre_tokenizer_named(const std::string& name) {
  if (name.empty()) return PreTokenizer::kDefault;
  for (const Named& n : kNames)
    if (name == n.name) return n.scheme;
  return Error{"its pre-tokenizer (tokenizer.ggml.pre) is '" + name +
               "', which this engine does not run: only gpt-2, llama-bpe, qwen2, smollm and "
               "default load"};
}

const char* pre_tokenizer_name(PreTokenizer scheme) {
  for (const Named& n : kNames)
    if (n.scheme == scheme) return n.name;
  return "default";
}

std::vector<uint32_t> code_points(std::string_view text) {
  std::vector<uint32_t> cps;
  cps.reserve(text.size());
  auto byte = [&text](size_t i) { return uint8_t(text[i]); };
  for (size_t i = 0; i < text.size();) {
    const uint8_t lead = byte(i);
    // The sequence length its high bits announce (llama.cpp checks no more than that).
    const size_t n = lead < 0x80   ? 1
                     : lead < 0xC0 ? 0
                     : lead < 0xE0 ? 2
                     : lead < 0xF0 ? 3
                     : lead < 0xF8 ? 4
                                   : 0;
    bool valid = n > 0 && i + n <= text.size();
    for (size_t k = 1; valid && k < n; ++k) valid = (byte(i + k) & 0xC0) == 0x80;
    uint32_t cp = 0;
    if (valid) {
      cp = n == 1 ? lead : lead & (0x7F >> n);
      for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (byte(i + k) & 0x3F);
    }
    if (!valid || cp > 0x10FFFF) {
      cps.push_back(kReplacement);
      ++i;
    } else {
      cps.push_back(cp);
      i += n;
    }
  }
  return cps;
}

void append_utf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

std::vector<std::string> pre_tokenize(std::string_view text, PreTokenizer scheme) {
  const std::vector<uint32_t> cps = code_points(text);
  if (cps.empty()) return {};
  Lengths pieces = {cps.size()};
  for (const Matcher& match : matchers(scheme)) pieces = split(cps, pieces, match);
  std::vector<std::string> words;
  words.reserve(pieces.size());
  size_t at = 0;
  for (size_t length : pieces) {
    std::string& word = words.emplace_back();
    for (size_t i = at; i < at + length; ++i) append_utf8(cps[i], word);
    at += length;
  }
  return words;
}

}  // namespace circulant
