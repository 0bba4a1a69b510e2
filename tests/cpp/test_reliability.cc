// The reliability issue's reproducers through the CLI (issue 21; the student-file ones are in
// test_student_file.cc): no file is lost on a full disk, results that cannot be written are an
// error, output is readable by a parser, no metric is printed as a number it is not, integer flags
// are checked before they are narrowed, text inputs are bounded, and messages fit the input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "student/student.h"
#include "student/student_file.h"
#include "test_util.h"

namespace circulant {
namespace {

using testing::expect_clear_failure;
using testing::expect_clear_outcome;
using testing::file_bytes;
using testing::leftover_temporaries;
using testing::Outcome;
using testing::run_cli;
using testing::run_shell;

std::string peer_flags() {
  return "--model " + testing::peer_path("stories260K.bin") + " --tokenizer " +
         testing::peer_path("tok512.bin");
}

bool have_peer() { return testing::file_exists(testing::peer_path("stories260K.bin")); }

// Issue 21, item 1: the disk filled up while the students were written (here: the process may
// write no byte, ulimit -f 0). The good file already there must stay as it was.
TEST(CliReliability, DistillOnAFullDiskKeepsTheOldStudentFile) {
  if (!have_peer()) GTEST_SKIP() << "../shared/peer-models is absent";
  const std::string file = testing::temp_path("kept.students");
  const std::string distill =
      "distill " + peer_flags() + " --block 16 --layers first:1 --steps 2 --out " + file;
  const Outcome made = run_cli(distill);
  ASSERT_EQ(made.status, 0) << made.output;
  const std::vector<uint8_t> good = file_bytes(file);
  ASSERT_GT(good.size(), 1000u);
  // SIGXFSZ ignored: the write fails with EFBIG instead of killing the process.
  const Outcome full = run_shell("trap '' XFSZ; ulimit -f 0; exec " + testing::cli() + " " +
                                 distill + " --seed 7 2>&1 >/dev/null");
  expect_clear_outcome(full, "distill under ulimit -f 0", file + ": cannot write");
  EXPECT_NE(full.output.find("is unchanged"), std::string::npos) << full.output;
  EXPECT_EQ(file_bytes(file), good) << "the old student file was damaged";
  EXPECT_EQ(leftover_temporaries(file), 0);
  expect_clear_failure(distill.substr(0, distill.size() - file.size()) + "/dev/full",
                       "/dev/full: is not a regular file");
}

// Item 2: a bad --out is found before the first step, not after all the training.
TEST(CliReliability, DistillChecksTheOutputFolderBeforeTraining) {
  if (!have_peer()) GTEST_SKIP() << "../shared/peer-models is absent";
  const std::string distill =
      "distill " + peer_flags() + " --block 16 --layers first:1 --steps 50 --out ";
  expect_clear_failure(distill + "/nonexistent-folder/s.students",
                       "/nonexistent-folder/s.students: cannot create a file in the folder "
                       "/nonexistent-folder: the folder does not exist");
  const std::string not_a_folder = testing::temp_path("plain_file");
  testing::write_file(not_a_folder, {1});
  expect_clear_failure(distill + not_a_folder + "/s.students", "is not a folder");
  expect_clear_failure(distill + "/tmp", "/tmp: is a directory");
}

// Item 3: results that could not be written are a failure (exit 1, one line), not exit 0.
TEST(CliReliability, AFailedWriteOfTheResultsIsAnError) {
  if (!have_peer()) GTEST_SKIP() << "../shared/peer-models is absent";
  for (const std::string& command :
       {"compare " + peer_flags() + " --block 16 --runs 0 --json",
        "logits " + peer_flags() + " --prompt 'Once upon a time'",
        "generate " + peer_flags() + " --prompt Once --steps 20",
        "info " + peer_flags().substr(0, peer_flags().find(" --tokenizer")),
        "sweep " + peer_flags() + " --blocks 16,32 --runs 0 --csv"}) {
    // stderr into the pipe, stdout onto a device that is always full.
    const Outcome o = run_shell(testing::cli() + " " + command + " 2>&1 >/dev/full");
    expect_clear_outcome(
        o, command, "cannot write the results to standard output: no space left on the device");
  }
}

// RFC 4180 records: fields split at commas outside quotes, "" inside quotes is one quote.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> records(1, std::vector<std::string>(1));
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (quoted && ch == '"' && i + 1 < text.size() && text[i + 1] == '"') {
      records.back().back() += '"', ++i;
    } else if (ch == '"') {
      quoted = !quoted;
    } else if (!quoted && ch == ',') {
      records.back().emplace_back();
    } else if (!quoted &&
               (ch == '\n' || (ch == '\r' && i + 1 < text.size() && text[i + 1] == '\n'))) {
      if (ch == '\r') ++i;
      records.emplace_back(1);
    } else {
      records.back().back() += ch;
    }
  }
  if (records.back() == std::vector<std::string>(1)) records.pop_back();
  return records;
}

// Item 4: "gate,up,down" and "1,3" used to be two and three fields of an unquoted row, so every
// student row had more fields than the header.
TEST(CliReliability, CsvAndJsonReadBackWithAParser) {
  if (!have_peer()) GTEST_SKIP() << "../shared/peer-models is absent";
  const std::string sweep = "sweep " + peer_flags() + " --blocks 16,32 --layers 1,3 --runs 0";
  const Outcome csv = run_cli(sweep + " --csv");
  ASSERT_EQ(csv.status, 0) << csv.output;
  const auto records = parse_csv(csv.output);
  ASSERT_EQ(records.size(), 4u) << csv.output;
  const std::vector<std::string>& header = records[0];
  for (const auto& record : records) EXPECT_EQ(record.size(), header.size()) << csv.output;
  const auto column = [&header](const std::string& key) {
    return size_t(std::find(header.begin(), header.end(), key) - header.begin());
  };
  ASSERT_LT(column("matrices"), header.size());
  ASSERT_LT(column("top5_high"), header.size());
  EXPECT_EQ(records[2][column("layers")], "1,3");
  EXPECT_EQ(records[2][column("matrices")], "gate,up,down");
  EXPECT_EQ(records[3][column("block")], "32");
  const Outcome json = run_cli(sweep + " --json");
  ASSERT_EQ(json.status, 0) << json.output;
  const auto parsed = nlohmann::json::parse(json.output, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(parsed.is_object() && parsed.contains("rows")) << json.output;
  ASSERT_EQ(parsed["rows"].size(), 3u);
  EXPECT_EQ(parsed["rows"][1]["layers"], "1,3");
  EXPECT_EQ(parsed["rows"][1]["matrices"], "gate,up,down");
}

// A model of the peer's tokenizer's vocabulary whose weights are all zero.
std::string zero_model() {
  const Config c{32, 64, 1, 4, 4, 512, 256, true};
  const ParameterCounts p = count_parameters(c);
  const std::string path = testing::temp_path("zero_model.bin");
  testing::write_file(path, serialize_legacy_checkpoint(
                                c, std::vector<float>(p.embedding + p.per_layer() + c.dim, 0.0f)));
  return path;
}

// A random model whose final norm gains are 3e38: finite weights, but logits that overflow.
std::string overflowing_model() {
  const Config c{32, 64, 1, 4, 4, 512, 256, true};
  std::vector<uint8_t> bytes = testing::random_checkpoint(c, 3);
  const auto weights = parse_checkpoint(ModelBytes::copy_of(bytes.data(), bytes.size()), "random");
  const size_t at = 28 + (weights.value()->rms_final - weights.value()->data) * sizeof(float);
  const float huge = 3e38f;
  for (int i = 0; i < c.dim; ++i) std::memcpy(bytes.data() + at + 4 * i, &huge, 4);
  const std::string path = testing::temp_path("overflowing_model.bin");
  testing::write_file(path, bytes);
  return path;
}

// Item 5: metrics that cannot be computed are "undefined" with a reason, never a number or -nan.
TEST(CliReliability, MetricsThatCannotBeComputedAreUndefinedWithAReason) {
  if (!have_peer()) GTEST_SKIP() << "../shared/peer-models is absent";
  const std::string tokenizer = " --tokenizer " + testing::peer_path("tok512.bin");
  const std::string zero = zero_model();
  const Outcome table = run_cli("compare --model " + zero + tokenizer + " --block 16 --runs 0");
  ASSERT_EQ(table.status, 0) << table.output;
  EXPECT_EQ(table.output.find("nan"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("| undefined |"), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("student B = 16, undefined cosine: the teacher's logits are all "
                              "zero"),
            std::string::npos)
      << table.output;
  const Outcome json =
      run_cli("compare --model " + zero + tokenizer + " --block 16 --runs 0 --json");
  const auto parsed = nlohmann::json::parse(json.output, nullptr, false);
  ASSERT_TRUE(parsed.is_object() && parsed.contains("rows")) << json.output;
  const auto& student = parsed["rows"][1];
  EXPECT_TRUE(student["cosine"].is_null()) << json.output;
  EXPECT_TRUE(student["cosine_high"].is_null()) << json.output;
  EXPECT_TRUE(student["kl"].is_number()) << json.output;
  EXPECT_NE(student["undefined"].get<std::string>().find("cosine: the teacher's logits"),
            std::string::npos);
  // One student value of 3e38: finite, so the file loads, but the student's numbers overflow.
  auto peer = load_checkpoint(testing::peer_path("stories260K.bin"));
  ASSERT_TRUE(peer.ok()) << peer.error();
  StudentPlan plan;
  plan.layers = {0};
  plan.matrices = {MlpMatrix::kGate, MlpMatrix::kUp, MlpMatrix::kDown};
  plan.block = 16;
  SavedStudent huge{testing::checked(plan, peer.value()->config.n_layers), {}};
  huge.parameters = project_student(Transformer(peer.value()), huge.plan).value();
  huge.parameters.matrices[0][0] = 3e38f;
  const std::string file = testing::temp_path("huge.students");
  testing::write_file(file, serialize_students(*peer.value(), {huge}));
  const Outcome loaded =
      run_cli("compare " + peer_flags() + " --student " + file + " --runs 0 --json");
  const auto rows = nlohmann::json::parse(loaded.output, nullptr, false);
  ASSERT_TRUE(rows.is_object() && rows.contains("rows")) << loaded.output;
  EXPECT_TRUE(rows["rows"][1]["kl"].is_null()) << loaded.output;
  EXPECT_TRUE(rows["rows"][1]["top1"].is_null()) << loaded.output;
  EXPECT_NE(rows["rows"][1]["undefined"].get<std::string>().find(
                "cosine, kl, top1, top5: the student's logits are not finite"),
            std::string::npos)
      << loaded.output;
  // Weights of 3e38 are finite, but the model's numbers overflow: perplexity is refused.
  expect_clear_failure("perplexity --model " + overflowing_model() + tokenizer + " --text " +
                           testing::peer_path("stories260K.once-upon-a-time.greedy.txt"),
                       "the teacher's perplexity is undefined: the logits at position 1");
}

// Item 6: distill --block 4294967300 trained and saved a B = 4 student (an int cast), -4294967292
// too. Every integer flag of every command is range-checked as a 64-bit number.
TEST(CliReliability, IntegerFlagsAreRangeCheckedBeforeTheyAreNarrowed) {
  if (!have_peer()) GTEST_SKIP() << "../shared/peer-models is absent";
  const std::string out = testing::temp_path("narrowed.students"), peer = " " + peer_flags();
  for (const std::string big : {"4294967300", "-4294967292"}) {
    const std::string not_a_block = "block size " + big + " is not a power of two";
    expect_clear_failure(
        "distill" + peer + " --layers first:1 --steps 1 --out " + out + " --block " + big,
        not_a_block);
    expect_clear_failure(
        "distill" + peer + " --layers first:1 --steps 1 --out " + out + " --blocks 16," + big,
        not_a_block);
    expect_clear_failure("compare" + peer + " --runs 0 --block " + big, not_a_block);
    expect_clear_failure("sweep" + peer + " --runs 0 --blocks 16," + big, not_a_block);
    for (const std::string& flagged :
         {"generate" + peer + " --prompt Once --steps ", "bench" + peer + " --runs ",
          "compare" + peer + " --block 16 --runs ",
          "compare" + peer + " --block 16 --runs 0 --projection distill --steps ",
          "compare" + peer + " --block 16 --runs 0 --projection distill --batch ",
          "distill" + peer + " --block 16 --out " + out + " --steps ",
          "distill" + peer + " --block 16 --out " + out + " --batch "}) {
      const std::string flag = flagged.substr(flagged.rfind(" --") + 1);
      expect_clear_failure(flagged + big, flag.substr(0, flag.size() - 1) + " must be an integer");
    }
  }
  for (const std::string& seeded : {"generate" + peer + " --prompt Once --seed ",
                                    "distill" + peer + " --block 16 --out " + out + " --seed "})
    expect_clear_failure(seeded + "-4294967292", "--seed must be an integer from 0");
  EXPECT_FALSE(testing::file_exists(out)) << "nothing may be trained or saved";
  const Outcome huge = run_cli("generate" + peer + " --prompt Once --steps 99999999999999999999");
  EXPECT_EQ(huge.status, 2) << huge.output;
  EXPECT_NE(huge.output.find("--steps 99999999999999999999 is far out of range"), std::string::npos)
      << huge.output;
  // Beyond 32 bits, --max-lines still means every line (size_t is 32 bits in WebAssembly).
  const std::string text = " --text " + testing::source_path("models/prompts/lecture-20.txt");
  const Outcome all = run_cli("perplexity" + peer + text);
  const Outcome capped = run_cli("perplexity" + peer + text + " --max-lines 4294967297");
  ASSERT_EQ(all.status, 0) << all.output;
  EXPECT_EQ(capped.output, all.output);
}

// Item 7: --prompts /dev/zero read until memory ran out (600 MB in 6 s), and --calibration and
// --text share the reader; a directory was "has no text". `timeout` bounds an older build's run.
TEST(CliReliability, TextInputsAreRegularFilesOfBoundedSize) {
  if (!have_peer()) GTEST_SKIP() << "../shared/peer-models is absent";
  const std::string big = testing::temp_path("big.txt");
  testing::write_file(big, {'a', '\n'});
  ASSERT_EQ(truncate(big.c_str(), off_t(65) << 20), 0);  // sparse: no disk space taken
  const std::string compare = "compare " + peer_flags() + " --block 16 --runs 0";
  for (const std::string& command :
       {compare + " --prompts ", compare + " --projection loss-aware --calibration ",
        "perplexity " + peer_flags() + " --text "}) {
    const auto run = [&command](const std::string& file) {
      return run_shell("timeout 10 " + testing::cli() + " " + command + file + " 2>&1");
    };
    expect_clear_outcome(run("/dev/zero"), command + "/dev/zero",
                         "/dev/zero: is not a regular file but a device, pipe or socket");
    expect_clear_outcome(run("/tmp"), command + "/tmp", "/tmp: is a directory, not a text file");
    expect_clear_outcome(run(big), command + big,
                         "is 68157440 bytes, more than the limit of 67108864 bytes (64 MiB)");
  }
}

// Item 9: a memory need and its limit were both "0.00 GiB" (--max-memory 0.001).
TEST(CliReliability, MemoryAndNumberMessagesShowNumbersThatDiffer) {
  expect_clear_failure("info --max-memory 0.001",
                       "needs 2.00 MiB for its KV cache (4 layers × seq_len 256 × kv_dim 256 × "
                       "2), more than the limit of 1.02 MiB");
  const Config c{64, 128, 2, 4, 4, 64, 512, true};
  const auto bytes = testing::random_checkpoint(c, 1);
  for (uint64_t limit : {run_state_bytes(c) - 1, run_state_bytes(c) - 700}) {
    auto refused = parse_checkpoint(ModelBytes::copy_of(bytes.data(), bytes.size()), "m.bin",
                                    {bytes.size(), limit});
    ASSERT_FALSE(refused.ok());
    const std::string& e = refused.error();
    const size_t need = e.find("needs ") + 6, limit_at = e.find("the limit of ") + 13;
    ASSERT_NE(need, std::string::npos + 6) << e;
    ASSERT_NE(limit_at, std::string::npos + 13) << e;
    EXPECT_NE(e.substr(need, e.find(" for its") - need), e.substr(limit_at, e.find(';') - limit_at))
        << e;
  }
  if (!have_peer()) GTEST_SKIP() << "../shared/peer-models is absent";
  expect_clear_failure("compare " + peer_flags() + " --block 16 --projection distill --lr 1e-10",
                       "--lr must be a number from 1e-09 to 1, got '1e-10'");
}

// Item 9: perplexity --student with a block size the file lacks failed only after the whole
// teacher pass (the teacher's line came first).
TEST(CliReliability, PerplexityChecksTheStudentBeforeTheTeacherPass) {
  if (!have_peer()) GTEST_SKIP() << "../shared/peer-models is absent";
  const std::string file = testing::temp_path("two.students");
  const Outcome made = run_cli("distill " + peer_flags() +
                               " --blocks 8,16 --layers first:1 --steps 1 --out " + file);
  ASSERT_EQ(made.status, 0) << made.output;
  const std::string perplexity = "perplexity " + peer_flags() + " --text " +
                                 testing::source_path("models/prompts/lecture-20.txt");
  expect_clear_failure(perplexity + " --student " + file + " --block 32",
                       "holds students at B = 8,16, none at B = 32");
  expect_clear_failure(perplexity + " --block 48", "block size 48 is not a power of two");
  expect_clear_failure(perplexity + " --block 4294967300", "block size 4294967300 is not");
  const Outcome fine = run_cli(perplexity + " --student " + file + " --block 16");
  EXPECT_EQ(fine.status, 0) << fine.output;
  EXPECT_NE(fine.output.find("student  perplexity"), std::string::npos) << fine.output;
}

// Item 9: --runs 0 printed speeds of 0 instead of leaving the speed columns out.
TEST(CliReliability, UntimedTablesHaveNoSpeedColumns) {
  if (!have_peer()) GTEST_SKIP() << "../shared/peer-models is absent";
  const std::string compare = "compare " + peer_flags() + " --block 16 --layers first:1";
  const Outcome untimed = run_cli(compare + " --runs 0");
  ASSERT_EQ(untimed.status, 0) << untimed.output;
  EXPECT_EQ(untimed.output.find("tok/s"), std::string::npos) << untimed.output;
  EXPECT_EQ(untimed.output.find("MLP share"), std::string::npos) << untimed.output;
  EXPECT_NE(untimed.output.find("| total params |\n"), std::string::npos) << untimed.output;
  const Outcome json = run_cli(compare + " --runs 0 --json");
  EXPECT_EQ(json.output.find("_tps"), std::string::npos) << json.output;
  const Outcome csv = run_cli(compare + " --runs 0 --csv");
  EXPECT_EQ(csv.output.find("_tps"), std::string::npos) << csv.output;
  const Outcome timed = run_cli(compare + " --runs 1");
  EXPECT_NE(timed.output.find("| prefill tok/s | decode tok/s | MLP share of decode |"),
            std::string::npos)
      << timed.output;
}

}  // namespace
}  // namespace circulant
