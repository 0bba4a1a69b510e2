// Byte-level BPE tokenizers (GGUF "gpt2"): merges by rank, byte round trips, special tokens in
// text, special ids, and GGUF files both ways; special tokens in SentencePiece text too.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "model/gguf_tokenizer.h"
#include "model/gguf_writer.h"
#include "model/tokenizer.h"

namespace circulant {
namespace {

// 256 byte tokens (id = byte), merges building "hello", " world" and "é", then an end-of-text
// control token and a user-defined one.
constexpr int kHello = 259, kSpaceWorld = 264, kEAcute = 265, kEnd = 266, kTool = 267, kWhole = 268,
              kVocab = 269;

std::vector<std::string> texts() {
  std::vector<std::string> t;
  for (int b = 0; b < 256; ++b) t.push_back(bytes_to_gpt2(std::string(1, char(b))));
  for (const char* s : {"he", "ll", "hell", "hello", "Ġw", "or", "Ġwor", "Ġworl", "Ġworld", "Ã©",
                        "<|endoftext|>", "<tool>", "xyz"})
    t.push_back(s);
  return t;
}

const std::vector<std::string> kMerges = {"h e", "l l",   "he ll",  "hell o",  "Ġ w",
                                          "o r", "Ġw or", "Ġwor l", "Ġworl d", "Ã ©"};

std::vector<int8_t> types() {
  std::vector<int8_t> t(kVocab, kTokenNormal);
  t[kEnd] = kTokenControl;
  t[kTool] = kTokenUserDefined;
  return t;
}

Tokenizer make(PreTokenizer pre = PreTokenizer::kGpt2, SpecialIds ids = {kEnd, kEnd, -1, false}) {
  auto bpe = ByteLevelBpe::create(texts(), kMerges, pre, pre == PreTokenizer::kLlama3, "t");
  EXPECT_TRUE(bpe.ok()) << bpe.error();
  auto t = Tokenizer::from_byte_level(std::move(bpe.value()), types(), ids, "t");
  EXPECT_TRUE(t.ok()) << t.error();
  return std::move(t.value());
}

TEST(ByteLevelBpe, SpellsBytesAsGpt2DoesBothWays) {
  EXPECT_EQ(bytes_to_gpt2(" "), "Ġ");
  EXPECT_EQ(bytes_to_gpt2("\n"), "Ċ");
  EXPECT_EQ(bytes_to_gpt2("A~"), "A~");
  EXPECT_EQ(bytes_to_gpt2("\xC3\xA9"), "Ã©");
  std::string all;
  for (int b = 0; b < 256; ++b) all += char(b);
  EXPECT_EQ(gpt2_to_bytes(bytes_to_gpt2(all)), all);
}

TEST(ByteLevelBpe, MergesByRankLeftmostFirst) {
  const Tokenizer t = make();
  EXPECT_EQ(t.encode("hello world", false), (std::vector<int>{kHello, kSpaceWorld}));
  EXPECT_EQ(t.encode("lll", false), (std::vector<int>{257, 'l'}));  // "l l" at the left first
  EXPECT_EQ(t.encode("café", false), (std::vector<int>{'c', 'a', 'f', kEAcute}));
  // A word that is a token but no merge builds: only llama 3's rule takes it whole.
  EXPECT_EQ(t.encode("xyz", false), (std::vector<int>{'x', 'y', 'z'}));
  EXPECT_EQ(make(PreTokenizer::kLlama3).encode("xyz", false), (std::vector<int>{kWhole}));
}

TEST(ByteLevelBpe, EveryTextRoundTripsThroughBytes) {
  const Tokenizer t = make();
  for (const std::string text :
       {"hello world", "naïve café, 東京 and emoji 😀!", "tabs\tand\nnewlines\r\n", "  x  ",
        "\x01\x7F control", "1234567 it's", ""}) {
    const std::vector<int> ids = t.encode(text, false);
    EXPECT_EQ(t.decode_all(ids), text) << text;
    for (int id : ids) EXPECT_TRUE(id >= 0 && id < kVocab);
  }
  // A character split over byte tokens shows whole on the token that completes it.
  std::vector<std::string> pieces;
  for (int id : t.encode("東", false)) pieces.push_back(t.decode(-1, id));
  EXPECT_EQ(pieces.size(), 3u);
  EXPECT_EQ(whole_characters(pieces), (std::vector<std::string>{"", "", "東"}));
}

TEST(ByteLevelBpe, SpecialIdsAndBos) {
  const Tokenizer t = make(PreTokenizer::kGpt2, {kEnd, kEnd, 7, true});
  EXPECT_TRUE(t.byte_level() && t.add_bos());
  EXPECT_EQ(t.bos_id(), kEnd);
  EXPECT_EQ(t.pad_id(), 7);
  EXPECT_EQ(t.encode("hello", t.add_bos()), (std::vector<int>{kEnd, kHello}));
  EXPECT_EQ(t.encode("hello", false, true), (std::vector<int>{kHello, kEnd}));
  EXPECT_TRUE(t.ends_generation(kEnd));
  EXPECT_FALSE(t.ends_generation(kHello));
  EXPECT_EQ(t.special_text(kEnd), "<|endoftext|>");
  EXPECT_EQ(t.decode(kHello, kEnd), "<|endoftext|>");
  auto bpe = ByteLevelBpe::create(texts(), kMerges, PreTokenizer::kGpt2, false, "t");
  auto far =
      Tokenizer::from_byte_level(std::move(bpe.value()), types(), {kVocab, 0, -1, false}, "t.gguf");
  ASSERT_FALSE(far.ok());
  EXPECT_EQ(far.error(),
            "t.gguf: tokenizer.ggml.bos_token_id is 269, outside the vocabulary of "
            "269 tokens; the tokenizer is corrupt");
}

TEST(ByteLevelBpe, SpecialTokensInTextBecomeTokensOnlyWhenAsked) {
  const Tokenizer t = make();
  const std::string text = "hello<|endoftext|> world";
  EXPECT_EQ(t.encode_with_specials(text, false), (std::vector<int>{kHello, kEnd, kSpaceWorld}));
  const std::vector<int> plain = t.encode(text, false);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), kEnd), 0);
  EXPECT_EQ(t.decode_all(plain), text);
  // User-defined tokens are cut out of any text, as llama.cpp does.
  EXPECT_EQ(t.encode("a<tool>b", false), (std::vector<int>{'a', kTool, 'b'}));
  EXPECT_EQ(t.encode_with_specials("<tool><|endoftext|><tool>", true),
            (std::vector<int>{kEnd, kTool, kEnd, kTool}));  // BOS (here <|endoftext|>) first
}

TEST(ByteLevelBpe, DuplicateTokensAndBadMergesAreRefused) {
  std::vector<std::string> twice = texts();
  twice[kWhole] = "hello";
  auto dup = ByteLevelBpe::create(twice, kMerges, PreTokenizer::kGpt2, false, "t.gguf");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error(),
            "t.gguf: token 268 ('hello') repeats token 259; the vocabulary is corrupt");
  auto merge = ByteLevelBpe::create(texts(), {"ab"}, PreTokenizer::kGpt2, false, "t.gguf");
  ASSERT_FALSE(merge.ok());
  EXPECT_NE(merge.error().find("merge 0 ('ab') is not two pieces"), std::string::npos);
}

Result<Tokenizer> read_back(const std::vector<uint8_t>& bytes, int vocab = kVocab) {
  auto f = GgufFile::parse(bytes.data(), bytes.size(), "t.gguf");
  if (!f.ok()) return Error{f.error()};
  return gguf_tokenizer(f.value(), vocab);
}

TEST(GgufByteLevel, WrittenAndReadBackEncodesTheSame) {
  for (PreTokenizer pre : {PreTokenizer::kGpt2, PreTokenizer::kLlama3, PreTokenizer::kQwen2,
                           PreTokenizer::kSmollm, PreTokenizer::kDefault}) {
    const Tokenizer original = make(pre, {kEnd, kEnd, -1, pre == PreTokenizer::kLlama3});
    GgufWriter w;
    add_gguf_tokenizer(w, original);
    const std::vector<uint8_t> bytes = w.bytes();
    auto f = GgufFile::parse(bytes.data(), bytes.size(), "t.gguf");
    ASSERT_TRUE(f.ok()) << f.error();
    EXPECT_EQ(f->text("tokenizer.ggml.model").value(), "gpt2");
    EXPECT_EQ(f->text("tokenizer.ggml.pre").value(), pre_tokenizer_name(pre));
    EXPECT_EQ(f->strings("tokenizer.ggml.merges", kMerges.size()).value(), kMerges);
    auto read = gguf_tokenizer(f.value(), kVocab);
    ASSERT_TRUE(read.ok()) << read.error();
    EXPECT_EQ(read->add_bos(), original.add_bos());
    EXPECT_EQ(read->eos_id(), kEnd);
    for (const char* text : {"hello world 12345", "it's I'M\n\n x", "東京 <tool>!"}) {
      EXPECT_EQ(read->encode(text, true), original.encode(text, true)) << text;
      EXPECT_EQ(read->encode_with_specials(text, false),
                original.encode_with_specials(text, false));
    }
  }
}

// The keys a file without our writer may have: llama.cpp's defaults fill in what is absent.
std::vector<uint8_t> hand_file(const std::string& pre, bool with_ids) {
  GgufWriter w;
  w.add_string("tokenizer.ggml.model", "gpt2");
  if (!pre.empty()) w.add_string("tokenizer.ggml.pre", pre);
  w.add_strings("tokenizer.ggml.tokens", texts());
  w.add_strings("tokenizer.ggml.merges", kMerges);
  if (with_ids) w.add_uint32("tokenizer.ggml.bos_token_id", kEnd);
  return w.bytes();
}

TEST(GgufByteLevel, AbsentKeysTakeLlamaCppsDefaults) {
  auto plain = read_back(hand_file("", false));
  ASSERT_TRUE(plain.ok()) << plain.error();
  EXPECT_EQ(plain->byte_level_bpe()->pre_tokenizer(), PreTokenizer::kDefault);
  EXPECT_EQ(plain->bos_id(), 11);
  EXPECT_EQ(plain->eos_id(), 11);
  EXPECT_FALSE(plain->add_bos());
  // The end-of-text spelling makes a control token whatever its type (none here).
  EXPECT_TRUE(plain->is_special(kEnd));
  auto llama3 = read_back(hand_file("llama-bpe", true));
  ASSERT_TRUE(llama3.ok()) << llama3.error();
  EXPECT_TRUE(llama3->add_bos());
  EXPECT_EQ(llama3->encode("hello", llama3->add_bos()), (std::vector<int>{kEnd, kHello}));
}

TEST(GgufByteLevel, AnUnknownPreTokenizerIsRefusedByName) {
  auto other = read_back(hand_file("tekken", true));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error(),
            "t.gguf: its pre-tokenizer (tokenizer.ggml.pre) is 'tekken', which this engine does "
            "not run: only gpt-2, llama-bpe, qwen2, smollm and default load");
}

TEST(SentencePieceSpecials, EachStretchAfterASpecialTokenGetsTheSpacePrefix) {
  std::vector<std::string> pieces = {"<unk>", "\n<s>\n", "\n</s>\n"};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    pieces.push_back(name);
  }
  for (const char* p : {" ", "a", "b", " a", " b"}) pieces.push_back(p);
  std::vector<float> scores(pieces.size(), 0.0f);
  scores[262] = 1, scores[263] = 1;
  auto t = Tokenizer::from_pieces(pieces, scores, "t");
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_FALSE(t->byte_level());
  EXPECT_EQ(t->encode("a", false), (std::vector<int>{262}));
  EXPECT_EQ(t->encode_with_specials("a</s>b", true), (std::vector<int>{kBos, 262, kEos, 263}));
  EXPECT_EQ(t->encode_with_specials("<s>a<unk>", false), (std::vector<int>{kBos, 262, 0}));
  const std::vector<int> plain = t->encode("a</s>b", true);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), kEos), 0);
  EXPECT_TRUE(t->ends_generation(kBos));  // llama2.c's rule
  EXPECT_TRUE(t->ends_generation(kEos));  // a chat model's end of answer, as llama.cpp stops
  EXPECT_FALSE(t->ends_generation(262));
}

}  // namespace
}  // namespace circulant
