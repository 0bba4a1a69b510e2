// GGUF tokenizers both ways. "llama": SentencePiece's spelling (GGUF) against llama2.c's
// (tokenizer.bin), the same vocabulary with U+2581 written as a space and BOS and EOS written as
// llama2.c's export writes them. "gpt2": byte-level BPE, its tokens and merges kept in GPT-2's
// spelling, with llama.cpp's defaults where a key is absent.
#include "model/gguf_tokenizer.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace circulant {
namespace {

constexpr char kSentencePieceSpace[] = "\xE2\x96\x81";  // U+2581, SentencePiece's word boundary
constexpr char kGgufBos[] = "<s>", kGgufEos[] = "</s>";
constexpr char kLlama2cBos[] = "\n<s>\n", kLlama2cEos[] = "\n</s>\n";

constexpr int32_t kLastTokenType = kTokenByte;

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

bool is_byte_piece(const std::string& p) {
  return p.size() == 6 && p.compare(0, 3, "<0x") == 0 && p[5] == '>';
}

// An optional special id must be the one this engine assumes.
Status check_special_id(const GgufFile& f, const std::string& key, int expected, const char* what) {
  if (!f.find(key)) return ok_status();
  auto id = f.whole(key, 0, INT32_MAX);
  RETURN_IF_ERROR(id);
  if (id.value() != expected)
    return f.fail(key + " is " + std::to_string(id.value()) + ", but this engine's " + what +
                  " is token " + std::to_string(expected) + " (llama2.c's); such a vocabulary " +
                  "is not supported yet");
  return ok_status();
}

// An optional switch must have the value this engine's encoder implies.
Status check_switch(const GgufFile& f, const std::string& key, bool expected, const char* why) {
  if (!f.find(key)) return ok_status();
  auto value = f.flag(key);
  RETURN_IF_ERROR(value);
  if (value.value() != expected)
    return f.fail(key + " is " + (value.value() ? "true" : "false") + ", but " + why +
                  "; such a tokenizer is not supported yet");
  return ok_status();
}

// tokenizer.ggml.token_type when present (empty when absent), each a type GGUF defines.
Result<std::vector<int8_t>> token_types(const GgufFile& f, int vocab_size) {
  std::vector<int8_t> out;
  if (!f.find("tokenizer.ggml.token_type")) return out;
  auto types = f.int32s("tokenizer.ggml.token_type", uint64_t(vocab_size));
  RETURN_IF_ERROR(types);
  for (size_t i = 0; i < types->size(); ++i) {
    if (types.value()[i] < kTokenUndefined || types.value()[i] > kLastTokenType)
      return f.fail("token " + std::to_string(i) + " has type " + std::to_string(types.value()[i]) +
                    ", which GGUF does not define; the " + "tokenizer is corrupt");
    out.push_back(int8_t(types.value()[i]));
  }
  return out;
}

// An optional token id, `fallback` when absent.
Result<int> optional_id(const GgufFile& f, const std::string& key, int fallback) {
  if (!f.find(key)) return fallback;
  auto id = f.whole(key, 0, INT32_MAX);
  RETURN_IF_ERROR(id);
  return int(id.value());
}

// tokenizer.ggml.model "gpt2", with llama.cpp's rules where a key is absent: BOS and EOS 11 (when
// the vocabulary has that many tokens), BOS added only for llama-bpe, the "default"
// pre-tokenizer; llama-bpe takes a word that is a token as a whole before merging.
Result<Tokenizer> byte_level_tokenizer(const GgufFile& f, int vocab_size) {
  std::string pre_name;
  if (f.find("tokenizer.ggml.pre")) {
    auto name = f.text("tokenizer.ggml.pre");
    RETURN_IF_ERROR(name);
    pre_name = name.value();
  }
  auto pre = pre_tokenizer_named(pre_name);
  if (!pre.ok()) return f.fail(pre.error());
  auto tokens = f.strings("tokenizer.ggml.tokens", uint64_t(vocab_size));
  RETURN_IF_ERROR(tokens);
  const GgufValue* merges_key = f.find("tokenizer.ggml.merges");
  if (!merges_key)
    return f.fail(
        "its gpt2 tokenizer has no merges (tokenizer.ggml.merges); convert the model "
        "again with its tokenizer");
  auto merges = f.strings("tokenizer.ggml.merges", merges_key->count);
  RETURN_IF_ERROR(merges);
  auto types = token_types(f, vocab_size);
  RETURN_IF_ERROR(types);
  const int fallback = vocab_size > 11 ? 11 : -1;
  SpecialIds ids;
  auto bos = optional_id(f, "tokenizer.ggml.bos_token_id", fallback);
  RETURN_IF_ERROR(bos);
  auto eos = optional_id(f, "tokenizer.ggml.eos_token_id", fallback);
  RETURN_IF_ERROR(eos);
  auto pad = optional_id(f, "tokenizer.ggml.padding_token_id", -1);
  RETURN_IF_ERROR(pad);
  ids.bos = bos.value(), ids.eos = eos.value(), ids.pad = pad.value();
  ids.add_bos = pre.value() == PreTokenizer::kLlama3;
  if (f.find("tokenizer.ggml.add_bos_token")) {
    auto add = f.flag("tokenizer.ggml.add_bos_token");
    RETURN_IF_ERROR(add);
    ids.add_bos = add.value();
  }
  const std::string name = f.name() + " (its tokenizer)";
  auto bpe = ByteLevelBpe::create(std::move(tokens.value()), std::move(merges.value()), pre.value(),
                                  pre.value() == PreTokenizer::kLlama3, name);
  RETURN_IF_ERROR(bpe);
  return Tokenizer::from_byte_level(std::move(bpe.value()), std::move(types.value()), ids, name);
}

void add_byte_level_tokenizer(GgufWriter& w, const Tokenizer& t) {
  const ByteLevelBpe& bpe = *t.byte_level_bpe();
  std::vector<int32_t> types(size_t(t.vocab_size()));
  for (int i = 0; i < t.vocab_size(); ++i) types[i] = t.token_type(i);
  w.add_string("tokenizer.ggml.model", "gpt2");
  w.add_string("tokenizer.ggml.pre", pre_tokenizer_name(bpe.pre_tokenizer()));
  w.add_strings("tokenizer.ggml.tokens", bpe.texts());
  w.add_int32s("tokenizer.ggml.token_type", types);
  w.add_strings("tokenizer.ggml.merges", bpe.merges());
  if (t.bos_id() >= 0) w.add_uint32("tokenizer.ggml.bos_token_id", uint32_t(t.bos_id()));
  if (t.eos_id() >= 0) w.add_uint32("tokenizer.ggml.eos_token_id", uint32_t(t.eos_id()));
  if (t.pad_id() >= 0) w.add_uint32("tokenizer.ggml.padding_token_id", uint32_t(t.pad_id()));
  w.add_bool("tokenizer.ggml.add_bos_token", t.add_bos());
}

}  // namespace

Result<Tokenizer> gguf_tokenizer(const GgufFile& f, int vocab_size) {
  if (!f.find("tokenizer.ggml.model"))
    return f.fail(
        "the file holds no tokenizer (no tokenizer.ggml.model); convert the model again "
        "with its tokenizer");
  auto model = f.text("tokenizer.ggml.model");
  RETURN_IF_ERROR(model);
  if (model.value() == "gpt2") return byte_level_tokenizer(f, vocab_size);
  if (model.value() != "llama")
    return f.fail("its tokenizer is '" + model.value() +
                  "', which this engine does not run: only 'llama' (SentencePiece) and 'gpt2' "
                  "(byte-level BPE) tokenizers load");
  for (const Status& s :
       {check_special_id(f, "tokenizer.ggml.bos_token_id", kBos, "BOS"),
        check_special_id(f, "tokenizer.ggml.eos_token_id", kEos, "EOS"),
        check_switch(f, "tokenizer.ggml.add_bos_token", true,
                     "this engine starts every text with BOS"),
        check_switch(f, "tokenizer.ggml.add_space_prefix", true,
                     "this engine's encoder puts a space before the text, as SentencePiece does")})
    RETURN_IF_ERROR(s);
  auto tokens = f.strings("tokenizer.ggml.tokens", uint64_t(vocab_size));
  RETURN_IF_ERROR(tokens);
  std::vector<float> scores(size_t(vocab_size), 0.0f);  // "equal probability" when absent
  if (f.find("tokenizer.ggml.scores")) {
    auto read = f.floats("tokenizer.ggml.scores", uint64_t(vocab_size));
    RETURN_IF_ERROR(read);
    scores = std::move(read.value());
  }
  auto types = token_types(f, vocab_size);
  RETURN_IF_ERROR(types);
  const std::vector<std::string> spellings = tokens.value();
  std::vector<std::string>& pieces = tokens.value();
  for (std::string& p : pieces) p = replaced(std::move(p), kSentencePieceSpace, " ");
  pieces[kBos] = kLlama2cBos;
  pieces[kEos] = kLlama2cEos;
  const std::string name = f.name() + " (its tokenizer)";
  auto tokenizer = Tokenizer::from_pieces(std::move(pieces), std::move(scores), name);
  RETURN_IF_ERROR(tokenizer);
  if (!types->empty()) {
    Status typed = tokenizer->set_token_types(std::move(types.value()), spellings);
    if (!typed.ok()) return Error{name + ": " + typed.error()};
  }
  return tokenizer;
}

void add_gguf_tokenizer(GgufWriter& w, const Tokenizer& t) {
  if (t.byte_level()) return add_byte_level_tokenizer(w, t);
  const int n = t.vocab_size();
  std::vector<std::string> tokens(static_cast<size_t>(n));
  std::vector<float> scores(static_cast<size_t>(n));
  std::vector<int32_t> types(size_t(n), kTokenNormal);
  for (int i = 0; i < n; ++i) {
    tokens[i] = replaced(t.piece(i), " ", kSentencePieceSpace);
    scores[i] = t.score(i);
    if (is_byte_piece(t.piece(i))) types[i] = kTokenByte;
  }
  tokens[0] = t.piece(0), types[0] = kTokenUnknown;  // SentencePiece's <unk> is id 0, as llama2.c's
  tokens[kBos] = kGgufBos, types[kBos] = kTokenControl;
  tokens[kEos] = kGgufEos, types[kEos] = kTokenControl;
  w.add_string("tokenizer.ggml.model", "llama");
  w.add_strings("tokenizer.ggml.tokens", tokens);
  w.add_float32s("tokenizer.ggml.scores", scores);
  w.add_int32s("tokenizer.ggml.token_type", types);
  w.add_uint32("tokenizer.ggml.bos_token_id", kBos);
  w.add_uint32("tokenizer.ggml.eos_token_id", kEos);
  w.add_uint32("tokenizer.ggml.unknown_token_id", 0);
  w.add_bool("tokenizer.ggml.add_bos_token", true);
  w.add_bool("tokenizer.ggml.add_eos_token", false);
}

}  // namespace circulant
