// --chat: each prompt of a command wrapped as a user message with the model's own chat template.
#include "cli/common.h"

namespace circulant {

Result<std::optional<ChatWrap>> chat_option(const Args& args, const ModelFile& file) {
  if (!args.has("chat")) return std::optional<ChatWrap>();
  const std::string path = args.file("model");
  const std::string add_one = "circulant convert --model " + path +
                              " --out NAME.gguf --chat-template FILE writes one with a template";
  if (!file.gguf)
    return Error{"--chat: " + path + " is a llama2.c checkpoint, which holds no chat template; " +
                 add_one + ", or drop --chat"};
  if (file.chat_template.source.empty())
    return Error{"--chat: " + path + " holds no chat template (tokenizer.chat_template); " +
                 add_one + ", or drop --chat"};
  auto format = recognise_chat_template(file.chat_template.source);
  if (!format.ok()) return Error{"--chat: " + path + ": " + format.error()};
  return std::optional<ChatWrap>(
      ChatWrap{format.value(), file.chat_template.bos_text, file.chat_template.eos_text});
}

std::string LoadedModel::prompt_text(const std::string& prompt) const {
  if (!chat) return prompt;
  return render_chat(chat->format, chat->bos_text, chat->eos_text, prompt);
}

std::vector<std::string> LoadedModel::prompt_texts(const std::vector<std::string>& prompts) const {
  std::vector<std::string> texts;
  for (const std::string& p : prompts) texts.push_back(prompt_text(p));
  return texts;
}

}  // namespace circulant
