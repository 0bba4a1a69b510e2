// make_synthetic_gguf: a model of any shape with random weights, written as GGUF in any tensor
// type the engine reads, with a made-up `llama` tokenizer llama.cpp also loads. The browser
// suite compares this engine with llama.cpp on such files (tests/browser/suite-oracle.mjs), and
// the benchmarks use a SmolLM2-135M-shaped one. Built with CIRCULANT_TESTS; not part of the CLI.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "model/gguf_model.h"
#include "model/gguf_tokenizer.h"
#include "synthetic_tensors.h"
#include "util/files.h"

namespace circulant::synthetic {
namespace {

constexpr char kUsage[] =
    "usage: make_synthetic_gguf --out FILE.gguf [--arch llama|qwen2] [--dim 64] [--hidden 128]\n"
    "  [--layers 2] [--heads 4] [--kv-heads HEADS] [--vocab 512] [--context 256]\n"
    "  [--classifier tied|separate] [--type f32|f16|bf16|q8_0|q4_0|q4_k|q5_k|q6_k|q4_k_m]\n"
    "  [--rope-base 10000] [--seed 1]\n"
    "q4_k_m mixes Q4_K with Q6_K where llama.cpp's Q4_K_M does (the classifier, attn_v and\n"
    "ffn_down of some layers). A matrix whose rows are not whole blocks of its type is written\n"
    "as the nearest type that fits (K types: Q4_0 or Q8_0; then F16) and named.\n";

constexpr int kSpecialTokens = 3, kByteTokens = 256;

struct Options {
  std::string out, arch = "llama", type = "f32", classifier = "tied";
  Config c{64, 128, 2, 4, 0, 512, 256, true};
  float rope_base = 10000;
  uint64_t seed = 1;
};

struct TypeChoice {
  const char* name;
  GgufType matrices;
  uint32_t file_type;  // general.file_type, llama.cpp's numbering
};
constexpr TypeChoice kTypes[] = {
    {"f32", GgufType::kF32, 0},    {"f16", GgufType::kF16, 1},    {"bf16", GgufType::kBF16, 32},
    {"q8_0", GgufType::kQ8_0, 7},  {"q4_0", GgufType::kQ4_0, 2},  {"q4_k", GgufType::kQ4_K, 14},
    {"q5_k", GgufType::kQ5_K, 16}, {"q6_k", GgufType::kQ6_K, 18}, {"q4_k_m", GgufType::kQ4_K, 15},
};

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "make_synthetic_gguf: %s\n", message.c_str());
  std::exit(1);
}

int positive(const std::string& flag, const char* text) {
  char* end = nullptr;
  const long v = std::strtol(text, &end, 10);
  if (*end || v <= 0 || v > (1 << 24)) fail(flag + " takes a positive whole number, not " + text);
  return int(v);
}

Options parse(int argc, char** argv) {
  Options o;
  int rope_base = 10000, seed = 1;
  const std::map<std::string, std::string*> texts = {
      {"--out", &o.out}, {"--arch", &o.arch}, {"--type", &o.type}, {"--classifier", &o.classifier}};
  const std::map<std::string, int*> numbers = {
      {"--dim", &o.c.dim},         {"--hidden", &o.c.hidden_dim},   {"--layers", &o.c.n_layers},
      {"--heads", &o.c.n_heads},   {"--kv-heads", &o.c.n_kv_heads}, {"--vocab", &o.c.vocab_size},
      {"--context", &o.c.seq_len}, {"--rope-base", &rope_base},     {"--seed", &seed}};
  for (int i = 1; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--help") std::fputs(kUsage, stdout), std::exit(0);
    if (i + 1 >= argc) fail(flag + " needs a value; --help lists the flags");
    if (texts.count(flag))
      *texts.at(flag) = argv[i + 1];
    else if (numbers.count(flag))
      *numbers.at(flag) = positive(flag, argv[i + 1]);
    else
      fail("unknown flag " + flag + "; --help lists the flags");
  }
  o.rope_base = float(rope_base);
  o.seed = uint64_t(seed);
  if (o.out.empty()) fail("--out FILE.gguf is required; --help lists the flags");
  if (o.arch != "llama" && o.arch != "qwen2") fail("--arch is llama or qwen2, not " + o.arch);
  if (o.classifier != "tied" && o.classifier != "separate")
    fail("--classifier is tied or separate, not " + o.classifier);
  Config& c = o.c;
  if (!c.n_kv_heads) c.n_kv_heads = c.n_heads;
  if (c.dim % c.n_heads || c.head_size() % 2 || c.n_heads % c.n_kv_heads)
    fail("--heads must divide --dim into even head sizes, and --kv-heads must divide --heads");
  if (c.vocab_size <= kSpecialTokens + kByteTokens)
    fail("--vocab must exceed " + std::to_string(kSpecialTokens + kByteTokens) +
         " (3 special tokens and 256 byte tokens come first)");
  c.shared_classifier = o.classifier == "tied";
  c.rope_theta = o.rope_base;
  c.rope_style = o.arch == "qwen2" ? RopeStyle::kHalves : RopeStyle::kAdjacentPairs;
  c.qkv_bias = o.arch == "qwen2";
  return o;
}

// <unk>, BOS, EOS, the 256 byte tokens, then made-up pieces ("a", " a", "b", …, "ab", …), each
// once, with falling scores: a vocabulary both engines' SentencePiece-style tokenizers accept.
Tokenizer made_up_tokenizer(int vocab_size) {
  std::vector<std::string> pieces = {"<unk>", "\n<s>\n", "\n</s>\n"};
  char byte[8];
  for (int b = 0; b < kByteTokens; ++b)
    std::snprintf(byte, sizeof byte, "<0x%02X>", b), pieces.push_back(byte);
  std::vector<float> scores(pieces.size(), 0.0f);
  for (int k = 0; int(pieces.size()) < vocab_size; ++k) {
    std::string piece = k % 2 ? " " : "";
    for (int n = k / 2;; n /= 26) {
      piece += char('a' + n % 26);
      if (n < 26) break;
    }
    pieces.push_back(piece);
    scores.push_back(-0.01f * float(k));
  }
  auto t = Tokenizer::from_pieces(std::move(pieces), std::move(scores), "the made-up vocabulary");
  if (!t.ok()) fail(t.error());
  return std::move(t.value());
}

// llama.cpp's Q4_K_M gives Q6_K to attn_v and ffn_down in the first and last eighth of the
// layers and every third between, and to the classifier.
bool more_bits(const std::string& name, int layer, int n_layers) {
  if (layer < 0) return true;
  const bool chosen =
      layer < n_layers / 8 || layer >= 7 * n_layers / 8 || (layer - n_layers / 8) % 3 == 2;
  return chosen &&
         (name.find("attn_v.") != std::string::npos || name.find("ffn_down.") != std::string::npos);
}

// The type a matrix with rows of `row` values is written in: `wanted`, else the nearest whose
// blocks fit the row.
GgufType fitting(GgufType wanted, uint64_t row) {
  if (row % gguf_readable_layout(uint32_t(wanted))->block_values == 0) return wanted;
  if (row % 32 == 0) return wanted == GgufType::kQ4_K ? GgufType::kQ4_0 : GgufType::kQ8_0;
  return GgufType::kF16;
}

void add_metadata(GgufWriter& w, const Options& o, const TypeChoice& type) {
  const Config& c = o.c;
  w.add_string("general.architecture", o.arch);
  w.add_string("general.name",
               "synthetic " + o.arch + " " + type.name + " seed " + std::to_string(o.seed));
  w.add_uint32("general.file_type", type.file_type);
  w.add_uint32("general.quantization_version", 2);
  add_gguf_hyperparameters(w, c, o.arch);
  add_gguf_tokenizer(w, made_up_tokenizer(c.vocab_size));
}

int run(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const TypeChoice* type = nullptr;
  for (const TypeChoice& t : kTypes)
    if (o.type == t.name) type = &t;
  if (!type)
    fail("--type " + o.type + " is not one of f32 f16 bf16 q8_0 q4_0 q4_k q5_k q6_k q4_k_m");
  const Config& c = o.c;
  GgufWriter w;
  add_metadata(w, o, *type);
  Rng rng(o.seed);
  std::map<std::string, int> written;  // type name → matrices
  std::string fallbacks;
  for (const GgufTensorEntry& e : gguf_tensors_of(c)) {
    const uint64_t n = e.shape[0] * (e.shape.size() > 1 ? e.shape[1] : 1);
    if (e.shape.size() == 1) {  // norms near 1, biases around 0; float32, as llama.cpp keeps them
      const bool bias = e.name.find(".bias") != std::string::npos;
      w.add_tensor(e.name, e.shape, uint32_t(GgufType::kF32),
                   bias ? uniform_f32(n, -0.5f, 0.5f, rng) : uniform_f32(n, 0.8f, 1.2f, rng));
      continue;
    }
    const bool classifier =
        e.name == "output.weight" || (c.shared_classifier && e.name == "token_embd.weight");
    GgufType wanted = type->matrices;
    if (o.type == "q4_k_m" && (classifier || more_bits(e.name, e.layer, c.n_layers)))
      wanted = GgufType::kQ6_K;
    const GgufType t = fitting(wanted, e.shape[0]);
    if (t != wanted) {  // named once per kind of tensor, not once per layer
      const std::string kind = e.layer < 0 ? e.name : e.name.substr(e.name.find('.', 4) + 1);
      if (fallbacks.find(" " + kind) == std::string::npos) fallbacks += " " + kind;
    }
    // Logits with a spread of about 2.5 nats (peaked, yet far from float overflow in exp);
    // every other matrix keeps its output at the scale of its input.
    const bool embedding = e.name == "token_embd.weight";
    const float rms = classifier || embedding ? 2.5f / std::sqrt(float(c.dim))
                                              : 1.0f / std::sqrt(float(e.shape[0]));
    w.add_tensor(e.name, e.shape, uint32_t(t), random_tensor(t, n, rms, rng));
    ++written[gguf_type_name(uint32_t(t))];
  }
  const std::vector<uint8_t> bytes = w.bytes();
  Status saved = write_file_atomically(o.out, bytes);
  if (!saved.ok()) fail(saved.error());
  std::string types;
  for (const auto& [name, count] : written) types += " " + std::to_string(count) + " " + name;
  std::printf(
      "%s: %s, dim %d, hidden %d, %d layers, %d heads (%d KV), vocab %d, %s classifier, "
      "%.1f MB; matrices:%s\n",
      o.out.c_str(), o.arch.c_str(), c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads,
      c.vocab_size, o.classifier.c_str(), double(bytes.size()) / 1e6, types.c_str());
  if (!fallbacks.empty())
    std::printf(
        "rows not whole blocks of their type, written in the nearest type that fits "
        "(in every layer where one is per layer):%s\n",
        fallbacks.c_str());
  return 0;
}

}  // namespace
}  // namespace circulant::synthetic

int main(int argc, char** argv) { return circulant::synthetic::run(argc, argv); }
