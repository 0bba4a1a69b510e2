// Chat templates: each template of tests/chat/templates.json recognised as its family and
// rendered as Jinja renders it (tests/js/chat-templates.test.js holds the two to the same bytes on
// the lecture prompts), templates of no known family refused, and the text of BOS and EOS
// encoded as those tokens.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "model/chat_template.h"
#include "model/generate.h"
#include "model/tokenizer.h"
#include "test_util.h"

namespace circulant {
namespace {

nlohmann::json fixture_templates() {
  std::ifstream in(testing::source_path("tests/chat/templates.json"));
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str())["templates"];
}

const nlohmann::json* fixture(const std::string& name) {
  static const nlohmann::json all = fixture_templates();
  for (const nlohmann::json& t : all)
    if (t["name"] == name) return &t;
  return nullptr;
}

// The fixture's template rendered by the CLI's renderer.
std::string rendered(const std::string& name, const std::string& message) {
  const nlohmann::json* t = fixture(name);
  if (!t) return "no fixture " + name;
  auto format = recognise_chat_template(t->at("template").get<std::string>());
  if (!format.ok()) return format.error();
  return render_chat(format.value(), t->at("bos"), t->at("eos"), message);
}

TEST(ChatTemplate, EachFixtureIsRecognisedAsItsFamily) {
  const std::map<std::string, ChatFamily> families = {{"chatml", ChatFamily::kChatMl},
                                                      {"llama3", ChatFamily::kLlama3},
                                                      {"llama2", ChatFamily::kLlama2},
                                                      {"zephyr", ChatFamily::kZephyr},
                                                      {"gemma", ChatFamily::kGemma}};
  const nlohmann::json all = fixture_templates();
  ASSERT_GE(all.size(), 8u);
  for (const nlohmann::json& t : all) {
    auto format = recognise_chat_template(t["template"].get<std::string>());
    ASSERT_TRUE(format.ok()) << t["name"] << ": " << format.error();
    EXPECT_EQ(format->family, families.at(t["family"])) << t["name"];
  }
}

// What @huggingface/jinja renders for these templates (checked there on the lecture prompts); the
// message's spaces and newline show which families trim it.
TEST(ChatTemplate, RendersOneUserMessageAsTheTemplateDoes) {
  const std::string m = " Why FFT?\n";
  EXPECT_EQ(rendered("chatml", m),
            "<|im_start|>user\n Why FFT?\n<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(rendered("smollm2", m),
            "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
            "Face<|im_end|>\n<|im_start|>user\n Why FFT?\n<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(rendered("qwen2", m),
            "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n Why "
            "FFT?\n<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(rendered("qwen2.5", m),
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
            "assistant.<|im_end|>\n<|im_start|>user\n Why FFT?\n<|im_end|>\n<|im_start|>"
            "assistant\n");
  EXPECT_EQ(
      rendered("llama3", m),
      "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWhy FFT?<|eot_id|><|start_"
      "header_id|>assistant<|end_header_id|>\n\n");
  EXPECT_EQ(rendered("llama2", m), "<s>[INST] Why FFT? [/INST]");
  EXPECT_EQ(rendered("zephyr", m), "<|user|>\n Why FFT?\n</s>\n<|assistant|>\n");
  EXPECT_EQ(rendered("gemma", m),
            "<bos><start_of_turn>user\nWhy FFT?<end_of_turn>\n<start_of_turn>model\n");
}

TEST(ChatTemplate, ZephyrOnOneLineHasNoLayoutNewlines) {
  auto format = recognise_chat_template(
      "{% for message in messages %}{{ '<|user|>\\n' + message['content'] + eos_token }}"
      "{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}");
  ASSERT_TRUE(format.ok()) << format.error();
  EXPECT_EQ(render_chat(format.value(), "<s>", "</s>", "Hi"), "<|user|>\nHi</s><|assistant|>\n");
}

TEST(ChatTemplate, TemplatesOfNoKnownFamilyAreRefusedWithWhatIsKnown) {
  const char* unknown[] = {
      ("{% for message in messages %}### Instruction:\n{{ message['content'] }}\n\n### Response:\n"
       "{% endfor %}"),
      "{{ messages[0]['content'] }}", ""};
  for (const char* source : unknown) {
    auto format = recognise_chat_template(source);
    ASSERT_FALSE(format.ok()) << source;
    EXPECT_NE(format.error().find("no family this engine knows"), std::string::npos);
    EXPECT_NE(format.error().find(chat_families_text()), std::string::npos);
    EXPECT_NE(format.error().find("the page renders any Jinja template"), std::string::npos);
  }
  // Llama 3.1 writes a dated system message of its own, which the renderer does not.
  auto dated = recognise_chat_template(
      "{{- bos_token }}{{- '<|start_header_id|>system<|end_header_id|>\\n\\n' }}{{- 'Cutting "
      "Knowledge Date: December 2023\\n' }}{{ '<|eot_id|>' }}");
  ASSERT_FALSE(dated.ok());
  EXPECT_NE(dated.error().find("Llama 3.1"), std::string::npos) << dated.error();
}

TEST(ChatTemplate, TextOfBosAndEosEncodesAsThoseTokens) {
  auto tokenizer = Tokenizer::load(testing::source_path("models/tokenizer.bin"), 2048);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.error();
  const Tokenizer& t = tokenizer.value();
  // As llama.cpp's parse_special: each text part encoded alone, with its space prefix.
  std::vector<int> expected = {kBos};
  for (int id : t.encode("[INST] Hi [/INST]", false, false)) expected.push_back(id);
  expected.push_back(kEos);
  for (int id : t.encode("more", false, false)) expected.push_back(id);
  EXPECT_EQ(t.encode_with_specials("<s>[INST] Hi [/INST]</s>more", false), expected);
  expected.insert(expected.begin(), kBos);
  EXPECT_EQ(t.encode_with_specials("<s>[INST] Hi [/INST]</s>more", true), expected);
  // Without specials in the text it is encode's text.
  EXPECT_EQ(t.encode_with_specials("The city", true), t.encode("The city"));
  // A prompt whose template writes bos_token starts with one BOS, not two; one that does not
  // gets the BOS the model was trained with.
  EXPECT_EQ(encode_text(t, "<s>[INST] Hi [/INST]", true).front(), kBos);
  EXPECT_NE(encode_text(t, "<s>[INST] Hi [/INST]", true)[1], kBos);
  EXPECT_EQ(encode_text(t, "<|im_start|>user\nHi", true),
            t.encode_with_specials("<|im_start|>user\nHi", true));
  // Plain prompts keep the text "<s>" as text.
  EXPECT_EQ(encode_text(t, "<s>", false), t.encode("<s>"));
  EXPECT_NE(t.encode("<s>"), t.encode_with_specials("<s>", true));
}

}  // namespace
}  // namespace circulant
