// Compatibility with a checkpoint none of us wrote: llama2.c's stories260K, byte for byte.
#include <gtest/gtest.h>

#include <sstream>

#include "model/generate.h"
#include "test_util.h"

namespace circulant {
namespace {

TEST(PeerModel, GreedyOnceUponATimeMatchesLlama2cByteForByte) {
  const std::string model_path = testing::peer_path("stories260K.bin");
  if (!testing::file_exists(model_path))
    GTEST_SKIP() << "../shared/peer-models is absent; peer tests skipped";
  auto weights = load_checkpoint(model_path);
  ASSERT_TRUE(weights.ok()) << weights.error();
  auto tokenizer =
      Tokenizer::load(testing::peer_path("tok512.bin"), weights.value()->config.vocab_size);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.error();
  std::ifstream golden_file(testing::peer_path("stories260K.once-upon-a-time.greedy.txt"),
                            std::ios::binary);
  std::stringstream golden;
  golden << golden_file.rdbuf();

  const Transformer model(weights.value());
  SamplerSettings greedy;
  greedy.temperature = 0;
  auto generation = generate(model, tokenizer.value(), "Once upon a time", 200, greedy);
  ASSERT_TRUE(generation.ok()) << generation.error();
  EXPECT_EQ(generation->text + "\n", golden.str());  // run.c ends with one newline
  EXPECT_EQ(generation->tokens.size(), 201u);        // BOS + 200 positions' outputs
}

}  // namespace
}  // namespace circulant
