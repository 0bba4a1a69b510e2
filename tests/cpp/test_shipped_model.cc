// The shipped teacher (models/default.bin) on every machine, libtorch or not: its shape, its
// tokenizer against sentencepiece's own ids, a pinned greedy text (a silent change to the engine
// or the file shows here), and that it writes passages: after a full stop the next token is
// rarely the end of the text.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "eval/prompt_set.h"
#include "model/generate.h"
#include "test_util.h"

namespace circulant {
namespace {

class ShippedModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto weights = load_checkpoint(testing::source_path("models/default.bin"));
    ASSERT_TRUE(weights.ok()) << weights.error();
    weights_ = weights.value();
    auto tokenizer =
        Tokenizer::load(testing::source_path("models/tokenizer.bin"), weights_->config.vocab_size);
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.error();
    tokenizer_ = new Tokenizer(std::move(tokenizer.value()));
  }
  static void TearDownTestSuite() { delete tokenizer_; }

  // Mean over texts of P(BOS) + P(EOS) as the token after each whole text.
  static double mean_end_of_text(const std::vector<std::string>& texts) {
    const Transformer model(weights_);
    RunState state(model.config());
    double total = 0;
    for (const std::string& text : texts) {
      const std::vector<int> tokens = tokenizer_->encode(text);
      state.reset();
      const float* z = forward(model, state, tokens.data(), int(tokens.size()));
      const int vocab = model.config().vocab_size;
      double max = z[0], sum = 0;
      for (int i = 0; i < vocab; ++i) max = std::max(max, double(z[i]));
      for (int i = 0; i < vocab; ++i) sum += std::exp(z[i] - max);
      total += (std::exp(z[kBos] - max) + std::exp(z[kEos] - max)) / sum;
    }
    return total / texts.size();
  }

  static std::vector<std::string> lines(const std::string& file) {
    auto read = read_lines(testing::source_path(file));
    EXPECT_TRUE(read.ok()) << read.error();
    return read.ok() ? read.value() : std::vector<std::string>{};
  }

  static std::shared_ptr<const Weights> weights_;
  static Tokenizer* tokenizer_;
};
std::shared_ptr<const Weights> ShippedModel::weights_;
Tokenizer* ShippedModel::tokenizer_ = nullptr;

TEST_F(ShippedModel, HasTheCardsShape) {
  const Config& c = weights_->config;
  EXPECT_EQ(c.dim, 256);
  EXPECT_EQ(c.hidden_dim, 1024);
  EXPECT_EQ(c.n_layers, 4);
  EXPECT_EQ(c.n_heads, 4);
  EXPECT_EQ(c.n_kv_heads, 4);
  EXPECT_EQ(c.vocab_size, 2048);
  EXPECT_EQ(c.seq_len, 256);
  EXPECT_TRUE(c.shared_classifier);
  EXPECT_EQ(Transformer(weights_).total_parameters(), 4720896);
}

// cpp/train/testdata/calibration.ids: spm_encode --output_format=id of the shipped calibration
// passages with the pipeline's sentencepiece model (made by cpp/train/pipeline.sh).
TEST_F(ShippedModel, TokenizerSegmentsAsSentencepieceDoes) {
  const auto texts = lines("models/prompts/calibration.txt");
  std::ifstream ids_file(testing::source_path("cpp/train/testdata/calibration.ids"));
  std::string row;
  size_t n = 0;
  for (; std::getline(ids_file, row) && n < texts.size(); ++n) {
    std::vector<int> expected;
    std::istringstream in(row);
    for (int id; in >> id;) expected.push_back(id);
    EXPECT_EQ(tokenizer_->encode(texts[n], /*bos=*/false), expected)
        << "line " << n + 1 << ": " << texts[n];
  }
  EXPECT_EQ(n, texts.size());
  EXPECT_GE(n, 200u);
}

TEST_F(ShippedModel, GreedyTextIsPinned) {
  const Transformer model(weights_);
  SamplerSettings greedy;
  greedy.temperature = 0;
  const std::string prompt = "The history of the city";
  const int prompt_tokens = int(tokenizer_->encode(prompt).size());  // BOS included
  auto generation = generate(model, *tokenizer_, prompt, prompt_tokens + 40, greedy);
  ASSERT_TRUE(generation.ok()) << generation.error();
  EXPECT_EQ(generation->tokens.size(), size_t(prompt_tokens + 40));
  EXPECT_EQ(generation->text, "FILL_AFTER_TRAINING");
}

// What the page shows: 48 new tokens at its sampling settings (temperature 0.8, top-p 0.9,
// repetition penalty 1.1, seed 42). Every lecture prompt is a whole sentence ending in "." or
// "?", so a continuation is a further sentence: a teacher that writes passages goes on for at
// least 40 tokens after (almost) every one instead of ending the text.
TEST_F(ShippedModel, WritesOnAfterTheLecturePrompts) {
  const Transformer model(weights_);
  SamplerSettings page;
  page.temperature = 0.8f, page.top_p = 0.9f, page.repeat_penalty = 1.1f, page.seed = 42;
  int passages = 0;
  for (const std::string& prompt : lines("models/prompts/lecture-20.txt")) {
    const int prompt_tokens = int(tokenizer_->encode(prompt).size());
    auto g = generate(model, *tokenizer_, prompt, prompt_tokens + 48, page);
    ASSERT_TRUE(g.ok()) << g.error();
    const int made = int(g->tokens.size()) - prompt_tokens;
    if (made >= 40)
      ++passages;
    else
      std::printf("ends after \"%s\": %d tokens: %s\n", prompt.c_str(), made,
                  g->text.c_str() + prompt.size());
  }
  EXPECT_GE(passages, 18);
}

// All 20 lecture prompts end with "." or "?": a teacher that learned one sentence per line
// predicted the end of the text there with 90-99.9 % probability.
TEST_F(ShippedModel, RarelyEndsTheTextAfterALecturePrompt) {
  const double p = mean_end_of_text(lines("models/prompts/lecture-20.txt"));
  std::printf("mean P(end of text) after the lecture prompts: %.4f\n", p);
  EXPECT_LT(p, 0.3);
}

TEST_F(ShippedModel, RarelyEndsTheTextAtAFullStopInsideAPassage) {
  std::vector<std::string> cut;
  for (const std::string& line : lines("models/prompts/calibration.txt")) {
    const size_t stop = line.find(". ");
    if (stop != std::string::npos) cut.push_back(line.substr(0, stop + 1));
  }
  ASSERT_GE(cut.size(), 150u);
  const double p = mean_end_of_text(cut);
  std::printf("mean P(end of text) at a full stop inside %zu held-out passages: %.4f\n", cut.size(),
              p);
  EXPECT_LT(p, 0.2);
}

}  // namespace
}  // namespace circulant
