// A GGUF model whose tokenizer is byte-level BPE: loaded with it, prompts encoded with the file's
// BOS rule, and generation printing every prompt token when there is no BOS.
#include <gtest/gtest.h>

#include "gguf_fixture.h"
#include "model/generate.h"
#include "model/gguf_tokenizer.h"
#include "model/transformer.h"
#include "session/playground.h"

namespace circulant {
namespace {

// 40 tokens, as HandModel's vocabulary: a space and the letters a–z in GPT-2's spelling, merges
// for " a" and "ab", lone lead bytes, and <|endoftext|>; `pre` and whether BOS is added are the
// file's.
void add_tokenizer(testing::HandModel& m, const std::string& pre, bool add_bos) {
  std::vector<std::string> tokens = {"Ġ"};
  for (char c = 'a'; c <= 'z'; ++c) tokens.push_back(std::string(1, c));
  tokens.push_back("Ġa");  // 27
  tokens.push_back("ab");  // 28
  // 29–38: lone lead bytes 0xC3–0xCC, each a part of a character only
  for (int b = 0xC3; b <= 0xCC; ++b) tokens.push_back(bytes_to_gpt2(std::string(1, char(b))));
  tokens.push_back("<|endoftext|>");  // 39
  std::vector<int32_t> types(tokens.size(), kTokenNormal);
  types[39] = kTokenControl;
  m.extra_keys.push_back([=](GgufWriter& w) {
    w.add_string("tokenizer.ggml.model", "gpt2");
    w.add_string("tokenizer.ggml.pre", pre);
    w.add_strings("tokenizer.ggml.tokens", tokens);
    w.add_int32s("tokenizer.ggml.token_type", types);
    w.add_strings("tokenizer.ggml.merges", {"Ġ a", "a b"});
    w.add_uint32("tokenizer.ggml.bos_token_id", 39);
    w.add_uint32("tokenizer.ggml.eos_token_id", 39);
    w.add_bool("tokenizer.ggml.add_bos_token", add_bos);
  });
}

TEST(GgufByteLevelModel, WithoutBosEveryPromptTokenIsPrinted) {
  testing::HandModel m;
  add_tokenizer(m, "qwen2", false);
  auto model = testing::parsed(m.bytes());
  ASSERT_TRUE(model.ok()) << model.error();
  ASSERT_TRUE(model->tokenizer.ok()) << model->tokenizer.error();
  const Tokenizer& t = model->tokenizer.value();
  EXPECT_TRUE(t.byte_level());
  EXPECT_FALSE(t.add_bos());
  const Transformer transformer(model->weights);
  auto g = generate(transformer, t, "ab a", 8, SamplerSettings{});
  ASSERT_TRUE(g.ok()) << g.error();
  ASSERT_EQ(g->prompt_tokens, 2);  // "ab", " a"
  EXPECT_EQ(std::vector<int>(g->tokens.begin(), g->tokens.begin() + 2), (std::vector<int>{28, 27}));
  EXPECT_EQ(g->pieces.size(), g->tokens.size());
  EXPECT_EQ(g->text.substr(0, 4), "ab a");
}

TEST(GgufByteLevelModel, WithBosTheFirstTokenIsBosAndPrintsNothing) {
  testing::HandModel m;
  add_tokenizer(m, "llama-bpe", true);
  auto model = testing::parsed(m.bytes());
  ASSERT_TRUE(model.ok()) << model.error();
  ASSERT_TRUE(model->tokenizer.ok()) << model->tokenizer.error();
  const Transformer transformer(model->weights);
  auto g = generate(transformer, model->tokenizer.value(), "ab", 6, SamplerSettings{});
  ASSERT_TRUE(g.ok()) << g.error();
  EXPECT_EQ(g->tokens[0], 39);
  EXPECT_EQ(g->tokens[1], 28);
  EXPECT_EQ(g->pieces.size() + 1, g->tokens.size());
  EXPECT_EQ(g->text.substr(0, 2), "ab");
}

TEST(GgufByteLevelModel, ThePageShowsEveryTokenAndPartsOfCharactersByTheirBytes) {
  testing::HandModel m;
  add_tokenizer(m, "qwen2", false);
  const std::vector<uint8_t> file = m.bytes();
  auto created = Playground::create(ModelBytes::copy_of(file.data(), file.size()), "m.gguf", {}, "",
                                    uint64_t(64) << 20);
  ASSERT_TRUE(created.ok()) << created.error();
  auto a = created.value()->analyze("ab a");
  ASSERT_TRUE(a.ok()) << a.error();
  EXPECT_EQ(a->tokens, (std::vector<int>{28, 27}));
  EXPECT_EQ(a->pieces, (std::vector<std::string>{"ab", " a"}));
  EXPECT_FALSE(a->bos);  // the page's "find a disagreement" then keeps the first piece
  ASSERT_EQ(a->teacher_top.size(), 10u);
  int lone_bytes = 0;  // the fixed weights put some among the ten
  for (const Candidate& c : a->teacher_top) {
    lone_bytes += c.token >= 29 && c.token <= 38;
    if (c.token >= 29 && c.token <= 38)
      EXPECT_EQ(c.text, "<0x" + std::string(1, "0123456789ABCDEF"[(0xC3 + c.token - 29) >> 4]) +
                            std::string(1, "0123456789ABCDEF"[(0xC3 + c.token - 29) & 15]) + ">");
    else if (c.token == 39)
      EXPECT_EQ(c.text, "<|endoftext|>");
    else
      EXPECT_EQ(whole_characters({c.text}).front(), c.text);
  }
  EXPECT_GT(lone_bytes, 0);
}

// The page rebuilds a prompt's text up to a position from the pieces after BOS (when one was
// added); the text must encode to the same tokens, with and without BOS.
TEST(GgufByteLevelModel, ThePiecesAfterBosSpellTheTextThatEncodesToTheSameTokens) {
  for (bool add_bos : {false, true}) {
    testing::HandModel m;
    add_tokenizer(m, "llama-bpe", add_bos);
    const std::vector<uint8_t> file = m.bytes();
    auto created = Playground::create(ModelBytes::copy_of(file.data(), file.size()), "m.gguf", {},
                                      "", uint64_t(64) << 20);
    ASSERT_TRUE(created.ok()) << created.error();
    auto a = created.value()->analyze("ab a a");
    ASSERT_TRUE(a.ok()) << a.error();
    EXPECT_EQ(a->bos, add_bos);
    std::string text;
    for (size_t i = a->bos ? 1 : 0; i + 1 < a->pieces.size(); ++i) text += a->pieces[i];
    EXPECT_EQ(text, "ab a");
    auto cut = created.value()->analyze(text);
    ASSERT_TRUE(cut.ok()) << cut.error();
    EXPECT_EQ(cut->tokens, std::vector<int>(a->tokens.begin(), a->tokens.end() - 1));
  }
}

TEST(GgufByteLevelModel, AModelWithAnUnknownPreTokenizerLoadsWithoutATokenizerThatSaysWhy) {
  testing::HandModel m;
  add_tokenizer(m, "chatglm-bpe", false);
  auto model = testing::parsed(m.bytes());
  ASSERT_TRUE(model.ok()) << model.error();
  ASSERT_FALSE(model->tokenizer.ok());
  EXPECT_EQ(model->tokenizer.error(),
            "m.gguf: its pre-tokenizer (tokenizer.ggml.pre) is 'chatglm-bpe', which this engine "
            "does not run: only gpt-2, llama-bpe, qwen2, smollm and default load");
}

}  // namespace
}  // namespace circulant
