// Real models as GGUF: the shipped teacher and llama2.c's stories260K converted to F32 give the
// same logits bit for bit and the same greedy text; F16 and Q8_0 stay close (their KL from the
// original is printed); the tokenizer read from the file gives tokenizer.bin's ids.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "eval/metrics.h"
#include "eval/prompt_set.h"
#include "model/generate.h"
#include "model/gguf_model.h"
#include "test_util.h"

namespace circulant {
namespace {

struct Original {
  std::shared_ptr<const Weights> weights;
  std::shared_ptr<const Tokenizer> tokenizer;
};

Original load(const std::string& model, const std::string& tokenizer) {
  auto w = load_checkpoint(model);
  EXPECT_TRUE(w.ok()) << w.error();
  if (!w.ok()) return {};
  auto t = Tokenizer::load(tokenizer, w.value()->config.vocab_size);
  EXPECT_TRUE(t.ok()) << t.error();
  if (!t.ok()) return {};
  return {w.value(), std::make_shared<Tokenizer>(std::move(t.value()))};
}

// The model written as `type` and read back, with the tokenizer it carries.
GgufModel converted(const Original& o, GgufType type) {
  auto written = serialize_gguf(*o.weights, o.tokenizer.get(), type, "test");
  EXPECT_TRUE(written.ok()) << written.error();
  if (!written.ok()) return {};
  auto read = parse_gguf_model(written->bytes.data(), written->bytes.size(), "test.gguf");
  EXPECT_TRUE(read.ok()) << read.error();
  if (!read.ok()) return {};
  EXPECT_TRUE(read->tokenizer.ok()) << read->tokenizer.error();
  return std::move(read.value());
}

std::vector<std::vector<int>> lecture_prompts(const Tokenizer& t, const Config& c) {
  auto lines = read_lines(testing::source_path("models/prompts/lecture-20.txt"));
  EXPECT_TRUE(lines.ok()) << lines.error();
  return encode_lines(lines.value(), t, c, LongLines::kTruncate).value();
}

// Largest |difference| of the logits at every position of every prompt.
float largest_logit_difference(const Transformer& a, const Transformer& b,
                               const std::vector<std::vector<int>>& prompts) {
  RunState sa(a.config()), sb(b.config());
  const int vocab = a.config().vocab_size;
  float largest = 0;
  for (const auto& p : prompts) {
    sa.reset(), sb.reset();
    const float* x = forward(a, sa, p.data(), int(p.size()), true);
    const float* y = forward(b, sb, p.data(), int(p.size()), true);
    for (size_t i = 0; i < p.size() * size_t(vocab); ++i)
      largest = std::max(largest, std::fabs(x[i] - y[i]));
  }
  return largest;
}

// Mean KL(original ‖ converted) over the prompts at every position, printed for the record.
double kl_of(const char* what, const Transformer& original, const Transformer& converted,
             const std::vector<std::vector<int>>& prompts) {
  const Comparison c = compare_models(original, converted, prompts, Positions::kAll);
  std::printf("[ KL       ] %s: %.3g nats (top-1 agreement %.3f)\n", what, c.kl.mean, c.top1.mean);
  return c.kl.mean;
}

std::string greedy(const Transformer& model, const Tokenizer& t, const std::string& prompt,
                   int steps) {
  SamplerSettings settings;
  settings.temperature = 0;
  auto g = generate(model, t, prompt, steps, settings);
  EXPECT_TRUE(g.ok()) << g.error();
  return g.ok() ? g->text : "";
}

TEST(GgufModels, ShippedModelAsF32IsTheSameModelAndItsTokenizerTheSame) {
  const Original o = load(testing::source_path("models/default.bin"),
                          testing::source_path("models/tokenizer.bin"));
  ASSERT_NE(o.weights, nullptr);
  const GgufModel g = converted(o, GgufType::kF32);
  ASSERT_NE(g.weights, nullptr);
  const Tokenizer& t = g.tokenizer.value();
  for (int i = 0; i < o.weights->config.vocab_size; ++i) {
    ASSERT_EQ(t.piece(i), o.tokenizer->piece(i)) << i;
    ASSERT_EQ(t.score(i), o.tokenizer->score(i)) << i;
  }
  for (const char* text : {"The history of the city", "  two  spaces", "naïve café — ✓ 😀",
                           "tabs\tand\nnewlines", "<s> is not BOS", "0x41 <0x41>"})
    EXPECT_EQ(t.encode(text), o.tokenizer->encode(text)) << text;
  const Transformer a(o.weights), b(g.weights);
  const auto prompts = lecture_prompts(*o.tokenizer, o.weights->config);
  EXPECT_EQ(largest_logit_difference(a, b, prompts), 0.0f);  // bit for bit
  EXPECT_EQ(greedy(b, t, "The history of the city", 60),
            greedy(a, *o.tokenizer, "The history of the city", 60));
}

TEST(GgufModels, ShippedModelAsF16AndQ8_0StaysClose) {
  const Original o = load(testing::source_path("models/default.bin"),
                          testing::source_path("models/tokenizer.bin"));
  ASSERT_NE(o.weights, nullptr);
  const Transformer a(o.weights);
  const auto prompts = lecture_prompts(*o.tokenizer, o.weights->config);
  // The shipped teacher is its float16 values: F16 holds them exactly.
  const GgufModel f16 = converted(o, GgufType::kF16);
  ASSERT_NE(f16.weights, nullptr);
  EXPECT_EQ(largest_logit_difference(a, Transformer(f16.weights), prompts), 0.0f);
  const GgufModel q8 = converted(o, GgufType::kQ8_0);
  ASSERT_NE(q8.weights, nullptr);
  EXPECT_LT(kl_of("shipped model, Q8_0", a, Transformer(q8.weights), prompts), 2e-3);
}

class PeerGguf : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::file_exists(testing::peer_path("stories260K.bin")))
      GTEST_SKIP() << "../shared/peer-models is absent; peer tests skipped";
    original_ = load(testing::peer_path("stories260K.bin"), testing::peer_path("tok512.bin"));
    ASSERT_NE(original_.weights, nullptr);
  }
  Original original_;
};

TEST_F(PeerGguf, Stories260KAsF32GivesLlama2csGreedyTextByteForByte) {
  const GgufModel g = converted(original_, GgufType::kF32);
  ASSERT_NE(g.weights, nullptr);
  std::ifstream golden_file(testing::peer_path("stories260K.once-upon-a-time.greedy.txt"),
                            std::ios::binary);
  std::stringstream golden;
  golden << golden_file.rdbuf();
  EXPECT_EQ(greedy(Transformer(g.weights), g.tokenizer.value(), "Once upon a time", 200) + "\n",
            golden.str());
  EXPECT_EQ(g.weights->config.n_kv_heads, 4);  // grouped-query attention: 8 heads, 4 groups
}

TEST_F(PeerGguf, Stories260KAsF16AndQ8_0StaysClose) {
  const Transformer a(original_.weights);
  const auto prompts = lecture_prompts(*original_.tokenizer, original_.weights->config);
  const GgufModel f16 = converted(original_, GgufType::kF16);
  const GgufModel q8 = converted(original_, GgufType::kQ8_0);
  ASSERT_NE(f16.weights, nullptr);
  ASSERT_NE(q8.weights, nullptr);
  EXPECT_LT(kl_of("stories260K, F16", a, Transformer(f16.weights), prompts), 1e-4);
  EXPECT_LT(kl_of("stories260K, Q8_0", a, Transformer(q8.weights), prompts), 2e-3);
}

}  // namespace
}  // namespace circulant
