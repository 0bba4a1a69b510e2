// Tokenizer: llama2.c's segmentation on the peer vocabulary, round trips, and bad files.
#include <gtest/gtest.h>

#include "model/tokenizer.h"
#include "test_util.h"

namespace circulant {
namespace {

class PeerTokenizer : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = testing::peer_path("tok512.bin");
    if (!testing::file_exists(path))
      GTEST_SKIP() << "../shared/peer-models is absent; peer tests skipped";
    auto t = Tokenizer::load(path, 512);
    ASSERT_TRUE(t.ok()) << t.error();
    tokenizer_ = std::make_unique<Tokenizer>(std::move(t.value()));
  }
  std::unique_ptr<Tokenizer> tokenizer_;
};

TEST_F(PeerTokenizer, EncodeStartsWithBosAndDummySpaceAndMergesWords) {
  const auto tokens = tokenizer_->encode("Once upon a time");
  ASSERT_GE(tokens.size(), 2u);
  EXPECT_EQ(tokens[0], kBos);
  EXPECT_LT(tokens.size(), 1 + std::string("Once upon a time").size());  // merges happened
  EXPECT_EQ(tokenizer_->decode_all(tokens), "Once upon a time");
}

TEST_F(PeerTokenizer, RoundTripsTextOutsideAsciiThroughByteTokens) {
  for (const std::string text : {"naïve café, 東京 and emoji 😀!", "tabs\tand\nnewlines",
                                 "<0x41> literal", "  leading spaces", "x"}) {
    const auto tokens = tokenizer_->encode(text);
    EXPECT_EQ(tokenizer_->decode_all(tokens), text) << text;
  }
}

TEST_F(PeerTokenizer, EosIsAppendedOnRequestAndEmptyTextIsJustBos) {
  EXPECT_EQ(tokenizer_->encode("", true, false), std::vector<int>{kBos});
  EXPECT_EQ(tokenizer_->encode("hi", true, true).back(), kEos);
}

TEST(Tokenizer, RejectsAFileForAnotherVocabularySize) {
  std::vector<uint8_t> bytes(4, 0);
  bytes[0] = 8;  // max_token_length
  for (int i = 0; i < 3; ++i) {
    const float score = float(i);
    const int32_t len = 1;
    const uint8_t* s = reinterpret_cast<const uint8_t*>(&score);
    const uint8_t* l = reinterpret_cast<const uint8_t*>(&len);
    bytes.insert(bytes.end(), s, s + 4);
    bytes.insert(bytes.end(), l, l + 4);
    bytes.push_back(uint8_t('a' + i));
  }
  // Three pieces and no byte tokens: refused (the encoder could not spell other characters).
  auto no_bytes = Tokenizer::parse(bytes.data(), bytes.size(), "t.bin", 3);
  ASSERT_FALSE(no_bytes.ok());
  EXPECT_NE(no_bytes.error().find("lacks the 256 byte tokens"), std::string::npos)
      << no_bytes.error();
  auto too_few = Tokenizer::parse(bytes.data(), bytes.size(), "t.bin", 4);
  ASSERT_FALSE(too_few.ok());
  EXPECT_NE(too_few.error().find("t.bin"), std::string::npos);
  EXPECT_NE(too_few.error().find("ends after 3 tokens"), std::string::npos);
  auto too_many = Tokenizer::parse(bytes.data(), bytes.size(), "t.bin", 2);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.error().find("more than 2 tokens"), std::string::npos);
}

TEST(Tokenizer, RejectsGarbage) {
  const std::vector<uint8_t> garbage = {0xff, 0xff, 0xff, 0xff, 1, 2, 3};
  EXPECT_FALSE(Tokenizer::parse(garbage.data(), garbage.size(), "g.bin", 10).ok());
  EXPECT_FALSE(Tokenizer::parse(garbage.data(), 0, "g.bin", 10).ok());
}

// A character spelled by byte tokens reaches the page whole, on the token that completes it.
TEST(Tokenizer, WholeCharactersJoinByteTokensWithoutChangingTheText) {
  const std::vector<std::string> pieces = {"caf",  "\xC3", "\xA9",     " na",  "\xC3",
                                           "\xAF", "ve",   "\xE2\x82", "\xAC!"};
  const std::vector<std::string> joined = whole_characters(pieces);
  const std::vector<std::string> expected = {"caf",      "",   "\xC3\xA9", " na",          "",
                                             "\xC3\xAF", "ve", "",         "\xE2\x82\xAC!"};
  EXPECT_EQ(joined, expected);
  // Bytes that never form a character become U+FFFD instead of breaking the text after them.
  EXPECT_EQ(whole_characters({"a", "\x80", "b"}),
            (std::vector<std::string>{"a", "\xEF\xBF\xBD", "b"}));
  EXPECT_EQ(whole_characters({"a", "\xC3"}), (std::vector<std::string>{"a", "\xEF\xBF\xBD"}));
  EXPECT_EQ(whole_characters({"\xC3", "x"}), (std::vector<std::string>{"", "\xEF\xBF\xBDx"}));
}

}  // namespace
}  // namespace circulant
