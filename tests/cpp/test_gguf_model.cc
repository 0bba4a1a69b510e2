// GGUF files built here tensor by tensor, under their GGUF names and shapes: grouped-query llama
// and qwen2 with biases load with every pointer where it belongs; a model written by
// serialize_gguf reads back bit for bit; every inconsistent model gets one line.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "gguf_fixture.h"
#include "model/transformer.h"

namespace circulant {
namespace {

using testing::HandModel;
using testing::HandTensor;
using testing::parsed;

// Where the test, not the loader's table, says a GGUF tensor belongs.
const float* pointer_of(const Weights& w, const std::string& name) {
  if (name == "token_embd.weight") return w.token_embedding;
  if (name == "output_norm.weight") return w.rms_final;
  if (name == "output.weight") return w.classifier;
  const size_t dot = name.find('.', 4);
  const Weights::Layer& l = w.layers.at(std::stoul(name.substr(4, dot - 4)));
  const std::string part = name.substr(dot + 1);
  const std::pair<const char*, const float*> parts[] = {{"attn_norm.weight", l.rms_attention},
                                                        {"attn_q.weight", l.wq},
                                                        {"attn_k.weight", l.wk},
                                                        {"attn_v.weight", l.wv},
                                                        {"attn_output.weight", l.wo},
                                                        {"ffn_norm.weight", l.rms_ffn},
                                                        {"ffn_gate.weight", l.w1},
                                                        {"ffn_down.weight", l.w2},
                                                        {"ffn_up.weight", l.w3},
                                                        {"attn_q.bias", l.bq},
                                                        {"attn_k.bias", l.bk},
                                                        {"attn_v.bias", l.bv}};
  for (const auto& [suffix, p] : parts)
    if (part == suffix) return p;
  return nullptr;
}

// Every tensor of `m` holds its values as its type keeps them, at the pointer the test expects.
void expect_every_tensor_in_place(const HandModel& m, const Weights& w) {
  for (const HandTensor& t : m.tensors) {
    const float* p = pointer_of(w, t.name);
    ASSERT_NE(p, nullptr) << t.name;
    for (size_t i = 0; i < t.values.size(); ++i) {
      float expected = t.values[i];
      if (t.type == GgufType::kF16) expected = round_to_half(expected);
      // Q8_0: within half a step, plus what rounding the scale to float16 moves the largest
      // quant (127 · 2^-11 of a step).
      if (t.type == GgufType::kQ8_0) {
        float largest = 0;
        for (size_t k = i / 32 * 32; k < i / 32 * 32 + 32; ++k)
          largest = std::max(largest, std::fabs(t.values[k]));
        ASSERT_NEAR(p[i], expected, largest / 127 * 0.57f) << t.name << " " << i;
      } else {
        ASSERT_EQ(p[i], expected) << t.name << " " << i;
      }
    }
  }
}

TEST(GgufModel, GroupedQueryLlamaLoadsEveryTensorWhereItBelongs) {
  HandModel m;
  m.tensor("blk.0.attn_q.weight").type = GgufType::kF16;
  m.tensor("blk.1.ffn_up.weight").type = GgufType::kQ8_0;
  m.tensor("token_embd.weight").type = GgufType::kQ8_0;
  auto model = parsed(m.bytes());
  ASSERT_TRUE(model.ok()) << model.error();
  const Weights& w = *model->weights;
  EXPECT_EQ(model->architecture, "llama");
  EXPECT_EQ(w.config.n_kv_heads, 2);
  EXPECT_EQ(w.config.kv_dim(), 16);
  EXPECT_EQ(w.config.vocab_size, 40);
  EXPECT_FALSE(w.config.shared_classifier);
  EXPECT_EQ(w.config.rope_style, RopeStyle::kAdjacentPairs);
  EXPECT_FALSE(w.config.qkv_bias);
  EXPECT_EQ(w.config.rope_theta, 10000.0f);  // absent: the default
  EXPECT_EQ(w.config.norm_epsilon, 1e-6f);
  EXPECT_STREQ(w.stored_as, "GGUF F32");
  expect_every_tensor_in_place(m, w);
  EXPECT_NE(model->tokenizer.error().find("holds no tokenizer"), std::string::npos);
  // Every tensor lies inside the one buffer the weights own (the backward pass relies on it).
  for (const HandTensor& t : m.tensors) {
    const float* p = pointer_of(w, t.name);
    EXPECT_TRUE(p >= w.data && p + t.values.size() <= w.data + w.floats) << t.name;
  }
}

TEST(GgufModel, Qwen2CarriesBiasesAndRotatesHalves) {
  HandModel m(/*biases=*/true);
  m.arch = "qwen2";
  m.theta = 1e6f;
  m.drop("output.weight");
  auto model = parsed(m.bytes());
  ASSERT_TRUE(model.ok()) << model.error();
  const Weights& w = *model->weights;
  EXPECT_EQ(model->architecture, "qwen2");
  EXPECT_TRUE(w.config.qkv_bias);
  EXPECT_EQ(w.config.rope_style, RopeStyle::kHalves);
  EXPECT_EQ(w.config.rope_theta, 1e6f);
  EXPECT_TRUE(w.config.shared_classifier);
  EXPECT_EQ(w.classifier, w.token_embedding);
  expect_every_tensor_in_place(m, w);
  const Transformer transformer(model->weights);
  RunState state(transformer.config());
  const int tokens[3] = {1, 5, 39};
  const float* logits = forward(transformer, state, tokens, 3);
  for (int i = 0; i < w.config.vocab_size; ++i) ASSERT_TRUE(std::isfinite(logits[i])) << i;
}

TEST(GgufModel, OptionalKeysTakeTheirDefaults) {
  HandModel m;  // without head_count_kv every head has keys and values of its own
  m.write_kv_heads = false;
  for (HandTensor& t : m.tensors)
    if (t.name.find("attn_k.weight") != std::string::npos ||
        t.name.find("attn_v.weight") != std::string::npos) {
      t.shape = {32, 32};
      t.values.assign(32 * 32, 0.01f);
    }
  auto model = parsed(m.bytes());
  ASSERT_TRUE(model.ok()) << model.error();
  EXPECT_EQ(model->weights->config.n_kv_heads, 4);
  EXPECT_EQ(model->weights->config.rope_theta, 10000.0f);
}

}  // namespace
}  // namespace circulant
