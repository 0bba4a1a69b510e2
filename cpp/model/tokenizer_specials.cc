// The tokenizer's special tokens (control, user-defined, unknown: found in a text by their
// spelling, as llama.cpp finds them) and its byte-level BPE side.
#include <algorithm>
#include <utility>

#include "model/tokenizer.h"

namespace circulant {
namespace {

// llama.cpp treats the tokens spelled like this as control tokens that end generation, whatever
// type the file gives them.
bool is_end_of_text_spelling(const std::string& text) {
  for (const char* s : {"<|endoftext|>", "<|im_end|>", "<|eot_id|>", "<|end|>", "<end_of_turn>",
                        "<|end_of_text|>", "<|eom_id|>", "<EOT>"})
    if (text == s) return true;
  return false;
}

bool is_special_type(int8_t type) {
  return type == kTokenControl || type == kTokenUserDefined || type == kTokenUnknown;
}

}  // namespace

Result<Tokenizer> Tokenizer::from_byte_level(ByteLevelBpe bpe, std::vector<int8_t> types,
                                             SpecialIds ids, const std::string& name) {
  const std::vector<std::string>& texts = bpe.texts();
  const int n = int(texts.size());
  if (n == 0) return Error{name + ": the vocabulary is empty; the tokenizer is corrupt"};
  if (types.empty()) types.assign(size_t(n), kTokenNormal);
  if (int(types.size()) != n)
    return Error{name + ": " + std::to_string(types.size()) + " token types for " +
                 std::to_string(n) + " tokens; the tokenizer is corrupt"};
  for (const auto& [key, id] : {std::pair<const char*, int>{"bos_token_id", ids.bos},
                                {"eos_token_id", ids.eos},
                                {"padding_token_id", ids.pad}})
    if (id < -1 || id >= n)
      return Error{name + ": tokenizer.ggml." + key + " is " + std::to_string(id) +
                   ", outside the vocabulary of " + std::to_string(n) +
                   " tokens; the tokenizer is corrupt"};
  if (ids.add_bos && ids.bos < 0)
    return Error{name + ": tokenizer.ggml.add_bos_token is true but the file names no BOS token " +
                 "(tokenizer.ggml.bos_token_id); the tokenizer is corrupt"};
  Tokenizer t;
  t.types_ = std::move(types);
  t.pieces_.resize(size_t(n));
  t.scores_.assign(size_t(n), 0.0f);
  for (int i = 0; i < n; ++i) {
    if (is_end_of_text_spelling(texts[i]) && !is_special_type(t.types_[i]))
      t.types_[i] = kTokenControl;
    if (is_special_type(t.types_[i])) {
      t.pieces_[i] = texts[i];
      t.special_texts_[i] = texts[i];
    } else {
      t.pieces_[i] = gpt2_to_bytes(texts[i]);
    }
    t.max_token_length_ = std::max(t.max_token_length_, int(t.pieces_[i].size()));
  }
  t.bos_id_ = ids.bos, t.eos_id_ = ids.eos, t.pad_id_ = ids.pad, t.add_bos_ = ids.add_bos;
  t.byte_level_ = std::make_shared<const ByteLevelBpe>(std::move(bpe));
  t.index_specials();
  return t;
}

Status Tokenizer::set_token_types(std::vector<int8_t> types,
                                  const std::vector<std::string>& texts) {
  if (types.size() != pieces_.size() || texts.size() != pieces_.size())
    return Error{std::to_string(types.size()) + " token types for " +
                 std::to_string(pieces_.size()) + " tokens; the tokenizer is corrupt"};
  types_ = std::move(types);
  special_texts_.clear();
  for (size_t i = 0; i < types_.size(); ++i)
    if (is_special_type(types_[i])) special_texts_[int(i)] = texts[i];
  index_specials();
  return ok_status();
}

void Tokenizer::index_specials() {
  specials_by_length_.clear();
  for (const auto& [id, text] : special_texts_)
    if (!text.empty()) specials_by_length_.emplace_back(text, id);
  std::sort(specials_by_length_.begin(), specials_by_length_.end(),
            [](const auto& a, const auto& b) {
              return a.first.size() != b.first.size() ? a.first.size() > b.first.size()
                                                      : a.second < b.second;
            });
}

bool Tokenizer::is_special(int token) const { return special_texts_.count(token) > 0; }

std::string Tokenizer::special_text(int token) const {
  auto it = special_texts_.find(token);
  return it == special_texts_.end() ? std::string() : it->second;
}

bool Tokenizer::ends_generation(int token) const {
  // run.c stops at BOS, which delimits llama2.c's training stories; a SentencePiece chat model
  // (Llama 2, TinyLlama) ends its answer with EOS, where llama.cpp stops.
  if (!byte_level_) return token == bos_id_ || token == eos_id_;
  return token == eos_id_ || (is_special(token) && is_end_of_text_spelling(special_text(token)));
}

void Tokenizer::split_specials(
    std::string_view text, bool user_defined_only, std::vector<int>& out,
    const std::function<void(std::string_view, std::vector<int>&)>& encode_text) const {
  struct Fragment {
    int token;  // -1: text[begin, end)
    size_t begin, end;
  };
  std::vector<Fragment> fragments;
  if (!text.empty()) fragments.push_back({-1, 0, text.size()});
  // One special at a time over every text fragment left, longest spelling first: a special
  // inside a longer one's spelling is never cut out of it.
  for (const auto& [spelling, id] : specials_by_length_) {
    if (user_defined_only && types_[id] != kTokenUserDefined) continue;
    std::vector<Fragment> next;
    for (const Fragment& f : fragments) {
      if (f.token >= 0) {
        next.push_back(f);
        continue;
      }
      size_t at = f.begin;
      for (size_t found; (found = text.substr(0, f.end).find(spelling, at)) != text.npos;) {
        if (found > at) next.push_back({-1, at, found});
        next.push_back({id, found, found + spelling.size()});
        at = found + spelling.size();
      }
      if (at < f.end) next.push_back({-1, at, f.end});
    }
    fragments = std::move(next);
  }
  for (const Fragment& f : fragments) {
    if (f.token >= 0)
      out.push_back(f.token);
    else
      encode_text(text.substr(f.begin, f.end - f.begin), out);
  }
}

std::vector<int> Tokenizer::encode_byte_level(std::string_view text, bool bos, bool eos) const {
  std::vector<int> tokens;
  if (bos && bos_id_ >= 0) tokens.push_back(bos_id_);
  split_specials(
      text, /*user_defined_only=*/true, tokens,
      [this](std::string_view part, std::vector<int>& out) { byte_level_->encode(part, out); });
  if (eos && eos_id_ >= 0) tokens.push_back(eos_id_);
  return tokens;
}

std::vector<int> Tokenizer::encode_with_specials(std::string_view text, bool bos) const {
  std::vector<int> tokens;
  if (bos && bos_id_ >= 0) tokens.push_back(bos_id_);
  split_specials(text, /*user_defined_only=*/false, tokens,
                 [this](std::string_view part, std::vector<int>& out) {
                   // SentencePiece puts its space prefix before every stretch after a special
                   // token, as llama.cpp does; byte-level BPE takes the stretch as it is.
                   if (byte_level_) {
                     byte_level_->encode(part, out);
                   } else {
                     const std::vector<int> ids = encode(part, false, false);
                     out.insert(out.end(), ids.begin(), ids.end());
                   }
                 });
  return tokens;
}

}  // namespace circulant
