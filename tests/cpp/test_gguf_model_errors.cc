// GGUF models that cannot be run as they are, each refused with one line that names the file, the
// key or tensor and what is wrong; and the memory a model needs checked before it is allocated.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "gguf_fixture.h"

namespace circulant {
namespace {

using testing::HandModel;
using testing::HandTensor;
using testing::parsed;

void expect_refused(const HandModel& m, const std::string& text, const LoadLimits& limits = {}) {
  auto model = parsed(m.bytes(), limits);
  ASSERT_FALSE(model.ok()) << text;
  EXPECT_EQ(model.error().rfind("m.gguf: ", 0), 0u) << model.error();
  EXPECT_NE(model.error().find(text), std::string::npos) << model.error();
  EXPECT_EQ(model.error().find('\n'), std::string::npos) << model.error();
}

TEST(GgufModelErrors, ArchitecturesOtherThanLlamaAndQwen2AreNamed) {
  HandModel m;
  m.arch = "falcon";
  expect_refused(m, "architecture 'falcon' is not supported; this engine runs llama and qwen2");
  m.arch = "gpt2";
  expect_refused(m, "architecture 'gpt2' is not supported");
}

TEST(GgufModelErrors, MissingExtraAndMisshapenTensorsAreNamed) {
  HandModel missing;
  missing.drop("blk.1.ffn_up.weight");
  expect_refused(missing, "tensor blk.1.ffn_up.weight is missing");
  HandModel no_embedding;
  no_embedding.drop("token_embd.weight");
  expect_refused(no_embedding, "tensor token_embd.weight is missing");
  HandModel transposed;  // attn_k as (dim, kv_dim) instead of (kv_dim, dim)
  transposed.tensor("blk.0.attn_k.weight").shape = {16, 32};
  expect_refused(
      transposed,
      "tensor blk.0.attn_k.weight has shape [16, 32] where the metadata implies [32, 16]");
  HandModel extra;
  extra.add("rope_freqs.weight", {8});
  expect_refused(extra, "tensor rope_freqs.weight is not part of a llama model of 2 layers");
  HandModel layer;
  layer.add("blk.2.attn_norm.weight", {32});
  expect_refused(layer, "tensor blk.2.attn_norm.weight is not part of");
  HandModel bias;
  bias.add("blk.0.attn_q.bias", {32});
  expect_refused(bias, "(biases are qwen2's)");
  HandModel qwen2;  // qwen2 without its biases
  qwen2.arch = "qwen2";
  expect_refused(qwen2, "tensor blk.0.attn_q.bias is missing");
}

TEST(GgufModelErrors, NaNAndInfinityAreNamedWithTheTensor) {
  HandModel nan;
  nan.tensor("blk.1.ffn_gate.weight").values[17] = std::nanf("");
  expect_refused(nan, "weight 17 of layer 1 w1 is NaN");
  HandModel inf(/*biases=*/true);
  inf.arch = "qwen2";
  inf.tensor("blk.0.attn_v.bias").values[3] = std::numeric_limits<float>::infinity();
  expect_refused(inf, "weight 3 of layer 0 bv is infinite");
}

TEST(GgufModelErrors, HyperparametersMustBeThereAndAgree) {
  HandModel no_epsilon;
  no_epsilon.write_epsilon = false;
  expect_refused(no_epsilon, "the metadata lacks llama.attention.layer_norm_rms_epsilon");
  HandModel groups;
  groups.c.n_kv_heads = 3;
  expect_refused(groups, "n_kv_heads 3 does not divide n_heads 4");
  HandModel rotary;
  rotary.extra_keys.push_back([](GgufWriter& w) { w.add_uint32("llama.rope.dimension_count", 4); });
  expect_refused(rotary, "llama.rope.dimension_count is 4, expected 8 to 8");
  HandModel experts;
  experts.extra_keys.push_back([](GgufWriter& w) { w.add_uint32("llama.expert_count", 8); });
  expect_refused(experts, "mixtures of experts are not supported");
  HandModel yarn;
  yarn.extra_keys.push_back([](GgufWriter& w) { w.add_string("llama.rope.scaling.type", "yarn"); });
  expect_refused(yarn, "llama.rope.scaling.type is 'yarn'; scaled RoPE is not supported yet");
  HandModel theta;
  theta.extra_keys.push_back([](GgufWriter& w) { w.add_float32("llama.rope.freq_base", -5); });
  expect_refused(theta, "llama.rope.freq_base is -5");
  HandModel text;
  text.extra_keys.push_back([](GgufWriter& w) { w.add_string("llama.vocab_size", "40"); });
  expect_refused(text, "llama.vocab_size is a string, expected an integer");
  HandModel heads;
  heads.c.n_heads = 0;
  expect_refused(heads, "llama.attention.head_count is 0, expected 1 to");
}

TEST(GgufModelErrors, MemoryIsCheckedBeforeTheWeightsAreAllocated) {
  HandModel m;
  for (HandTensor& t : m.tensors)
    if (t.shape.size() == 2 && t.shape[0] % 32 == 0) t.type = GgufType::kQ8_0;
  const auto bytes = m.bytes();
  LoadLimits run;
  run.max_run_bytes = 1000;
  expect_refused(m, "running this model needs", run);
  LoadLimits widened;  // the file fits, its float32 weights do not
  widened.max_file_bytes = bytes.size() + 1;
  expect_refused(m, "as float32, more than the limit of", widened);
  LoadLimits file;
  file.max_file_bytes = bytes.size() - 1;
  expect_refused(m, "more than the limit of", file);
}

}  // namespace
}  // namespace circulant
