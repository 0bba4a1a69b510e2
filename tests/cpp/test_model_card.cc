// The card a page shows before reading a file: what it says is what the load then builds, it
// needs only the file's head, and a head that stops inside the metadata asks for more.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gguf_fixture.h"
#include "model/model_card.h"

namespace circulant {
namespace {

using testing::HandModel;

TEST(ModelCard, GgufCardMatchesWhatTheLoadBuilds) {
  HandModel m;
  m.tensor("blk.0.ffn_up.weight").type = GgufType::kQ8_0;
  m.tensor("blk.1.ffn_up.weight").type = GgufType::kQ8_0;
  m.extra_keys.push_back([](GgufWriter& w) {
    w.add_string("general.name", "Hand Model 1");
    w.add_string("tokenizer.chat_template", "{{ messages[0]['content'] }}");
  });
  const std::vector<uint8_t> bytes = m.bytes();
  auto card = inspect_model(bytes.data(), bytes.size(), bytes.size(), "m.gguf");
  ASSERT_TRUE(card.ok()) << card.error();
  auto model = testing::parsed(bytes);
  ASSERT_TRUE(model.ok()) << model.error();
  const Config& c = model->weights->config;
  EXPECT_EQ(card->name, "Hand Model 1");
  EXPECT_EQ(card->format, "GGUF v3");
  EXPECT_EQ(card->architecture, "llama");
  EXPECT_TRUE(card->chat_template);
  EXPECT_EQ(card->tokenizer, "none in the file");
  EXPECT_EQ(card->config.dim, c.dim);
  EXPECT_EQ(card->config.n_kv_heads, c.n_kv_heads);
  EXPECT_EQ(card->config.seq_len, c.seq_len);
  EXPECT_EQ(card->weight_bytes, model->weights->floats * sizeof(float));
  EXPECT_EQ(card->run_bytes, run_state_bytes(c));
  EXPECT_EQ(card->file_bytes, bytes.size());
  ASSERT_EQ(card->tensor_types.size(), 2u);
  EXPECT_EQ(card->tensor_types[0].type, "F32");  // most bytes first
  EXPECT_EQ(card->tensor_types[1].type, "Q8_0");
  EXPECT_EQ(card->tensor_types[1].tensors, 2);
  EXPECT_EQ(card->tensor_types[0].tensors + 2, int(m.tensors.size()));
  int64_t values = 0;
  for (const auto& t : m.tensors) values += int64_t(t.values.size());
  EXPECT_EQ(card->parameters, values);  // the classifier is separate here: every tensor counts
}

TEST(ModelCard, TheHeadAloneWillDoAndAShortHeadAsksForMore) {
  HandModel m;
  const std::vector<uint8_t> bytes = m.bytes();
  auto whole = GgufFile::parse(bytes.data(), bytes.size(), "m.gguf");
  ASSERT_TRUE(whole.ok());
  const size_t head = size_t(whole->data_offset());
  ASSERT_LT(head, bytes.size());
  auto card = inspect_model(bytes.data(), head, bytes.size(), "m.gguf");
  ASSERT_TRUE(card.ok()) << card.error();
  EXPECT_EQ(card->file_bytes, bytes.size());
  auto short_head = inspect_model(bytes.data(), head / 2, bytes.size(), "m.gguf");
  ASSERT_FALSE(short_head.ok());
  EXPECT_NE(short_head.error().find("ends inside"), std::string::npos) << short_head.error();
  // The tensors' bytes are still checked against the whole file's length.
  auto truncated = inspect_model(bytes.data(), head, bytes.size() - 1, "m.gguf");
  ASSERT_FALSE(truncated.ok());
  EXPECT_NE(truncated.error().find("truncated"), std::string::npos) << truncated.error();
}

TEST(ModelCard, ACheckpointHeaderGivesItsModel) {
  const std::string path = std::string(CIRCULANT_SOURCE_DIR) + "/models/default.bin";
  auto bytes = read_file_bytes(path, uint64_t(1) << 30);
  ASSERT_TRUE(bytes.ok()) << bytes.error();
  auto card = inspect_model(bytes->data(), 256, bytes->size(), "default.bin");
  ASSERT_TRUE(card.ok()) << card.error();
  auto weights = load_checkpoint(path);
  ASSERT_TRUE(weights.ok());
  EXPECT_EQ(card->config.dim, weights.value()->config.dim);
  EXPECT_EQ(card->config.vocab_size, weights.value()->config.vocab_size);
  // The shipped model is a float16 checkpoint: its weights are widened into float32 at load.
  EXPECT_EQ(card->format, "float16 checkpoint");
  EXPECT_EQ(card->weight_bytes, weights.value()->floats * sizeof(float));
  EXPECT_EQ(card->tensor_types.at(0).type, "F16");
  EXPECT_EQ(card->tokenizer, "a separate tokenizer.bin");
  EXPECT_FALSE(card->chat_template);
  auto wrong_size = inspect_model(bytes->data(), 256, bytes->size() + 4, "default.bin");
  ASSERT_FALSE(wrong_size.ok());
  EXPECT_NE(wrong_size.error().find("header implies"), std::string::npos) << wrong_size.error();
}

}  // namespace
}  // namespace circulant
