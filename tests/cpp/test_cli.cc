// The CLI as a user meets it: every bad input gives one clear line on stderr and an exit status
// from 1 to 127, never a crash.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "eval/throughput.h"
#include "test_util.h"

namespace circulant {
namespace {

using testing::expect_clear_failure;
using testing::Outcome;
using testing::run_cli;

class CliWithFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = testing::temp_path("cli_model.bin");
    testing::write_file(model_,
                        testing::random_checkpoint(Config{32, 64, 1, 4, 4, 40, 16, true}, 5));
  }
  std::string model_;
};

TEST_F(CliWithFiles, BrokenModelFilesAreNamedWithTheProblem) {
  expect_clear_failure("info --model /nonexistent.bin", "/nonexistent.bin: cannot open");
  auto bytes = testing::random_checkpoint(Config{32, 64, 1, 4, 4, 40, 16, true}, 5);
  bytes.resize(bytes.size() / 2);
  const std::string truncated = testing::temp_path("cli_truncated.bin");
  testing::write_file(truncated, bytes);
  expect_clear_failure("info --model " + truncated, "truncated");
  bytes.assign(64, 0xff);
  testing::write_file(truncated, bytes);
  expect_clear_failure("info --model " + truncated, "invalid header");
}

TEST_F(CliWithFiles, InfoPrintsConfigurationAndParameterCounts) {
  const Outcome o = run_cli("info --model " + model_);
  EXPECT_EQ(o.status, 0) << o.output;
  EXPECT_NE(o.output.find("dim              32"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("mlp, all layers 6144"), std::string::npos) << o.output;
}

// convert writes llama2.c's version 1 or our float16 checkpoint; both load again, say how they are
// stored, and float16 is half the size. Bad paths give one line.
TEST_F(CliWithFiles, ConvertWritesVersion1AndFloat16) {
  const std::string f32 = testing::temp_path("cli_convert32.bin"),
                    f16 = testing::temp_path("cli_convert16.bin");
  Outcome o = run_cli("convert --model " + model_ + " --out " + f32);
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_NE(o.output.find("llama2.c version-1 checkpoint (float32)"), std::string::npos);
  o = run_cli("convert --model " + f32 + " --out " + f16 + " --float16");
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_NE(run_cli("info --model " + f32).output.find("stored as        float32"),
            std::string::npos);
  const Outcome info = run_cli("info --model " + f16);
  EXPECT_NE(info.output.find("stored as        float16"), std::string::npos) << info.output;
  EXPECT_NE(info.output.find("mlp, all layers 6144"), std::string::npos) << info.output;
  EXPECT_EQ(testing::file_bytes(f16).size() - 256, (testing::file_bytes(f32).size() - 256) / 2);
  expect_clear_failure("convert --model " + model_, "needs --out FILE");
  expect_clear_failure("convert --model /nonexistent.bin --out " + f32, "/nonexistent.bin");
  expect_clear_failure("convert --model " + model_ + " --out /nonexistent/folder/m.bin",
                       "the folder does not exist");
}

TEST(Cli, PeerModelErrorsForTokenizerAndPrompts) {
  const std::string model = testing::peer_path("stories260K.bin");
  if (!testing::file_exists(model))
    GTEST_SKIP() << "../shared/peer-models is absent; peer tests skipped";
  const std::string tok = testing::peer_path("tok512.bin");
  const std::string base = "generate --model " + model + " --tokenizer " + tok;
  expect_clear_failure(base + " --prompt ''", "the prompt is empty");
  expect_clear_failure(base + " --prompt \"$(printf 'word %.0s' $(seq 600))\"",
                       "longer than the model's context");
  expect_clear_failure(base + " --prompt hi --temperature -1", "--temperature must be");
  expect_clear_failure(base + " --prompt hi --bogus 1", "unknown flag --bogus");
  // The model's own checkpoint is no tokenizer: the vocabulary cannot match.
  expect_clear_failure("generate --model " + model + " --tokenizer " + model + " --prompt hi",
                       "belongs to this model");
  expect_clear_failure("frobnicate", "unknown command");
}

TEST(Cli, LogitsPrintsOneJsonObjectWithTokensAndLastLogits) {
  const std::string model = testing::peer_path("stories260K.bin");
  if (!testing::file_exists(model))
    GTEST_SKIP() << "../shared/peer-models is absent; peer tests skipped";
  const Outcome o = run_cli("logits --model " + model + " --tokenizer " +
                            testing::peer_path("tok512.bin") + " --prompt 'Once upon a time'");
  ASSERT_EQ(o.status, 0) << o.output;
  const auto json = nlohmann::json::parse(o.output, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(json.is_object() && json.contains("tokens") && json.contains("last_logits"))
      << o.output.substr(0, 80);
  ASSERT_TRUE(json["tokens"].is_array());
  EXPECT_EQ(json["tokens"][0], 1) << "BOS first";
  ASSERT_TRUE(json["last_logits"].is_array());
  EXPECT_EQ(json["last_logits"].size(), 512u) << "one logit per token of 512";
  EXPECT_TRUE(json["last_logits"][0].is_number());
}

}  // namespace
}  // namespace circulant

namespace circulant {
namespace {

using testing::expect_clear_failure;
using testing::Outcome;
using testing::run_cli;

std::string peer_flags() {
  return "--model " + testing::peer_path("stories260K.bin") + " --tokenizer " +
         testing::peer_path("tok512.bin");
}

TEST(CliStudent, BadStudentOptionsGiveOneClearLine) {
  if (!testing::file_exists(testing::peer_path("stories260K.bin")))
    GTEST_SKIP() << "../shared/peer-models is absent";
  const std::string compare = "compare " + peer_flags() + " --runs 0";
  expect_clear_failure(compare + " --block 48", "not a power of two");
  expect_clear_failure(compare + " --block 512", "not a power of two");
  expect_clear_failure("sweep " + peer_flags() + " --blocks 2,3",
                       "block size 3 is not a power of two");
  expect_clear_failure(compare + " --block 8 --layers 9", "layer 9 is out of range");
  expect_clear_failure(compare + " --block 8 --matrices gate,wq", "unknown matrix 'wq'");
  expect_clear_failure(compare + " --block 8 --prompts /nonexistent.txt",
                       "/nonexistent.txt: cannot open");
  const std::string empty = testing::temp_path("empty.txt");
  testing::write_file(empty, {'\n', ' ', '\n'});
  expect_clear_failure(compare + " --block 8 --prompts " + empty, "has no text");
  const std::string short_calibration = testing::temp_path("short_calibration.txt");
  testing::write_file(short_calibration, {'H', 'i', '\n'});
  expect_clear_failure(
      compare + " --block 4 --projection loss-aware --calibration " + short_calibration,
      "needs at least 43 calibration tokens");
  expect_clear_failure(compare + " --block 8 --projection average", "unknown projection 'average'");
}

TEST(CliStudent, DistillSavesAStudentThatCompareLoadsAndBadFilesGiveOneLine) {
  if (!testing::file_exists(testing::peer_path("stories260K.bin")))
    GTEST_SKIP() << "../shared/peer-models is absent";
  const std::string file = testing::temp_path("cli_student.bin");
  const Outcome made = run_cli("distill " + peer_flags() +
                               " --blocks 8,16 --layers first:2 --steps 3 --out " + file);
  ASSERT_EQ(made.status, 0) << made.output;
  EXPECT_NE(made.output.find("saved 2 students"), std::string::npos) << made.output;
  const Outcome loaded =
      run_cli("compare " + peer_flags() + " --student " + file + " --block 16 --runs 0 --json");
  ASSERT_EQ(loaded.status, 0) << loaded.output;
  const auto json = nlohmann::json::parse(loaded.output, nullptr, false);
  ASSERT_TRUE(json.is_object() && json.contains("rows")) << loaded.output;
  const auto& rows = json["rows"];
  ASSERT_EQ(rows.size(), 2u) << loaded.output;
  EXPECT_EQ(rows[1]["projection"], "distill");
  EXPECT_EQ(rows[1]["block"], 16);
  EXPECT_EQ(rows[1]["layers"], "first:2");
  EXPECT_EQ(rows[1]["structure"], "circulant");
  const Outcome swept = run_cli("sweep " + peer_flags() + " --student " + file + " --runs 0 --csv");
  EXPECT_EQ(swept.status, 0) << swept.output;
  EXPECT_EQ(std::count(swept.output.begin(), swept.output.end(), '\n'), 4)
      << "header, teacher, B=8, B=16";

  const std::string compare = "compare " + peer_flags() + " --runs 0 --student ";
  expect_clear_failure(compare + file + " --block 32",
                       "holds students at B = 8,16, none at B = 32");
  expect_clear_failure(compare + file + " --block 8 --layers all", "disagrees with");
  expect_clear_failure(compare + "/nonexistent.bin", "/nonexistent.bin: cannot open");
  const std::string truncated = testing::temp_path("cli_student_truncated.bin");
  std::ifstream in(file, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  bytes.resize(bytes.size() - 100);
  testing::write_file(truncated, bytes);
  expect_clear_failure(compare + truncated, "truncated");
  const std::string other_model = testing::temp_path("cli_other_model.bin");
  testing::write_file(other_model,
                      testing::random_checkpoint(Config{32, 64, 1, 4, 4, 512, 16, true}, 5));
  expect_clear_failure("compare --model " + other_model + " --tokenizer " +
                           testing::peer_path("tok512.bin") + " --runs 0 --student " + file,
                       "made for another model");
  expect_clear_failure("distill " + peer_flags() + " --block 8 --steps 0 --out " + file,
                       "--steps must be");
  expect_clear_failure("distill " + peer_flags() + " --block 8 --structure removed --out " + file,
                       "no parameters to distill");
  expect_clear_failure("distill " + peer_flags() + " --block 8", "needs --out FILE");
  expect_clear_failure("compare " + peer_flags() + " --runs 0 --block 8 --steps 5",
                       "add --projection distill");
}

// --student takes a folder of student files (the shipped models/distilled/ holds one a block size);
// the same plan twice, or no file at all, is refused in one line.
TEST(CliStudent, StudentFolderLoadsEveryFileAndRefusesTheSamePlanTwice) {
  if (!testing::file_exists(testing::peer_path("stories260K.bin")))
    GTEST_SKIP() << "../shared/peer-models is absent";
  const std::string folder = testing::temp_path("cli_students");
  std::system(("rm -rf " + folder + " && mkdir -p " + folder + "/empty").c_str());
  for (const char* block : {"8", "16"}) {
    const Outcome made =
        run_cli("distill " + peer_flags() + " --blocks " + block +
                " --layers first:2 --steps 2 --out " + folder + "/b" + block + ".students");
    ASSERT_EQ(made.status, 0) << made.output;
  }
  const Outcome swept =
      run_cli("sweep " + peer_flags() + " --student " + folder + " --runs 0 --csv");
  ASSERT_EQ(swept.status, 0) << swept.output;
  EXPECT_EQ(std::count(swept.output.begin(), swept.output.end(), '\n'), 4)
      << "header, teacher, B=8, B=16:\n"
      << swept.output;
  const std::string compare = "compare " + peer_flags() + " --runs 0 --student ";
  expect_clear_failure(compare + folder + "/empty", "holds no .students files");
  std::system(("cp " + folder + "/b8.students " + folder + "/copy.students").c_str());
  expect_clear_failure(compare + folder, "both hold the student at B = 8");
}

// The fuzzing reproducers of the hardening issue, each one clear line and exit 1 (2 for flags).
TEST(CliHardening, ReproducersGiveOneClearLine) {
  if (!testing::file_exists(testing::peer_path("stories260K.bin")))
    GTEST_SKIP() << "../shared/peer-models is absent";
  expect_clear_failure("generate " + peer_flags() + " --prompt Once --temperature 1e-45",
                       "temperature");
  const std::string big = testing::temp_path("huge_context.bin");
  testing::write_file(big,
                      testing::random_checkpoint(Config{64, 1, 64, 1, 1, 512, 1 << 20, true}, 1));
  expect_clear_failure("generate --model " + big + " --tokenizer " +
                           testing::peer_path("tok512.bin") + " --prompt x",
                       "needs 32.00 GiB for its KV cache");
  expect_clear_failure("info --model /tmp", "is a directory");
  const std::string fifo = testing::temp_path("model.fifo");
  std::remove(fifo.c_str());
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  expect_clear_failure("info --model " + fifo, "not a regular file");
  std::remove(fifo.c_str());
  const Outcome steps = run_cli("generate " + peer_flags() + " --prompt x --steps abc");
  EXPECT_EQ(steps.status, 2) << steps.output;
  const Outcome block = run_cli("compare " + peer_flags() + " --block 1.5 --runs 0");
  EXPECT_EQ(block.status, 2) << block.output;
  expect_clear_failure("compare " + peer_flags() + " --block -64 --runs 0",
                       "not a power of two from 1 to 256");
  // A model whose weights hold NaN, and a tokenizer without byte tokens.
  std::vector<uint8_t> nan_model =
      testing::random_checkpoint(Config{32, 64, 1, 4, 4, 512, 16, true}, 2);
  const float nan = NAN;
  std::memcpy(nan_model.data() + 28 + 4 * 100, &nan, 4);
  const std::string nan_path = testing::temp_path("nan_model.bin");
  testing::write_file(nan_path, nan_model);
  expect_clear_failure("logits --model " + nan_path + " --tokenizer " +
                           testing::peer_path("tok512.bin") + " --prompt x",
                       "is NaN");
}

TEST(CliStudent, JsonRowsCarryThePublishedColumnsTeacherFirst) {
  if (!testing::file_exists(testing::peer_path("stories260K.bin")))
    GTEST_SKIP() << "../shared/peer-models is absent";
  const Outcome o =
      run_cli("sweep " + peer_flags() + " --blocks 1,64 --layers first:2 --runs 1 --json");
  ASSERT_EQ(o.status, 0) << o.output;
  const auto json = nlohmann::json::parse(o.output, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(json.is_object() && json.contains("rows")) << o.output;
  const auto& rows = json["rows"];
  ASSERT_EQ(rows.size(), 3u) << "teacher, B=1, B=64";
  EXPECT_EQ(rows[0]["model"], "teacher");
  EXPECT_TRUE(rows[0]["block"].is_null());
  EXPECT_EQ(rows[2]["model"], "student");
  EXPECT_EQ(rows[2]["layers"], "first:2");
  EXPECT_EQ(rows[2]["block"], 64);
  EXPECT_EQ(rows[2]["matrices"], "gate,up,down");
  EXPECT_EQ(rows[2]["projection"], "frobenius");
  for (const char* key : {"cosine", "kl", "top1", "top5", "params_mlp", "params_total",
                          "prefill_tps", "decode_tps", "mlp_share_decode", "kl_low", "kl_high"})
    EXPECT_TRUE(rows[2].contains(key) && rows[2][key].is_number()) << key;
}

// Steps at positions 3 and 4 read 4 and 5 key rows and as many value rows, of kv_dim floats, in
// each of two layers.
TEST(Throughput, DecodeCacheBytesCountEveryRowAttentionReads) {
  const Config c{32, 64, 2, 4, 2, 40, 16, true};  // kv_dim 16
  EXPECT_EQ(decode_cache_bytes(c, 3, 2), 2 * 2 * (4 + 5) * 16 * 4);
  EXPECT_EQ(decode_cache_bytes(c, 3, 0), 0);
}

// The speed report names what bounds decode: the paired read of the same bytes and a read from
// memory beyond the caches, each with decode's share of it (a missing or zero figure would leave
// the README's speed section unreproducible).
TEST_F(CliWithFiles, BenchReportsDecodeAgainstBothStreamingReads) {
  const Outcome o = run_cli("bench --model " + model_ + " --runs 1");
  ASSERT_EQ(o.status, 0) << o.output;
  double read_mb = 0, weights_mb = 0, cache_mb = 0, streamed = 0, share = 0, bound = 0;
  double memory_mb = 0, memory = 0, of = 0;
  const size_t w = o.output.find("reads ");
  ASSERT_NE(w, std::string::npos) << o.output;
  ASSERT_EQ(std::sscanf(o.output.c_str() + w,
                        "reads %lf MB a token (weights %lf MB, KV cache %lf MB on average), "
                        "streamed at %lf GB/s: %lf of this machine's streaming read",
                        &read_mb, &weights_mb, &cache_mb, &streamed, &share),
            5)
      << o.output;
  const size_t b = o.output.find("the same bytes (", w);
  ASSERT_NE(b, std::string::npos) << o.output;
  ASSERT_EQ(std::sscanf(o.output.c_str() + b, "the same bytes (%lf GB/s", &bound), 1);
  EXPECT_NEAR(read_mb, weights_mb + cache_mb, 0.11) << "a token reads the weights and the cache";
  const size_t m = o.output.find("memory ");
  ASSERT_NE(m, std::string::npos) << o.output;
  ASSERT_EQ(std::sscanf(o.output.c_str() + m,
                        "memory %lf MB read from memory, beyond the caches, at %lf GB/s: decode "
                        "streamed at %lf of that",
                        &memory_mb, &memory, &of),
            3)
      << o.output;
  EXPECT_GT(share, 0);
  EXPECT_GT(bound, 0);
  EXPECT_EQ(memory_mb, 256);
  EXPECT_GT(memory, 0);
  EXPECT_NEAR(of, streamed / memory, 0.5 * of + 1e-9) << "decode's share of the memory read";
}

}  // namespace
}  // namespace circulant
