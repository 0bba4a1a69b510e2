// --chat on the command line: a GGUF file written with --chat-template carries the template, every
// prompt-taking command wraps its prompts with it, and a model without one (or with a template of
// no known family) is refused with one line.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_runner.h"
#include "model/chat_template.h"
#include "model/generate.h"
#include "model/gguf_model.h"
#include "test_util.h"

namespace circulant {
namespace {

using testing::Outcome;
using testing::run_cli;

std::string fixture_template(const std::string& name) {
  std::ifstream in(testing::source_path("tests/chat/templates.json"));
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json all = nlohmann::json::parse(text.str());
  for (const auto& t : all["templates"])
    if (t["name"] == name) return t["template"].get<std::string>();
  return "";
}

std::string written_template(const std::string& name, const std::string& source) {
  const std::string path = testing::temp_path(name);
  testing::write_file(path, std::vector<uint8_t>(source.begin(), source.end()));
  return path;
}

// The shipped model as F32 GGUF with the ChatML template of the fixtures.
std::string chatml_model() {
  static const std::string gguf = [] {
    const std::string out = testing::temp_path("chatml.gguf");
    const Outcome o = run_cli("convert --out " + out + " --chat-template " +
                              written_template("chatml.jinja", fixture_template("chatml")));
    EXPECT_EQ(o.status, 0) << o.output;
    return out;
  }();
  return gguf;
}

std::vector<int> tokens_of(const Outcome& logits) {
  return nlohmann::json::parse(logits.output)["tokens"].get<std::vector<int>>();
}

TEST(ChatCli, ConvertWritesTheTemplateAndItsSpecialTexts) {
  auto model = load_gguf_model(chatml_model());
  ASSERT_TRUE(model.ok()) << model.error();
  EXPECT_EQ(model->chat.source, fixture_template("chatml"));
  EXPECT_EQ(model->chat.bos_text, "<s>");
  EXPECT_EQ(model->chat.eos_text, "</s>");
  // Written again as GGUF, the model keeps its template.
  const std::string again = testing::temp_path("again.gguf");
  ASSERT_EQ(run_cli("convert --model " + chatml_model() + " --out " + again).status, 0);
  auto reread = load_gguf_model(again);
  ASSERT_TRUE(reread.ok()) << reread.error();
  EXPECT_EQ(reread->chat.source, model->chat.source);
}

TEST(ChatCli, ChatWrapsThePromptAsAUserMessage) {
  const std::string prompt = "Explain why FFT-based matrices can reduce compute.";
  const Outcome plain = run_cli("logits --model " + chatml_model() + " --prompt '" + prompt + "'");
  const Outcome chat =
      run_cli("logits --model " + chatml_model() + " --prompt '" + prompt + "' --chat");
  ASSERT_EQ(plain.status, 0) << plain.output;
  ASSERT_EQ(chat.status, 0) << chat.output;
  auto tokenizer = Tokenizer::load(testing::source_path("models/tokenizer.bin"), 2048);
  ASSERT_TRUE(tokenizer.ok());
  const std::string wrapped = "<|im_start|>user\n" + prompt + "<|im_end|>\n<|im_start|>assistant\n";
  EXPECT_EQ(tokens_of(chat), encode_text(tokenizer.value(), wrapped, true));
  EXPECT_EQ(tokens_of(plain), tokenizer->encode(prompt));
  EXPECT_GT(tokens_of(chat).size(), tokens_of(plain).size() + 10);
  // generate prints the wrapped prompt before its continuation.
  const Outcome generated = run_cli("generate --model " + chatml_model() + " --prompt '" + prompt +
                                    "' --chat --steps 60");
  ASSERT_EQ(generated.status, 0) << generated.output;
  EXPECT_EQ(generated.output.rfind("<|im_start|>user\n" + prompt + "<|im_end|>\n", 0), 0u)
      << generated.output;
}

TEST(ChatCli, TablesMeasureTheWrappedPrompts) {
  const std::string table =
      "compare --model " + chatml_model() + " --block 64 --projection frobenius --runs 0 --json";
  const Outcome plain = run_cli(table), chat = run_cli(table + " --chat");
  ASSERT_EQ(plain.status, 0) << plain.output;
  ASSERT_EQ(chat.status, 0) << chat.output;
  const auto kl = [](const Outcome& o) {
    return nlohmann::json::parse(o.output)["rows"][1]["kl"].get<double>();
  };
  EXPECT_NE(kl(plain), kl(chat));
}

TEST(ChatCli, ModelsWithoutAKnownTemplateAreRefusedWithOneLine) {
  const std::string none = testing::temp_path("none.gguf"), alpaca = testing::temp_path("a.gguf");
  ASSERT_EQ(run_cli("convert --out " + none).status, 0);
  ASSERT_EQ(run_cli("convert --out " + alpaca + " --chat-template " +
                    written_template("alpaca.jinja",
                                     "{% for message in messages %}### Instruction:\n{{ "
                                     "message['content'] }}\n\n### Response:\n{% endfor %}"))
                .status,
            0);
  const std::pair<std::string, std::string> refused[] = {
      {"logits --prompt x --chat", "is a llama2.c checkpoint, which holds no chat template"},
      {"generate --model " + none + " --prompt x --chat",
       "holds no chat template (tokenizer.chat_template)"},
      {"sweep --model " + alpaca + " --chat --runs 0", "no family this engine knows"},
      {"convert --out " + testing::temp_path("x.bin") + " --chat-template " +
           written_template("t.jinja", fixture_template("chatml")),
       "a llama2.c checkpoint holds no chat template"},
      {"convert --out " + testing::temp_path("y.gguf") + " --chat-template " +
           testing::temp_path("missing.jinja"),
       "missing.jinja"},
      {"convert --out " + testing::temp_path("z.gguf") + " --chat-template " +
           written_template("empty.jinja", "\n"),
       "the file is empty"},
  };
  for (const auto& [arguments, message] : refused)
    testing::expect_clear_failure(arguments, message);
}

}  // namespace
}  // namespace circulant
