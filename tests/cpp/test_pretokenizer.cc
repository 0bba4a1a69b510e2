// Pre-tokenizers: the words each scheme cuts tricky text into (contractions, digit runs,
// whitespace runs, line breaks, CJK, emoji, accents, bad UTF-8), as llama.cpp's expressions cut
// them; and the names GGUF files give them.
#include <gtest/gtest.h>

#include "model/pretokenizer.h"
#include "model/unicode_ranges.h"

namespace circulant {
namespace {

using Words = std::vector<std::string>;

Words gpt2(const std::string& text) { return pre_tokenize(text, PreTokenizer::kGpt2); }
Words llama3(const std::string& text) { return pre_tokenize(text, PreTokenizer::kLlama3); }
Words qwen2(const std::string& text) { return pre_tokenize(text, PreTokenizer::kQwen2); }
Words smollm(const std::string& text) { return pre_tokenize(text, PreTokenizer::kSmollm); }
Words fallback(const std::string& text) { return pre_tokenize(text, PreTokenizer::kDefault); }

TEST(UnicodeRanges, ClassifyLettersNumbersPunctuationAndWhitespace) {
  EXPECT_TRUE(is_letter('a') && is_letter(0x00E9) && is_letter(0x4E1C) && is_letter(0x0416));
  EXPECT_FALSE(is_letter('1') || is_letter(0x0301) || is_letter(0x1F600) || is_letter(' '));
  EXPECT_TRUE(is_number('7') && is_number(0x00B2) && is_number(0x0663) && is_number(0x2167));
  EXPECT_TRUE(is_punctuation('!') && is_punctuation(0x3002) && !is_punctuation('$'));
  for (uint32_t space : {0x09u, 0x0Au, 0x0Du, 0x20u, 0x85u, 0xA0u, 0x3000u, 0x2029u})
    EXPECT_TRUE(is_whitespace(space)) << space;
  EXPECT_FALSE(is_whitespace(0x200B) || is_whitespace(0xFEFF) || is_whitespace('x'));
}

TEST(PreTokenizer, Gpt2KeepsASpaceWithTheWordAfterItAndLowerCaseContractions) {
  EXPECT_EQ(gpt2("Hello world"), (Words{"Hello", " world"}));
  EXPECT_EQ(gpt2("it's we've I'm they'll he'd don't you're"),
            (Words{"it", "'s", " we", "'ve", " I", "'m", " they", "'ll", " he", "'d", " don", "'t",
                   " you", "'re"}));
  EXPECT_EQ(gpt2("I'M WE'LL"), (Words{"I", "'", "M", " WE", "'", "LL"}));
  EXPECT_EQ(gpt2("abc 12345 x1"), (Words{"abc", " 12345", " x", "1"}));
  EXPECT_EQ(gpt2("a  b   c"), (Words{"a", " ", " b", "  ", " c"}));
  EXPECT_EQ(gpt2("a\n\nb\tc "), (Words{"a", "\n", "\n", "b", "\t", "c", " "}));
  EXPECT_EQ(gpt2("(x) !?"), (Words{"(", "x", ")", " !?"}));
}

TEST(PreTokenizer, Llama3TakesContractionsInEitherCaseAndDigitsInThrees) {
  EXPECT_EQ(llama3("I'M we'LL You'Re"), (Words{"I", "'M", " we", "'LL", " You", "'Re"}));
  EXPECT_EQ(
      llama3("it's we've I'm they'll he'd don't"),
      (Words{"it", "'s", " we", "'ve", " I", "'m", " they", "'ll", " he", "'d", " don", "'t"}));
  EXPECT_EQ(llama3("1 12 123 1234 1234567"),
            (Words{"1", " ", "12", " ", "123", " ", "123", "4", " ", "123", "456", "7"}));
  EXPECT_EQ(llama3("x1y"), (Words{"x", "1", "y"}));
  // One character that is neither a letter, a digit nor a line break joins the word after it.
  EXPECT_EQ(llama3("\tword (paren) $5"), (Words{"\tword", " (", "paren", ")", " $", "5"}));
  // Line breaks: punctuation keeps those after it, a run of spaces ends at its last line break.
  EXPECT_EQ(llama3("end.\n\nNext  \n  line"),
            (Words{"end", ".\n\n", "Next", "  \n", " ", " line"}));
  EXPECT_EQ(llama3("a\r\n b   "), (Words{"a", "\r\n", " b", "   "}));
  EXPECT_EQ(llama3("  two"), (Words{" ", " two"}));
}

TEST(PreTokenizer, Qwen2TakesOneDigitAtATime) {
  EXPECT_EQ(qwen2("12345 x9"), (Words{"1", "2", "3", "4", "5", " x", "9"}));
  EXPECT_EQ(qwen2("I'M here"), (Words{"I", "'M", " here"}));
  EXPECT_EQ(qwen2("a\n\n\tb"), (Words{"a", "\n\n", "\tb"}));
}

TEST(PreTokenizer, SmollmSplitsDigitsFirstThenCutsAsGpt2) {
  EXPECT_EQ(smollm("abc123def"), (Words{"abc", "1", "2", "3", "def"}));
  EXPECT_EQ(smollm("I'M 45"), (Words{"I", "'", "M", " ", "4", "5"}));
  EXPECT_EQ(smollm("it's 2024"), (Words{"it", "'s", " ", "2", "0", "2", "4"}));
}

TEST(PreTokenizer, DefaultCutsPunctuationRunsAndDigitTriples) {
  EXPECT_EQ(fallback("Hello, world!"), (Words{"Hello", ",", " world", "!"}));
  EXPECT_EQ(fallback("12345"), (Words{"123", "45"}));
  EXPECT_EQ(fallback("a+=b `c`"), (Words{"a", "+=", "b", " `", "c", "`"}));
}

TEST(PreTokenizer, CjkEmojiAndAccentsCutByTheirClasses) {
  const std::string text = "东京 café 😀! e\xCC\x81t\xC3\xA9";  // e + U+0301, then é
  EXPECT_EQ(gpt2(text), (Words{"东京", " café", " 😀!", " e", "\xCC\x81", "t\xC3\xA9"}));
  // llama 3 lets the combining accent (no letter) lead the word after it.
  EXPECT_EQ(llama3(text), (Words{"东京", " café", " 😀!", " e", "\xCC\x81t\xC3\xA9"}));
  EXPECT_EQ(qwen2("¹²³ ٣"), (Words{"¹", "²", "³", " ", "٣"}));
  // U+00A0 is a space, but only U+0020 joins the word after it.
  EXPECT_EQ(gpt2("a\xC2\xA0\xC2\xA0"
                 "b"),
            (Words{"a", "\xC2\xA0", "\xC2\xA0", "b"}));
  EXPECT_EQ(llama3("a\xC2\xA0\xC2\xA0"
                   "b"),
            (Words{"a", "\xC2\xA0",
                   "\xC2\xA0"
                   "b"}));
}

TEST(PreTokenizer, BadUtf8BecomesTheReplacementCharacter) {
  EXPECT_EQ(gpt2("a\xFF"
                 "b"),
            (Words{"a", "\xEF\xBF\xBD", "b"}));
  EXPECT_EQ(gpt2("\xC3"), (Words{"\xEF\xBF\xBD"}));
  EXPECT_TRUE(gpt2("").empty());
}

TEST(PreTokenizer, EveryWordJoinsBackIntoTheText) {
  const std::string text = "Mixed: 1234567 it's\n\n  \tdone!\r\n 東京😀 ĉu? naïve  ";
  for (PreTokenizer scheme : {PreTokenizer::kGpt2, PreTokenizer::kLlama3, PreTokenizer::kQwen2,
                              PreTokenizer::kSmollm, PreTokenizer::kDefault}) {
    std::string joined;
    for (const std::string& w : pre_tokenize(text, scheme)) {
      EXPECT_FALSE(w.empty());
      joined += w;
    }
    EXPECT_EQ(joined, text) << pre_tokenizer_name(scheme);
  }
}

TEST(PreTokenizer, NamesAreGgufsAndAnUnknownOneIsRefusedListingThose) {
  EXPECT_EQ(pre_tokenizer_named("").value(), PreTokenizer::kDefault);
  EXPECT_EQ(pre_tokenizer_named("gpt-2").value(), PreTokenizer::kGpt2);
  EXPECT_EQ(pre_tokenizer_named("llama-bpe").value(), PreTokenizer::kLlama3);
  EXPECT_EQ(pre_tokenizer_named("qwen2").value(), PreTokenizer::kQwen2);
  EXPECT_EQ(pre_tokenizer_named("smollm").value(), PreTokenizer::kSmollm);
  for (PreTokenizer s : {PreTokenizer::kGpt2, PreTokenizer::kLlama3, PreTokenizer::kQwen2,
                         PreTokenizer::kSmollm, PreTokenizer::kDefault})
    EXPECT_EQ(pre_tokenizer_named(pre_tokenizer_name(s)).value(), s);
  auto other = pre_tokenizer_named("deepseek-llm");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error(),
            "its pre-tokenizer (tokenizer.ggml.pre) is 'deepseek-llm', which this engine does not "
            "run: only gpt-2, llama-bpe, qwen2, smollm and default load");
}

}  // namespace
}  // namespace circulant
