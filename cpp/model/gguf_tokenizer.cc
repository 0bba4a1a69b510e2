// SentencePiece's spelling (GGUF) against llama2.c's (tokenizer.bin): the same vocabulary, with
// U+2581 written as a space and BOS and EOS written as llama2.c's export writes them.
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

// GGUF's token types (llama.cpp's numbering).
enum TokenType : int32_t { kUndefined = 0, kNormal = 1, kUnknown = 2, kControl = 3, kByte = 6 };
constexpr int32_t kLastTokenType = 6;  // 4: user defined, 5: unused

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

}  // namespace

Result<Tokenizer> gguf_tokenizer(const GgufFile& f, int vocab_size) {
  if (!f.find("tokenizer.ggml.model"))
    return f.fail(
        "the file holds no tokenizer (no tokenizer.ggml.model); convert the model again "
        "with its tokenizer");
  auto model = f.text("tokenizer.ggml.model");
  RETURN_IF_ERROR(model);
  if (model.value() != "llama")
    return f.fail("its tokenizer is '" + model.value() + "'" +
                  (model.value() == "gpt2" ? " (byte-level BPE, as qwen2's and llama 3's)" : "") +
                  ", which this engine does not run yet: only 'llama' (SentencePiece) tokenizers "
                  "load");
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
  if (f.find("tokenizer.ggml.token_type")) {
    auto types = f.int32s("tokenizer.ggml.token_type", uint64_t(vocab_size));
    RETURN_IF_ERROR(types);
    for (size_t i = 0; i < types->size(); ++i)
      if (types.value()[i] < kUndefined || types.value()[i] > kLastTokenType)
        return f.fail("token " + std::to_string(i) + " has type " +
                      std::to_string(types.value()[i]) + ", which GGUF does not define; the " +
                      "tokenizer is corrupt");
  }
  std::vector<std::string>& pieces = tokens.value();
  for (std::string& p : pieces) p = replaced(std::move(p), kSentencePieceSpace, " ");
  pieces[kBos] = kLlama2cBos;
  pieces[kEos] = kLlama2cEos;
  return Tokenizer::from_pieces(std::move(pieces), std::move(scores),
                                f.name() + " (its tokenizer)");
}

void add_gguf_tokenizer(GgufWriter& w, const Tokenizer& t) {
  const int n = t.vocab_size();
  std::vector<std::string> tokens(static_cast<size_t>(n));
  std::vector<float> scores(static_cast<size_t>(n));
  std::vector<int32_t> types(size_t(n), kNormal);
  for (int i = 0; i < n; ++i) {
    tokens[i] = replaced(t.piece(i), " ", kSentencePieceSpace);
    scores[i] = t.score(i);
    if (is_byte_piece(t.piece(i))) types[i] = kByte;
  }
  tokens[0] = t.piece(0), types[0] = kUnknown;  // SentencePiece's <unk> is id 0, as llama2.c's
  tokens[kBos] = kGgufBos, types[kBos] = kControl;
  tokens[kEos] = kGgufEos, types[kEos] = kControl;
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
