// Perplexity: windows of a joined stream keep every token, and a model finds its own greedy text
// far more predictable than text it was never trained on.
#include <gtest/gtest.h>

#include "eval/perplexity.h"
#include "eval/prompt_set.h"
#include "test_util.h"

namespace circulant {
namespace {

TEST(Perplexity, StreamWindowsKeepEveryTokenInOrder) {
  const std::vector<std::vector<int>> lines = {{1, 5, 6}, {1, 7}, {1, 8, 9, 10}};
  const auto windows = stream_windows(lines, 4);
  ASSERT_EQ(windows.size(), 3u);
  EXPECT_EQ(windows[0], (std::vector<int>{1, 5, 6, 1}));
  EXPECT_EQ(windows[1], (std::vector<int>{7, 1, 8, 9}));
  EXPECT_EQ(windows[2], (std::vector<int>{10}));
  EXPECT_EQ(count_tokens(windows), 9);
}

TEST(Perplexity, OwnGreedyTextIsFarMorePredictableThanLecturePrompts) {
  const std::string path = testing::peer_path("stories260K.bin");
  if (!testing::file_exists(path))
    GTEST_SKIP() << "../shared/peer-models is absent; peer tests skipped";
  auto weights = load_checkpoint(path);
  ASSERT_TRUE(weights.ok()) << weights.error();
  auto tokenizer = Tokenizer::load(testing::peer_path("tok512.bin"), 512);
  ASSERT_TRUE(tokenizer.ok());
  const Transformer model(weights.value());
  auto story = read_lines(testing::peer_path("stories260K.once-upon-a-time.greedy.txt"));
  auto lecture = read_lines(testing::source_path("models/prompts/lecture-20.txt"));
  ASSERT_TRUE(story.ok() && lecture.ok());
  auto windows = [&](const std::vector<std::string>& lines) {
    return stream_windows(
        encode_lines(lines, tokenizer.value(), model.config(), LongLines::kKeep).value(), 512);
  };
  const PerplexityResult own = perplexity(model, windows(story.value()));
  const PerplexityResult foreign = perplexity(model, windows(lecture.value()));
  EXPECT_GT(own.predicted_tokens, 100);
  EXPECT_NEAR(own.perplexity, std::exp(own.mean_nll), 1e-9);
  EXPECT_LT(own.perplexity, 3.0);
  EXPECT_GT(foreign.perplexity, 3 * own.perplexity);
}

}  // namespace
}  // namespace circulant
