// GGUF on the command line: convert writes it, every command reads it by its magic with the
// tokenizer it holds, and each misuse gets one line.
#include <gtest/gtest.h>

#include "cli_runner.h"
#include "gguf_fixture.h"

namespace circulant {
namespace {

using testing::Outcome;
using testing::run_cli;

const std::string kPrompt = " --prompt 'The history of the city' --steps 40";

TEST(GgufCli, ConvertWritesGgufThatEveryCommandReadsWithItsOwnTokenizer) {
  const std::string f32 = testing::temp_path("f32.gguf"), q8 = testing::temp_path("q8.gguf");
  Outcome o = run_cli("convert --out " + f32);
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_NE(o.output.find("GGUF version 3, F32 matrices"), std::string::npos) << o.output;
  o = run_cli("convert --out " + q8 + " --type q8_0");
  ASSERT_EQ(o.status, 0) << o.output;
  EXPECT_NE(o.output.find("Q8_0 matrices"), std::string::npos) << o.output;
  EXPECT_NE(run_cli("info --model " + q8).output.find("stored as        GGUF Q8_0"),
            std::string::npos);
  const Outcome original = run_cli("generate" + kPrompt);
  ASSERT_EQ(original.status, 0) << original.output;
  EXPECT_EQ(run_cli("generate --model " + f32 + kPrompt).output, original.output);
  // The magic decides, not the name.
  const std::string named_bin = testing::temp_path("gguf_named.bin");
  testing::write_file(named_bin, testing::file_bytes(f32));
  EXPECT_EQ(run_cli("generate --model " + named_bin + kPrompt).output, original.output);
  const Outcome q8_logits = run_cli("logits --model " + q8 + " --prompt 'The history'");
  EXPECT_EQ(q8_logits.status, 0) << q8_logits.output;
  // Back to llama2.c's version 1: the same bytes as converting the original.
  const std::string from_gguf = testing::temp_path("back.bin"),
                    direct = testing::temp_path("v1.bin");
  ASSERT_EQ(run_cli("convert --model " + f32 + " --out " + from_gguf).status, 0);
  ASSERT_EQ(run_cli("convert --out " + direct).status, 0);
  EXPECT_EQ(testing::file_bytes(from_gguf), testing::file_bytes(direct));
}

TEST(GgufCli, MisusesGiveOneLine) {
  const std::string gguf = testing::temp_path("m.gguf");
  ASSERT_EQ(run_cli("convert --out " + gguf + " --type f16").status, 0);
  const std::string bin = testing::temp_path("m.bin");
  const std::pair<std::string, std::string> refused[] = {
      {"generate --model " + gguf + " --tokenizer models/tokenizer.bin --prompt x",
       "is a GGUF file, which holds its own tokenizer; drop --tokenizer"},
      {"convert --out " + bin + " --type f16", "does not end in .gguf: name it NAME.gguf"},
      {"convert --out " + gguf + " --float16", "names a GGUF file: give --type f16 instead"},
      {"convert --out " + gguf + " --float16 --type f16",
       "--float16 writes our float16 checkpoint and --type f16 a GGUF file"},
      {"convert --out " + bin + " --tokenizer models/tokenizer.bin",
       "a llama2.c checkpoint holds no tokenizer"},
      {"convert --out " + gguf + " --type q4_k", "--type must be f32, f16 or q8_0"},
  };
  for (const auto& [arguments, message] : refused)
    testing::expect_clear_failure(arguments, message);
  // A truncated file and a qwen2 model, which llama2.c's header cannot hold.
  auto bytes = testing::file_bytes(gguf);
  bytes.resize(bytes.size() / 2);
  const std::string cut = testing::temp_path("cut.gguf");
  testing::write_file(cut, bytes);
  testing::expect_clear_failure("info --model " + cut, cut + ": tensor");
  testing::HandModel qwen2(/*biases=*/true);
  qwen2.arch = "qwen2";
  const std::string qwen2_file = testing::temp_path("qwen2.gguf");
  testing::write_file(qwen2_file, qwen2.bytes());
  EXPECT_NE(run_cli("info --model " + qwen2_file).output.find("stored as        GGUF F32"),
            std::string::npos);
  testing::expect_clear_failure("generate --model " + qwen2_file + " --prompt x",
                                "the file holds no tokenizer");
  testing::expect_clear_failure("convert --model " + qwen2_file + " --out " + bin,
                                "differs from what llama2.c's formats record");
}

TEST(GgufCli, PeerModelConvertsWithItsTokenizerAndKeepsItsText) {
  const std::string model = testing::peer_path("stories260K.bin");
  if (!testing::file_exists(model))
    GTEST_SKIP() << "../shared/peer-models is absent; peer tests skipped";
  const std::string tokenizer = " --tokenizer " + testing::peer_path("tok512.bin");
  const std::string q8 = testing::temp_path("peer_q8.gguf"), f32 = testing::temp_path("peer.gguf");
  Outcome o = run_cli("convert --model " + model + tokenizer + " --out " + q8 + " --type q8_0");
  ASSERT_EQ(o.status, 0) << o.output;
  // hidden_dim 172: ffn_down's rows are not whole blocks of 32.
  EXPECT_NE(o.output.find("(5 in F16, their rows not whole Q8_0 blocks of 32: blk.0.ffn_down"),
            std::string::npos)
      << o.output;
  ASSERT_EQ(run_cli("convert --model " + model + tokenizer + " --out " + f32).status, 0);
  const std::string steps = " --prompt 'Once upon a time' --steps 200";
  EXPECT_EQ(run_cli("generate --model " + f32 + steps).output,
            run_cli("generate --model " + model + tokenizer + steps).output);
  testing::expect_clear_failure("convert --model " + model + " --out " + f32,
                                "use the tokenizer.bin that belongs to this model (512 tokens)");
}

}  // namespace
}  // namespace circulant
