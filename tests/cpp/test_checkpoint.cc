// Checkpoints: both llama2.c formats and our float16 one, written and read, and a clear error for
// every kind of bad file.
#include <gtest/gtest.h>

#include <cstring>

#include "kernels/half_float.h"
#include "model/checkpoint.h"
#include "test_util.h"

namespace circulant {
namespace {

const Config kSmall{32, 64, 2, 4, 2, 40, 16, true};

std::string error_of(const std::vector<uint8_t>& bytes) {
  auto w = parse_checkpoint(ModelBytes::copy_of(bytes.data(), bytes.size()), "model.bin");
  return w.ok() ? "" : w.error();
}

void set_header_field(std::vector<uint8_t>& bytes, int index, int32_t value) {
  std::memcpy(bytes.data() + 4 * index, &value, 4);
}

void append_floats(std::vector<uint8_t>& out, const float* p, size_t n) {
  const uint8_t* b = reinterpret_cast<const uint8_t*>(p);
  out.insert(out.end(), b, b + n * sizeof(float));
}

// llama2.c's export.py version 1: 256-byte header, then norms first, then the matrices.
std::vector<uint8_t> to_version1(const Weights& w) {
  const Config& c = w.config;
  std::vector<uint8_t> out(256, 0);
  const int32_t head[9] = {0x616b3432, 1,         c.dim,        c.hidden_dim,
                           c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size,
                           c.seq_len};
  std::memcpy(out.data(), head, sizeof head);
  out[36] = c.shared_classifier ? 1 : 0;
  const size_t dim = c.dim, kv = c.kv_dim(), hidden = c.hidden_dim;
  for (auto& l : w.layers) append_floats(out, l.rms_attention, dim);
  for (auto& l : w.layers) append_floats(out, l.rms_ffn, dim);
  append_floats(out, w.rms_final, dim);
  append_floats(out, w.token_embedding, c.vocab_size * dim);
  for (auto& l : w.layers) append_floats(out, l.wq, dim * dim);
  for (auto& l : w.layers) append_floats(out, l.wk, kv * dim);
  for (auto& l : w.layers) append_floats(out, l.wv, kv * dim);
  for (auto& l : w.layers) append_floats(out, l.wo, dim * dim);
  for (auto& l : w.layers) append_floats(out, l.w1, hidden * dim);
  for (auto& l : w.layers) append_floats(out, l.w2, hidden * dim);
  for (auto& l : w.layers) append_floats(out, l.w3, hidden * dim);
  if (!c.shared_classifier) append_floats(out, w.classifier, c.vocab_size * dim);
  return out;
}

TEST(Checkpoint, Version1ExportLoadsTheSameWeightsAsLegacyAndConvertWritesIt) {
  for (bool shared : {true, false}) {
    Config c = kSmall;
    c.shared_classifier = shared;
    auto legacy = testing::random_weights(c, 7);
    ASSERT_NE(legacy, nullptr);
    const auto v1_bytes = to_version1(*legacy);
    // circulant convert's float32 output is export.py's version 1, byte for byte.
    EXPECT_EQ(serialize_checkpoint(*legacy, false).value(), v1_bytes);
    auto v1 = parse_checkpoint(ModelBytes::copy_of(v1_bytes.data(), v1_bytes.size()), "v1.bin");
    ASSERT_TRUE(v1.ok()) << v1.error();
    EXPECT_EQ(v1.value()->config.shared_classifier, shared);
    const size_t dim = c.dim, hidden = c.hidden_dim;
    EXPECT_EQ(0, std::memcmp(v1.value()->layers[1].w2, legacy->layers[1].w2, dim * hidden * 4));
    EXPECT_EQ(0, std::memcmp(v1.value()->classifier, legacy->classifier, c.vocab_size * dim * 4));
    EXPECT_EQ(0, std::memcmp(v1.value()->rms_final, legacy->rms_final, dim * 4));
  }
}

TEST(Checkpoint, RejectsTruncatedAndOversizedFiles) {
  auto bytes = testing::random_checkpoint(kSmall, 1);
  ASSERT_EQ(error_of(bytes), "");
  auto truncated = bytes;
  truncated.resize(bytes.size() - 4);
  EXPECT_NE(error_of(truncated).find("truncated"), std::string::npos) << error_of(truncated);
  auto longer = bytes;
  longer.resize(bytes.size() + 4);
  EXPECT_NE(error_of(longer).find("trailing data"), std::string::npos) << error_of(longer);
  EXPECT_NE(error_of({1, 2, 3}).find("too short"), std::string::npos);
  EXPECT_NE(error_of({}).find("too short"), std::string::npos);
}

TEST(Checkpoint, RejectsAbsurdHeaderValuesNamingTheField) {
  const auto good = testing::random_checkpoint(kSmall, 1);
  struct Case {
    int field;
    int32_t value;
    const char* expected;
  };
  const Case cases[] = {
      {0, 0, "dim is 0"},
      {0, -5, "dim is -5"},
      {1, 0, "hidden_dim is 0"},
      {2, 0, "n_layers is 0"},
      {3, 0, "n_heads is 0"},
      {3, 5, "does not divide dim"},
      {4, 3, "does not divide n_heads"},
      {4, 8, "n_kv_heads is 8"},
      {6, 0, "seq_len is 0"},
      {5, 0, "vocab_size is 0"},
      {5, INT32_MIN, "vocab_size"},
      {0, 1 << 30, "dim is"},
  };
  for (const Case& k : cases) {
    auto bytes = good;
    set_header_field(bytes, k.field, k.value);
    EXPECT_NE(error_of(bytes).find(k.expected), std::string::npos)
        << "field " << k.field << " = " << k.value << ": " << error_of(bytes);
  }
}

TEST(Checkpoint, HugeButValidHeaderIsRejectedByLengthWithoutAllocating) {
  // Every product here is far beyond memory; the loader must compare lengths, not allocate.
  auto bytes = testing::random_checkpoint(kSmall, 1);
  const int32_t huge[7] = {65536, 262144, 1024, 64, 8, 1 << 20, 1 << 20};
  std::memcpy(bytes.data(), huge, sizeof huge);
  const std::string e = error_of(bytes);
  EXPECT_NE(e.find("header implies"), std::string::npos) << e;
}

TEST(Checkpoint, WrongVersionAndForeignFormatsAreNamed) {
  Config c = kSmall;
  auto v1 = to_version1(*testing::random_weights(c, 2));
  set_header_field(v1, 1, 2);
  EXPECT_NE(error_of(v1).find("version 2 is not supported"), std::string::npos) << error_of(v1);
  std::vector<uint8_t> gguf(1000, 0);
  std::memcpy(gguf.data(), "GGUF\3\0\0\0", 8);
  EXPECT_NE(error_of(gguf).find("is this a llama2.c checkpoint"), std::string::npos)
      << error_of(gguf);
}

TEST(Checkpoint, FileErrorsNameThePathAndRespectTheSizeLimit) {
  auto missing = load_checkpoint("/nonexistent/model.bin");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().find("/nonexistent/model.bin"), std::string::npos);
  const std::string path = testing::temp_path("limit.bin");
  testing::write_file(path, testing::random_checkpoint(kSmall, 3));
  EXPECT_TRUE(load_checkpoint(path).ok());
  auto limited = load_checkpoint(path, LoadLimits{1000});
  ASSERT_FALSE(limited.ok());
  EXPECT_NE(limited.error().find("limit"), std::string::npos) << limited.error();
}

// Every weight the model reads, tensor by tensor (the classifier too when it is the embedding).
std::vector<float> all_weights(const Weights& w) {
  std::vector<float> out;
  const Config& c = w.config;
  const size_t dim = c.dim, kv = c.kv_dim(), hidden = c.hidden_dim, vocab = c.vocab_size;
  auto add = [&](const float* p, size_t n) { out.insert(out.end(), p, p + n); };
  add(w.token_embedding, vocab * dim), add(w.rms_final, dim), add(w.classifier, vocab * dim);
  for (const auto& l : w.layers) {
    add(l.rms_attention, dim), add(l.wq, dim * dim), add(l.wk, kv * dim), add(l.wv, kv * dim);
    add(l.wo, dim * dim), add(l.rms_ffn, dim), add(l.w1, hidden * dim), add(l.w2, hidden * dim);
    add(l.w3, hidden * dim);
  }
  return out;
}

// The float16 checkpoint is the model whose every weight is the nearest float16 of the original:
// read back, each weight equals round_to_half of the float32 one; written again, the same bytes.
TEST(Checkpoint, Float16CheckpointHoldsEachWeightRoundedToFloat16) {
  for (bool shared : {true, false}) {
    Config c = kSmall;
    c.shared_classifier = shared;
    auto w = testing::random_weights(c, 12, 3.0f);
    auto bytes = serialize_checkpoint(*w, true);
    ASSERT_TRUE(bytes.ok()) << bytes.error();
    auto half = parse_checkpoint(ModelBytes::copy_of(bytes->data(), bytes->size()), "m16.bin");
    ASSERT_TRUE(half.ok()) << half.error();
    EXPECT_STREQ(half.value()->stored_as, "float16");
    EXPECT_EQ(half.value()->config.shared_classifier, shared);
    EXPECT_EQ(bytes->size(), 256 + half.value()->floats * 2);
    const std::vector<float> original = all_weights(*w), read = all_weights(*half.value());
    ASSERT_EQ(original.size(), read.size());
    size_t changed = 0;
    for (size_t i = 0; i < read.size(); ++i) {
      ASSERT_EQ(read[i], round_to_half(original[i])) << "weight " << i;
      changed += read[i] != original[i];
    }
    EXPECT_GT(changed, read.size() / 2) << "float16 rounds most random floats";
    auto again = serialize_checkpoint(*half.value(), true);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again.value(), bytes.value());
  }
}

TEST(Checkpoint, Float16FileErrorsAreNamed) {
  auto w = testing::random_weights(kSmall, 13);
  auto bytes = serialize_checkpoint(*w, true).value();
  auto truncated = bytes;
  truncated.resize(bytes.size() - 2);
  EXPECT_NE(error_of(truncated).find("truncated"), std::string::npos) << error_of(truncated);
  auto newer = bytes;
  set_header_field(newer, 1, 2);
  EXPECT_NE(error_of(newer).find("float16 checkpoint version 2 is not supported"),
            std::string::npos)
      << error_of(newer);
  auto short_header = bytes;
  short_header.resize(100);
  EXPECT_NE(error_of(short_header).find("too short for a float16 checkpoint header"),
            std::string::npos)
      << error_of(short_header);
  // The limit counts the weights as they will be held (float32), not the file's bytes.
  const uint64_t widened = (bytes.size() - 256) * 2;
  auto limited = parse_checkpoint(ModelBytes::copy_of(bytes.data(), bytes.size()), "m16.bin",
                                  LoadLimits{widened - 1});
  ASSERT_FALSE(limited.ok());
  EXPECT_NE(limited.error().find("as float32, more than the limit"), std::string::npos)
      << limited.error();
  EXPECT_TRUE(parse_checkpoint(ModelBytes::copy_of(bytes.data(), bytes.size()), "m16.bin",
                               LoadLimits{widened})
                  .ok());
}

// A weight float16 cannot hold is refused by name, not written as infinity.
TEST(Checkpoint, Float16WriterRefusesAWeightBeyondItsRange) {
  auto bytes = testing::random_checkpoint(kSmall, 14);
  const float big = 1e6f;
  std::memcpy(bytes.data() + 28, &big, 4);  // legacy: the token embedding's first weight
  auto w = parse_checkpoint(ModelBytes::copy_of(bytes.data(), bytes.size()), "big.bin");
  ASSERT_TRUE(w.ok()) << w.error();
  auto refused = serialize_checkpoint(*w.value(), true);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().find("weight 0 of token_embedding is 1000000"), std::string::npos)
      << refused.error();
  EXPECT_NE(refused.error().find("keep this model in float32"), std::string::npos);
  EXPECT_TRUE(serialize_checkpoint(*w.value(), false).ok());
}

}  // namespace
}  // namespace circulant
