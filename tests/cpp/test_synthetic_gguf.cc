// The synthetic-model maker the browser suite and the benchmarks use (tests/tools): its random
// blocks decode to the spread asked for in every type, and its files load in this engine with the
// shapes, architecture, classifier and types asked for; bad flags get one line.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "cli_runner.h"
#include "model/gguf_model.h"
#include "synthetic_tensors.h"
#include "test_util.h"

namespace circulant {
namespace {

using synthetic::random_tensor;
using synthetic::Rng;

struct Spread {
  double rms = 0, mean = 0;
  bool finite = true;
};

Spread spread_of(const float* x, size_t n) {
  Spread s;
  for (size_t i = 0; i < n; ++i) {
    s.finite = s.finite && std::isfinite(x[i]);
    s.rms += double(x[i]) * x[i];
    s.mean += x[i];
  }
  s.rms = std::sqrt(s.rms / double(n));
  s.mean /= double(n);
  return s;
}

constexpr GgufType kEveryType[] = {GgufType::kF32,  GgufType::kF16,  GgufType::kBF16,
                                   GgufType::kQ8_0, GgufType::kQ4_0, GgufType::kQ4_K,
                                   GgufType::kQ5_K, GgufType::kQ6_K};

TEST(SyntheticTensors, EveryTypeDecodesToTheAskedSpreadAroundZero) {
  constexpr uint64_t kCount = 256 * 64;
  constexpr float kRms = 0.05f;
  for (GgufType type : kEveryType) {
    Rng rng(7);
    const std::vector<uint8_t> bytes = random_tensor(type, kCount, kRms, rng);
    std::vector<float> values(kCount);
    dequantize(uint32_t(type), bytes.data(), kCount, values.data());
    const Spread s = spread_of(values.data(), kCount);
    const char* name = gguf_type_name(uint32_t(type));
    EXPECT_TRUE(s.finite) << name;
    EXPECT_NEAR(s.rms, kRms, 0.15 * kRms) << name;
    EXPECT_LT(std::fabs(s.mean), 0.15 * kRms) << name;
  }
}

std::string maker() { return CIRCULANT_SYNTHETIC_PATH; }

// Makes a file with these flags and loads it.
GgufModel made(const std::string& flags, const std::string& name) {
  const std::string path = testing::temp_path(name + ".gguf");
  const auto o = testing::run_shell(maker() + " " + flags + " --out " + path + " 2>&1");
  EXPECT_EQ(o.status, 0) << o.output;
  auto model = load_gguf_model(path);
  EXPECT_TRUE(model.ok()) << (model.ok() ? "" : model.error());
  return model.ok() ? std::move(model.value()) : GgufModel{};
}

TEST(SyntheticGguf, EveryTypeLoadsWithTheAskedShapeAndTokenizer) {
  for (const char* type :
       {"f32", "f16", "bf16", "q8_0", "q4_0", "q4_k", "q5_k", "q6_k", "q4_k_m"}) {
    const GgufModel m =
        made(std::string("--dim 256 --hidden 512 --heads 4 --kv-heads 2 --layers 2 ") +
                 "--vocab 300 --classifier separate --type " + type,
             type);
    ASSERT_TRUE(m.weights) << type;
    const Config& c = m.weights->config;
    EXPECT_EQ(c.dim, 256);
    EXPECT_EQ(c.hidden_dim, 512);
    EXPECT_EQ(c.n_kv_heads, 2);
    EXPECT_EQ(c.vocab_size, 300);
    EXPECT_FALSE(c.shared_classifier);
    EXPECT_TRUE(m.tokenizer.ok()) << type;
    // Matrices at 1/sqrt(row length), as asked; the 15 % covers each type's coarser scales.
    const Spread gate = spread_of(m.weights->layers[1].w1, 512 * 256);
    EXPECT_NEAR(gate.rms, 1 / 16.0, 0.15 / 16) << type;
  }
}

TEST(SyntheticGguf, Qwen2HasBiasesAndHalvesRope) {
  const GgufModel m = made("--arch qwen2 --dim 64 --heads 4 --kv-heads 2 --type q8_0", "qwen2");
  ASSERT_TRUE(m.weights);
  EXPECT_EQ(m.architecture, "qwen2");
  EXPECT_TRUE(m.weights->config.qkv_bias);
  EXPECT_EQ(m.weights->config.rope_style, RopeStyle::kHalves);
  EXPECT_TRUE(m.weights->config.shared_classifier);
}

TEST(SyntheticGguf, RowsThatAreNotWholeBlocksFallBackAndAreNamed) {
  const std::string path = testing::temp_path("fallback.gguf");
  const auto o = testing::run_shell(
      maker() + " --dim 96 --hidden 256 --heads 3 --type q4_k --out " + path + " 2>&1");
  EXPECT_EQ(o.status, 0) << o.output;
  EXPECT_NE(o.output.find("ffn_gate.weight"), std::string::npos) << o.output;
  EXPECT_TRUE(load_gguf_model(path).ok());
}

TEST(SyntheticGguf, BadFlagsGetOneLine) {
  for (const auto& [flags, expected] :
       {std::pair<std::string, std::string>{"--out x.gguf --type q2_k", "--type q2_k"},
        {"--out x.gguf --heads 5", "--heads must divide"},
        {"--out x.gguf --vocab 100", "--vocab must exceed 259"},
        {"--out x.gguf --arch gpt2", "--arch is llama or qwen2"},
        {"--dim 64", "--out FILE.gguf is required"},
        {"--out x.gguf --frobnicate 1", "unknown flag --frobnicate"}})
    testing::expect_clear_outcome(testing::run_shell(maker() + " " + flags + " 2>&1"), flags,
                                  expected);
}

}  // namespace
}  // namespace circulant
