// The shipped teacher (models/default.bin) on every machine, libtorch or not: its shape, its
// tokenizer against sentencepiece's own ids, a pinned greedy text (a silent change to the engine
// or the file shows here), and that it writes passages: after a full stop the next token is
// rarely the end of the text.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <sstream>

#include "eval/prompt_set.h"
#include "model/generate.h"
#include "student/student_file.h"
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
  // Steps count positions as run.c does: the text ends with the token sampled at the last one.
  auto generation = generate(model, *tokenizer_, prompt, prompt_tokens + 39, greedy);
  ASSERT_TRUE(generation.ok()) << generation.error();
  EXPECT_EQ(generation->tokens.size() - generation->prompt_tokens, 40u);
  EXPECT_EQ(generation->text,
            "The history of the city is the most populous city in the world. The 1950s, the 1950s, "
            "was the first to be seen in the 19th cent");
}

// The page's sampling settings (temperature 0.8, top-p 0.9, repetition penalty 1.1; seed 42 by
// default). Every lecture prompt is a whole sentence ending in "." or "?": a teacher that writes
// passages goes on for at least 40 tokens and past a further sentence end instead of ending the
// text. Up to 120 new tokens, since this model's sentences often run past the page's 48. One seed
// is one draw per prompt, so the bar is the mean over the page's seed and ten others (each is
// printed: the card quotes seed 42's).
TEST_F(ShippedModel, WritesOnAfterTheLecturePrompts) {
  const Transformer model(weights_);
  const auto prompts = lines("models/prompts/lecture-20.txt");
  ASSERT_EQ(prompts.size(), 20u);
  int total = 0, runs = 0;
  for (const uint64_t seed : {42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
    SamplerSettings page;
    page.temperature = 0.8f, page.top_p = 0.9f, page.repeat_penalty = 1.1f, page.seed = seed;
    int passages = 0;
    for (const std::string& prompt : prompts) {
      const int prompt_tokens = int(tokenizer_->encode(prompt).size());
      auto g = generate(model, *tokenizer_, prompt, prompt_tokens + 119, page);
      ASSERT_TRUE(g.ok()) << g.error();
      const int made = int(g->tokens.size()) - prompt_tokens;
      // More than one sentence: a sentence end inside the continuation with text after it.
      const std::string continuation = g->text.substr(std::min(g->text.size(), prompt.size()));
      const size_t end = continuation.find_first_of(".!?");
      const bool sentences = end != std::string::npos &&
                             continuation.find_first_not_of(" .!?\"'\n", end) != std::string::npos;
      if (made >= 40 && sentences) ++passages;
    }
    std::printf(
        "seed %2d: %d of 20 lecture prompts go on for 40 tokens over more than one sentence\n",
        int(seed), passages);
    total += passages, ++runs;
  }
  EXPECT_GE(double(total) / runs, 18.0);
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

// The precomputed students the page draws (models/distilled/, one file a block size, distilled from
// the float16 teacher by scripts/distill-canonical.sh) load onto the shipped teacher as the CLI's
// --student reads the folder: the canonical plan at B = 4…256, every tensor finite; each file holds
// its own block size, and one changed byte of a file is refused.
TEST_F(ShippedModel, DistilledStudentsLoadAndTheirChecksumHolds) {
  auto students = load_students(testing::source_path("models/distilled"), *weights_);
  ASSERT_TRUE(students.ok()) << students.error();
  std::vector<int> blocks;
  for (const SavedStudent& s : students.value()) {
    blocks.push_back(s.plan->block);
    EXPECT_EQ(s.plan->method, Method::kDistill);
    EXPECT_EQ(s.plan->distill.steps, 300);
    EXPECT_EQ(s.plan->layers.size(), 4u);
    EXPECT_EQ(s.plan->matrices.size(), 3u);
  }
  EXPECT_EQ(blocks, (std::vector<int>{4, 8, 16, 32, 64, 128, 256}));
  auto one = load_students(testing::source_path("models/distilled/b64.students"), *weights_);
  ASSERT_TRUE(one.ok()) << one.error();
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ(one.value()[0].plan->block, 64);
  auto bytes = read_file_bytes(testing::source_path("models/distilled/b64.students"), 1 << 24);
  ASSERT_TRUE(bytes.ok()) << bytes.error();
  bytes.value()[bytes->size() / 2] ^= 1;
  auto refused = parse_students(bytes->data(), bytes->size(), "b64.students", *weights_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("checksum does not match"), std::string::npos) << refused.error();
}

}  // namespace
}  // namespace circulant
