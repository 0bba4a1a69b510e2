// What fuzzing found, kept found: token ids inside the vocabulary, a sampler that refuses
// non-finite logits instead of reading past its list, a run that cannot ask for more memory than
// allowed, a linear-time encoder that agrees with the quadratic one, NaN weights (biases too)
// refused.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>

#include "model/generate.h"
#include "model/sampler.h"
#include "model/transformer.h"
#include "test_util.h"

namespace circulant {
namespace {

// A llama2.c tokenizer file: <unk>, <s>, </s>, the 256 byte tokens, then `extra` pieces.
std::vector<uint8_t> tokenizer_file(const std::vector<std::string>& extra,
                                    bool byte_tokens = true) {
  std::vector<std::string> pieces = {"<unk>", "\n<s>\n", "\n</s>\n"};
  if (byte_tokens)
    for (int b = 0; b < 256; ++b) {
      char name[8];
      std::snprintf(name, sizeof name, "<0x%02X>", b);
      pieces.push_back(name);
    }
  pieces.insert(pieces.end(), extra.begin(), extra.end());
  std::vector<uint8_t> bytes(4, 0);
  bytes[0] = 16;  // max_token_length
  float score = 0;
  for (const std::string& p : pieces) {
    const int32_t length = int32_t(p.size());
    bytes.insert(bytes.end(), reinterpret_cast<const uint8_t*>(&score),
                 reinterpret_cast<const uint8_t*>(&score) + 4);
    bytes.insert(bytes.end(), reinterpret_cast<const uint8_t*>(&length),
                 reinterpret_cast<const uint8_t*>(&length) + 4);
    bytes.insert(bytes.end(), p.begin(), p.end());
    score -= 1;  // earlier pieces merge first
  }
  return bytes;
}

TEST(Hardening, EveryEncodedIdIsInsideTheVocabulary) {
  // D1: 8 pieces and no byte tokens used to encode "z" as an id past the vocabulary.
  auto tiny = tokenizer_file({"a", " ", "b", "c", "d"}, /*byte_tokens=*/false);
  EXPECT_FALSE(Tokenizer::parse(tiny.data(), tiny.size(), "tiny.bin", 8).ok());
  const auto file = tokenizer_file({" ", "a", "b", "ab", " a"});
  const int vocab = 3 + 256 + 5;
  auto t = Tokenizer::parse(file.data(), file.size(), "t.bin", vocab);
  ASSERT_TRUE(t.ok()) << t.error();
  for (const char* text : {"z", "ab ab", "\xF0\x9F\x98\x80 \xC3\xA9", "\x80\xFF", ""})
    for (int id : t->encode(text, true, true)) {
      EXPECT_GE(id, 0);
      EXPECT_LT(id, vocab) << text;
    }
}

// The encoder before the priority queue: rescan every pair after every merge.
std::vector<int> quadratic_encode(const Tokenizer& t, const std::vector<std::string>& pieces,
                                  const std::vector<float>& scores, std::vector<int> tokens) {
  auto lookup = [&](const std::string& s) {
    for (size_t i = 0; i < pieces.size(); ++i)
      if (pieces[i] == s) return int(i);
    return -1;
  };
  while (true) {
    int best = -1;
    float best_score = -1e30f;
    int best_id = -1;
    for (size_t i = 0; i + 1 < tokens.size(); ++i) {
      const int id = lookup(pieces[tokens[i]] + pieces[tokens[i + 1]]);
      if (id >= 0 && scores[id] > best_score) best_score = scores[id], best = int(i), best_id = id;
    }
    if (best < 0) break;
    tokens[best] = best_id;
    tokens.erase(tokens.begin() + best + 1);
  }
  (void)t;
  return tokens;
}

TEST(Hardening, LinearEncoderAgreesWithTheQuadraticOne) {
  const std::string path = testing::peer_path("tok512.bin");
  if (!testing::file_exists(path))
    GTEST_SKIP() << "../shared/peer-models is absent; peer tests skipped";
  auto t = Tokenizer::load(path, 512);
  ASSERT_TRUE(t.ok()) << t.error();
  std::vector<std::string> pieces;
  std::vector<float> scores;
  // The scores are not exposed; the file is re-read for the reference.
  auto bytes = read_file_bytes(path, 1 << 20);
  ASSERT_TRUE(bytes.ok());
  size_t at = 4;
  for (int i = 0; i < 512; ++i) {
    float score;
    int32_t length;
    std::memcpy(&score, bytes->data() + at, 4);
    std::memcpy(&length, bytes->data() + at + 4, 4);
    pieces.emplace_back(reinterpret_cast<const char*>(bytes->data() + at + 8), size_t(length));
    scores.push_back(score);
    at += 8 + size_t(length);
  }
  std::mt19937 rng(5);
  const std::string alphabet = "abcdefghijklmnopqrstuvwxyz      .,'\"!?ABCTHE\xC3\xA9";
  for (int trial = 0; trial < 200; ++trial) {
    std::string text;
    const int length = 1 + int(rng() % 120);
    for (int i = 0; i < length; ++i) text += alphabet[rng() % alphabet.size()];
    const std::vector<int> fast = t->encode(text, false);
    // The unmerged symbols: what the encoder starts from.
    std::vector<int> start = {
        410};  // the dummy prefix " " of tok512, then one symbol per code point
    for (size_t i = 0; i < text.size();) {
      size_t n = 1;
      while (i + n < text.size() && n < 4 && (uint8_t(text[i + n]) & 0xC0) == 0x80) ++n;
      int id = -1;
      for (size_t k = 0; k < pieces.size() && id < 0; ++k)
        if (pieces[k] == text.substr(i, n)) id = int(k);
      if (id >= 0)
        start.push_back(id);
      else
        for (size_t k = 0; k < n; ++k) start.push_back(uint8_t(text[i + k]) + 3);
      i += n;
    }
    EXPECT_EQ(fast, quadratic_encode(t.value(), pieces, scores, start)) << "text: " << text;
  }
}

TEST(Hardening, TooLongAPromptIsRefusedBeforeEncoding) {
  const std::string path = testing::peer_path("tok512.bin");
  if (!testing::file_exists(path))
    GTEST_SKIP() << "../shared/peer-models is absent; peer tests skipped";
  auto t = Tokenizer::load(path, 512);
  ASSERT_TRUE(t.ok());
  Config c;
  c.seq_len = 512;
  const std::string huge(200000, 'a');
  auto refused = encode_prompt(t.value(), c, huge);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("200000 bytes"), std::string::npos) << refused.error();
}

TEST(Hardening, SamplerRefusesNonFiniteLogitsAndOverflowingTemperatures) {
  // D2: a temperature so small that logits overflow used to read past an empty candidate list.
  SamplerSettings tiny;
  tiny.temperature = 1e-45f;
  tiny.top_p = 0.9f;
  Sampler sampler(4, tiny);
  std::vector<float> logits = {1.0f, 2.0f, -3.0f, 0.5f};
  auto overflow = sampler.sample(logits.data(), {});
  ASSERT_FALSE(overflow.ok());
  EXPECT_NE(overflow.error().find("temperature"), std::string::npos) << overflow.error();
  SamplerSettings normal;
  normal.temperature = 1.0f;
  Sampler fine(4, normal);
  std::vector<float> broken = {1.0f, NAN, 0.0f, 0.0f};
  auto nan = fine.sample(broken.data(), {});
  ASSERT_FALSE(nan.ok());
  EXPECT_NE(nan.error().find("not a finite number"), std::string::npos);
  std::vector<float> good = {1.0f, 2.0f, 3.0f, 4.0f};
  auto token = fine.sample(good.data(), {});
  ASSERT_TRUE(token.ok());
  EXPECT_GE(token.value(), 0);
  EXPECT_LT(token.value(), 4);
}

TEST(Hardening, RunMemoryIsCheckedBeforeAllocating) {
  // D3: seq_len costs no bytes in the file, but 2^20 positions × 64 layers of KV cache is 32 GiB.
  Config c{64, 1, 64, 1, 1, 32, 1 << 20, true};
  const std::vector<uint8_t> bytes = testing::random_checkpoint(c, 1);
  auto refused = parse_checkpoint(ModelBytes::copy_of(bytes.data(), bytes.size()), "huge.bin",
                                  {uint64_t(1) << 34});
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("needs 32.00 GiB for its KV cache"), std::string::npos)
      << refused.error();
  EXPECT_NE(refused.error().find("huge.bin"), std::string::npos);
  c.seq_len = 16;  // the same model with a short context runs
  const std::vector<uint8_t> small = testing::random_checkpoint(c, 1);
  EXPECT_TRUE(parse_checkpoint(ModelBytes::copy_of(small.data(), small.size()), "small.bin").ok());
}

TEST(Hardening, NanAndInfiniteWeightsAreRefusedNamingTheTensor) {
  // D5: such a model printed null for every logit and <unk> for every token.
  const Config c{16, 32, 2, 2, 2, 32, 8, true};
  std::vector<uint8_t> bytes = testing::random_checkpoint(c, 3);
  const auto weights = parse_checkpoint(ModelBytes::copy_of(bytes.data(), bytes.size()), "ok.bin");
  ASSERT_TRUE(weights.ok());
  const size_t offset =
      28 + (weights.value()->layers[1].w2 - weights.value()->data) * sizeof(float);
  const float nan = NAN, inf = INFINITY;
  std::memcpy(bytes.data() + offset + 4 * 5, &nan, 4);
  auto refused = parse_checkpoint(ModelBytes::copy_of(bytes.data(), bytes.size()), "nan.bin");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("weight 5 of layer 1 w2 is NaN"), std::string::npos)
      << refused.error();
  std::memcpy(bytes.data() + offset + 4 * 5, &inf, 4);
  refused = parse_checkpoint(ModelBytes::copy_of(bytes.data(), bytes.size()), "inf.bin");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("is infinite"), std::string::npos) << refused.error();
}

// qwen2's q/k/v biases are tensors of the table: checked for NaN by name, and counted (as
// attention) only where the model has them.
TEST(Hardening, AttentionBiasesAreCheckedAndCountedWhereTheModelHasThem) {
  const Config without_biases{16, 32, 2, 4, 2, 32, 8, true};
  Config c = without_biases;
  const ParameterCounts without = count_parameters(c);
  c.qkv_bias = true;
  const ParameterCounts with = count_parameters(c);
  EXPECT_EQ(with.attention - without.attention, 16 + 2 * 8);
  EXPECT_EQ(with.per_layer() - without.per_layer(), 16 + 2 * 8);
  EXPECT_EQ(with.embedding, without.embedding);
  const auto weights = testing::random_weights_with_architecture(c, 3);
  ASSERT_TRUE(weights);
  EXPECT_TRUE(check_finite(*weights, "ok.gguf").ok());
  Weights bad = *weights;
  std::vector<float> bk(weights->layers[1].bk, weights->layers[1].bk + c.kv_dim());
  bk[3] = NAN;
  bad.layers[1].bk = bk.data();
  const Status refused = check_finite(bad, "nan.gguf");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("nan.gguf: weight 3 of layer 1 bk is NaN"), std::string::npos)
      << refused.error();
  const Transformer model(weights);
  const Transformer plain(testing::random_weights_with_architecture(without_biases, 3));
  EXPECT_EQ(model.total_parameters() - plain.total_parameters(), 2 * (16 + 2 * 8));
}

}  // namespace
}  // namespace circulant
