// serialize_gguf read back by parse_gguf_model: bit for bit in F32, the tensors and hyperparameters
// of llama and qwen2 models; and the tokenizer written into a GGUF file and read out of it.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <iterator>
#include <string>
#include <vector>

#include "gguf_fixture.h"
#include "model/gguf_file.h"
#include "model/gguf_tokenizer.h"

namespace circulant {
namespace {

using testing::HandModel;
using testing::parsed;

const float* data_of(const Weights& w, const GgufTensorEntry& e) {
  return e.layer >= 0 ? w.layers[size_t(e.layer)].*(e.spec->pointer.layer)
                      : w.*(e.spec->pointer.model);
}

void expect_same_model(const Weights& a, const Weights& b) {
  const Config &x = a.config, &y = b.config;
  const int xs[] = {x.dim,        x.hidden_dim, x.n_layers, x.n_heads,
                    x.n_kv_heads, x.vocab_size, x.seq_len};
  const int ys[] = {y.dim,        y.hidden_dim, y.n_layers, y.n_heads,
                    y.n_kv_heads, y.vocab_size, y.seq_len};
  EXPECT_EQ(std::vector<int>(std::begin(xs), std::end(xs)),
            std::vector<int>(std::begin(ys), std::end(ys)));
  EXPECT_EQ(x.shared_classifier, y.shared_classifier);
  EXPECT_EQ(x.rope_theta, y.rope_theta);
  EXPECT_EQ(x.norm_epsilon, y.norm_epsilon);
  EXPECT_EQ(x.rope_style, y.rope_style);
  EXPECT_EQ(x.qkv_bias, y.qkv_bias);
  for (const GgufTensorEntry& e : gguf_tensors_of(x))
    EXPECT_EQ(std::memcmp(data_of(a, e), data_of(b, e), e.spec->floats(x) * sizeof(float)), 0)
        << e.name;
}

TEST(GgufRoundTrip, F32FilesReadBackBitForBit) {
  for (bool shared : {true, false}) {
    Config c{32, 48, 2, 4, 2, 40, 16, shared};
    auto original = testing::random_weights(c, 3);
    ASSERT_NE(original, nullptr);
    auto written = serialize_gguf(*original, nullptr, GgufType::kF32, "random");
    ASSERT_TRUE(written.ok()) << written.error();
    EXPECT_TRUE(written->f16_fallbacks.empty());
    auto back = parsed(written->bytes);
    ASSERT_TRUE(back.ok()) << back.error();
    expect_same_model(*original, *back->weights);
    EXPECT_EQ(back->architecture, "llama");
  }
  HandModel qwen2(/*biases=*/true);
  qwen2.arch = "qwen2";
  qwen2.theta = 1e6f;
  auto first = parsed(qwen2.bytes());
  ASSERT_TRUE(first.ok()) << first.error();
  auto written = serialize_gguf(*first->weights, nullptr, GgufType::kF32, "qwen2");
  ASSERT_TRUE(written.ok()) << written.error();
  auto back = parsed(written->bytes);
  ASSERT_TRUE(back.ok()) << back.error();
  EXPECT_EQ(back->architecture, "qwen2");
  expect_same_model(*first->weights, *back->weights);
}

TEST(GgufRoundTrip, QuantizedFilesNameWhatTheyKeepInF16AndRefuseWhatTheyCannotHold) {
  auto w = testing::random_weights(Config{32, 48, 2, 4, 2, 40, 16, true}, 5);
  ASSERT_NE(w, nullptr);
  auto q8 = serialize_gguf(*w, nullptr, GgufType::kQ8_0, "random");
  ASSERT_TRUE(q8.ok()) << q8.error();
  // ffn_down's rows hold hidden_dim = 48 values: not whole blocks of 32.
  EXPECT_EQ(q8->f16_fallbacks,
            (std::vector<std::string>{"blk.0.ffn_down.weight", "blk.1.ffn_down.weight"}));
  auto file = GgufFile::parse(q8->bytes.data(), q8->bytes.size(), "q8.gguf");
  ASSERT_TRUE(file.ok()) << file.error();
  EXPECT_EQ(file->tensor("blk.0.ffn_down.weight")->type, uint32_t(GgufType::kF16));
  EXPECT_EQ(file->tensor("blk.0.ffn_up.weight")->type, uint32_t(GgufType::kQ8_0));
  EXPECT_EQ(file->tensor("blk.0.ffn_norm.weight")->type, uint32_t(GgufType::kF32));
  EXPECT_EQ(file->whole("general.file_type", 0, 100).value(), 7);
  EXPECT_EQ(file->alignment(), 32u);
  ASSERT_TRUE(parsed(q8->bytes).ok());
  // A weight beyond float16 is refused by F16, naming the tensor.
  std::vector<float> values(w->floats);
  std::memcpy(values.data(), w->data, w->floats * sizeof(float));
  Weights big = *w;
  values[size_t(w->layers[1].wo - w->data) + 3] = 1e6f;
  big.layers[1].wo = values.data() + (w->layers[1].wo - w->data);
  auto f16 = serialize_gguf(big, nullptr, GgufType::kF16, "big");
  ASSERT_FALSE(f16.ok());
  EXPECT_NE(f16.error().find("weight 3 of blk.1.attn_output.weight is 1000000"), std::string::npos)
      << f16.error();
  EXPECT_FALSE(serialize_gguf(*w, nullptr, GgufType::kQ4_K, "x").ok());
}

// A tokenizer.bin of llama2.c's layout: <unk>, BOS, EOS, the 256 byte tokens, then `extra`.
std::vector<uint8_t> tokenizer_bin(const std::vector<std::string>& extra) {
  std::vector<std::string> pieces = {"<unk>", "\n<s>\n", "\n</s>\n"};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    pieces.push_back(name);
  }
  pieces.insert(pieces.end(), extra.begin(), extra.end());
  std::vector<uint8_t> out;
  append_le<int32_t>(out, 16);
  float score = 0;
  for (const std::string& p : pieces) {
    append_le(out, score -= 0.5f);
    append_le<int32_t>(out, int32_t(p.size()));
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

constexpr int kVocab = 3 + 256 + 6;
const std::vector<std::string> kExtra = {" ", "a", "b", " a", " ab", "\xC3\xA9"};

Tokenizer original_tokenizer() {
  const auto bin = tokenizer_bin(kExtra);
  return Tokenizer::parse(bin.data(), bin.size(), "t.bin", kVocab).value();
}

// The tokenizer's keys as a llama model's GGUF holds them, written here by hand; `edit` changes
// the keys before they are written.
struct HandTokenizer {
  std::string model = "llama";
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  int bos = 1;
  bool add_bos = true;
  HandTokenizer() {
    const Tokenizer t = original_tokenizer();
    for (int i = 0; i < kVocab; ++i) {
      std::string p = t.piece(i);
      for (size_t at = p.find(' '); at != std::string::npos; at = p.find(' ', at))
        p.replace(at, 1, "\xE2\x96\x81");
      tokens.push_back(i == 1 ? "<s>" : i == 2 ? "</s>" : p);
      types.push_back(i == 0 ? 2 : i < 3 ? 3 : i < 259 ? 6 : 1);
    }
  }
  Result<Tokenizer> read(std::vector<uint8_t>& bytes) const {
    GgufWriter w;
    w.add_string("tokenizer.ggml.model", model);
    w.add_strings("tokenizer.ggml.tokens", tokens);
    std::vector<float> scores;
    for (int i = 0; i < kVocab; ++i) scores.push_back(original_tokenizer().score(i));
    w.add_float32s("tokenizer.ggml.scores", scores);
    w.add_int32s("tokenizer.ggml.token_type", types);
    w.add_uint32("tokenizer.ggml.bos_token_id", uint32_t(bos));
    w.add_bool("tokenizer.ggml.add_bos_token", add_bos);
    bytes = w.bytes();
    auto f = GgufFile::parse(bytes.data(), bytes.size(), "t.gguf");
    if (!f.ok()) return Error{f.error()};
    return gguf_tokenizer(f.value(), kVocab);
  }
};

void expect_same_tokenizer(const Tokenizer& a, const Tokenizer& b) {
  for (int i = 0; i < kVocab; ++i) {
    EXPECT_EQ(a.piece(i), b.piece(i)) << i;
    EXPECT_EQ(a.score(i), b.score(i)) << i;
  }
  for (const char* text : {"ab a b", "ab\xC3\xA9", "zz\n\t", "  a", "\xF0\x9F\x98\x80 ab"})
    EXPECT_EQ(a.encode(text), b.encode(text)) << text;
}

TEST(GgufTokenizer, ALlamaVocabularyEncodesAndDecodesAsTokenizerBin) {
  const Tokenizer original = original_tokenizer();
  std::vector<uint8_t> bytes;
  auto hand = HandTokenizer().read(bytes);
  ASSERT_TRUE(hand.ok()) << hand.error();
  expect_same_tokenizer(hand.value(), original);
  // Our writer spells the file as a llama model's is spelled.
  GgufWriter w;
  add_gguf_tokenizer(w, original);
  bytes = w.bytes();
  auto f = GgufFile::parse(bytes.data(), bytes.size(), "t.gguf");
  ASSERT_TRUE(f.ok()) << f.error();
  EXPECT_EQ(f->strings("tokenizer.ggml.tokens", kVocab).value(), HandTokenizer().tokens);
  EXPECT_EQ(f->int32s("tokenizer.ggml.token_type", kVocab).value(), HandTokenizer().types);
  auto written = gguf_tokenizer(f.value(), kVocab);
  ASSERT_TRUE(written.ok()) << written.error();
  expect_same_tokenizer(written.value(), original);
}

TEST(GgufTokenizer, TokenizersThisEngineCannotRunAreRefusedByName) {
  auto error_of = [](const HandTokenizer& t) {
    std::vector<uint8_t> bytes;
    auto read = t.read(bytes);
    return read.ok() ? std::string() : read.error();
  };
  HandTokenizer bert;
  bert.model = "bert";
  EXPECT_NE(error_of(bert).find("t.gguf: its tokenizer is 'bert', which this engine does not run: "
                                "only 'llama' (SentencePiece) and 'gpt2'"),
            std::string::npos);
  HandTokenizer gpt2;  // a gpt2 tokenizer needs its merges
  gpt2.model = "gpt2";
  EXPECT_NE(error_of(gpt2).find("t.gguf: its gpt2 tokenizer has no merges"), std::string::npos);
  HandTokenizer bos;
  bos.bos = 5;
  EXPECT_NE(error_of(bos).find("bos_token_id is 5, but this engine's BOS is token 1"),
            std::string::npos);
  HandTokenizer no_bos;
  no_bos.add_bos = false;
  EXPECT_NE(error_of(no_bos).find("add_bos_token is false"), std::string::npos);
  HandTokenizer types;
  types.types[7] = 9;
  EXPECT_NE(error_of(types).find("token 7 has type 9"), std::string::npos);
  HandTokenizer fewer;
  fewer.tokens.pop_back();
  EXPECT_NE(error_of(fewer).find("tokenizer.ggml.tokens has 264 elements where 265"),
            std::string::npos);
  HandTokenizer no_bytes;
  no_bytes.tokens[100] = "x";
  EXPECT_NE(error_of(no_bytes).find("t.gguf (its tokenizer): the vocabulary lacks the 256 byte"),
            std::string::npos);
  GgufWriter none;
  const auto bytes = none.bytes();
  auto f = GgufFile::parse(bytes.data(), bytes.size(), "t.gguf");
  EXPECT_NE(gguf_tokenizer(f.value(), kVocab).error().find("holds no tokenizer"),
            std::string::npos);
}

}  // namespace
}  // namespace circulant
