// Writes valid inputs of every fuzzed format into tests/fuzz/corpus/<harness>/ (committed): small
// checkpoints of every format, tokenizers with and without merges, student files of the
// fuzz_student_file teacher, GGUF models and a container of every GGUF type we read. Usage:
// make_fuzz_seeds <corpus dir>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "model/checkpoint.h"
#include "model/gguf_model.h"
#include "model/gguf_writer.h"
#include "student/student.h"
#include "student/student_file.h"

namespace {

using namespace circulant;

void write(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

std::vector<float> payload(const Config& c, unsigned seed) {
  const ParameterCounts p = count_parameters(c);
  std::vector<float> values(p.embedding + c.n_layers * p.per_layer() + c.dim + p.classifier);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-0.5f, 0.5f);
  for (float& v : values) v = u(rng);
  return values;
}

std::vector<uint8_t> tokenizer(const std::vector<std::string>& extra) {
  std::vector<std::string> pieces = {"<unk>", "\n<s>\n", "\n</s>\n"};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    pieces.push_back(name);
  }
  pieces.insert(pieces.end(), extra.begin(), extra.end());
  const int vocab = int(pieces.size());
  std::vector<uint8_t> out = {uint8_t((vocab - 3) & 0xff), uint8_t((vocab - 3) >> 8), 16, 0, 0, 0};
  float score = 0;
  for (const std::string& p : pieces) {
    const int32_t length = int32_t(p.size());
    out.insert(out.end(), reinterpret_cast<const uint8_t*>(&score),
               reinterpret_cast<const uint8_t*>(&score) + 4);
    out.insert(out.end(), reinterpret_cast<const uint8_t*>(&length),
               reinterpret_cast<const uint8_t*>(&length) + 4);
    out.insert(out.end(), p.begin(), p.end());
    score -= 1;
  }
  return out;
}

// GGUF seeds: llama models with their tokenizer (F32; Q8_0 where rows are whole blocks), a qwen2
// model with biases, without a tokenizer and with a byte-level one, and a container holding one
// tensor of every type we read.
void write_gguf_seeds(const std::string& dir) {
  const auto vocabulary = tokenizer({" ", "a", "b", " a", " ab"});
  const Tokenizer t =
      Tokenizer::parse(vocabulary.data() + 2, vocabulary.size() - 2, "seed", 264).value();
  const Config narrow{16, 32, 1, 2, 1, 264, 8, true}, wide{32, 64, 1, 2, 1, 264, 8, false};
  for (auto [config, type, name] : {std::tuple{narrow, GgufType::kF32, "llama_f32.gguf"},
                                    {wide, GgufType::kQ8_0, "llama_q8_0.gguf"}}) {
    const auto legacy = serialize_legacy_checkpoint(config, payload(config, 4));
    const auto w = parse_checkpoint(ModelBytes::copy_of(legacy.data(), legacy.size()), "seed");
    write(dir + "/gguf/" + name, serialize_gguf(*w.value(), &t, type, "seed").value().bytes);
  }
  const Config small{16, 40, 2, 2, 2, 32, 8, true};
  const auto legacy = serialize_legacy_checkpoint(small, payload(small, 5));
  Weights qwen2 =
      *parse_checkpoint(ModelBytes::copy_of(legacy.data(), legacy.size()), "seed").value();
  qwen2.config.qkv_bias = true;
  qwen2.config.rope_style = RopeStyle::kHalves;
  const std::vector<float> biases = payload(small, 6);  // longer than any bias
  for (Weights::Layer& l : qwen2.layers) l.bq = l.bk = l.bv = biases.data();
  write(dir + "/gguf/qwen2_biases.gguf",
        serialize_gguf(qwen2, nullptr, GgufType::kF32, "seed").value().bytes);
  // The same model with a byte-level BPE tokenizer (GGUF "gpt2", qwen2's pre-tokenizer).
  std::vector<std::string> texts = {"Ġ", "Ġa", "ab", "<|endoftext|>"};
  for (char c = 'a'; c < 'a' + 26; ++c) texts.push_back(std::string(1, c));
  texts.push_back("<tool>"), texts.push_back("!");
  auto bpe = ByteLevelBpe::create(texts, {"Ġ a", "a b"}, PreTokenizer::kQwen2, false, "seed");
  std::vector<int8_t> types(texts.size(), kTokenNormal);
  types[3] = kTokenControl, types[30] = kTokenUserDefined;
  const Tokenizer byte_level =
      Tokenizer::from_byte_level(std::move(bpe.value()), types, {3, 3, -1, false}, "seed").value();
  write(dir + "/gguf/qwen2_byte_level.gguf",
        serialize_gguf(qwen2, &byte_level, GgufType::kF32, "seed").value().bytes);
  GgufWriter every_type;
  every_type.add_string("general.architecture", "llama");
  std::mt19937 rng(7);
  for (auto [type, values, bytes] : {std::tuple{GgufType::kF16, 8, 16},
                                     {GgufType::kBF16, 8, 16},
                                     {GgufType::kQ8_0, 32, 34},
                                     {GgufType::kQ4_0, 32, 18},
                                     {GgufType::kQ4_K, 256, 144},
                                     {GgufType::kQ5_K, 256, 176},
                                     {GgufType::kQ6_K, 256, 210}}) {
    std::vector<uint8_t> data(size_t(bytes), 0);
    for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t(rng());
    for (size_t at : {size_t(0), size_t(2), size_t(bytes - 2)})  // the float16 scales: small
      if (type != GgufType::kF16 && type != GgufType::kBF16) data[at + 1] = 0x30;
    every_type.add_tensor(gguf_type_name(uint32_t(type)), {uint64_t(values)}, uint32_t(type), data);
  }
  write(dir + "/gguf/every_type.gguf", every_type.bytes());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_fuzz_seeds <corpus dir>\n");
    return 2;
  }
  const std::string dir = argv[1];
  const Config small{16, 40, 2, 2, 2, 32, 8, true}, grouped{16, 24, 1, 4, 2, 20, 6, false};
  write(dir + "/checkpoint/legacy_shared.bin",
        serialize_legacy_checkpoint(small, payload(small, 1)));
  write(dir + "/checkpoint/legacy_separate_classifier.bin",
        serialize_legacy_checkpoint(grouped, payload(grouped, 2)));
  {  // the same weights as llama2.c's version 1 and as our float16 checkpoint (circulant convert)
    const auto legacy = serialize_legacy_checkpoint(small, payload(small, 3));
    const auto w = parse_checkpoint(ModelBytes::copy_of(legacy.data(), legacy.size()), "seed");
    write(dir + "/checkpoint/version1.bin", serialize_checkpoint(*w.value(), false).value());
    write(dir + "/checkpoint/float16.bin", serialize_checkpoint(*w.value(), true).value());
  }
  write(dir + "/tokenizer/bytes_only.bin", tokenizer({}));
  write(dir + "/tokenizer/merges.bin", tokenizer({" ", "a", "b", "ab", " a", " ab", "\xC3\xA9"}));
  // The fuzz_student_file teacher, as that harness builds it.
  const auto bytes = serialize_legacy_checkpoint(small, [&] {
    const ParameterCounts p = count_parameters(small);
    std::vector<float> v(p.embedding + small.n_layers * p.per_layer() + small.dim);
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(-0.5f, 0.5f);
    for (float& x : v) x = u(rng);
    return v;
  }());
  const Transformer teacher(
      parse_checkpoint(ModelBytes::copy_of(bytes.data(), bytes.size()), "teacher").value());
  std::vector<SavedStudent> students;
  for (auto [structure, block] :
       {std::pair{Structure::kCirculant, 8}, {Structure::kLowRank, 4}, {Structure::kRemoved, 16}}) {
    StudentPlan plan;
    plan.layers = {0, 1};
    plan.matrices = {MlpMatrix::kGate, MlpMatrix::kUp, MlpMatrix::kDown};
    plan.block = block;
    plan.structure = structure;
    auto checked = check_plan(plan, teacher.config().n_layers).value();
    students.push_back({checked, project_student(teacher, checked).value()});
  }
  write(dir + "/student_file/three_students.bin", serialize_students(teacher.weights(), students));
  write(dir + "/student_file/float16.bin",
        serialize_students(teacher.weights(), {students[0]}, true));
  write_gguf_seeds(dir);
  std::printf("seeds written under %s\n", dir.c_str());
  return 0;
}
