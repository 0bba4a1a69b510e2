// The fixture of tests on llama2.c's stories260K: its teacher and tokenizer, the lecture prompts
// and the calibration lines encoded for it. Skipped, and counted so, when ../shared is absent.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "eval/prompt_set.h"
#include "model/checkpoint.h"
#include "model/tokenizer.h"
#include "model/transformer.h"
#include "test_util.h"

namespace circulant::testing {

class PeerModel : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = peer_path("stories260K.bin");
    if (!file_exists(path)) GTEST_SKIP() << "../shared/peer-models is absent; peer tests skipped";
    auto weights = load_checkpoint(path);
    ASSERT_TRUE(weights.ok()) << weights.error();
    teacher_ = std::make_unique<Transformer>(weights.value());
    auto tokenizer = Tokenizer::load(peer_path("tok512.bin"), 512);
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.error();
    tokenizer_ = std::make_unique<Tokenizer>(std::move(tokenizer.value()));
    lecture_ = sequences("models/prompts/lecture-20.txt");
    calibration_ = sequences("models/prompts/calibration.txt");
  }
  std::vector<std::vector<int>> sequences(const std::string& file) {
    auto lines = read_lines(source_path(file));
    EXPECT_TRUE(lines.ok()) << lines.error();
    if (!lines.ok()) return {};
    return encode_lines(lines.value(), *tokenizer_, teacher_->config(), LongLines::kTruncate)
        .value();
  }
  std::unique_ptr<Transformer> teacher_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::vector<std::vector<int>> lecture_, calibration_;
};

}  // namespace circulant::testing
