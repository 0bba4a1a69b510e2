// The chat template families, told apart by the special tokens their text spells, and the few
// details that vary within a family (a default system message, trimming, Zephyr's line layout)
// read from the Jinja source as Hugging Face renders it (trim_blocks and lstrip_blocks on).
#include "model/chat_template.h"

namespace circulant {
namespace {

bool has(std::string_view source, std::string_view what) {
  return source.find(what) != std::string_view::npos;
}

// The value of the Jinja string literal whose opening quote is at `open` (escapes undone), and
// where its closing quote is; npos when it does not close.
std::string literal_at(std::string_view source, size_t open, size_t* close) {
  const char quote = source[open];
  std::string value;
  for (size_t i = open + 1; i < source.size(); ++i) {
    if (source[i] == quote) {
      *close = i;
      return value;
    }
    if (source[i] != '\\' || i + 1 == source.size()) {
      value += source[i];
      continue;
    }
    const char e = source[++i];
    value += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
  }
  *close = std::string_view::npos;
  return value;
}

bool is_quote(char c) { return c == '\'' || c == '"'; }

// ChatML's default system message: a single literal holding a whole system turn,
// '<|im_start|>system\n…<|im_end|>' (Qwen2's and SmolLM2's, used when no system message is given).
// A literal that stops after "system\n" belongs to the branch that writes a given one.
std::string default_system(std::string_view source) {
  constexpr std::string_view kStart = "<|im_start|>system\n", kEnd = "<|im_end|>";
  for (size_t at = source.find("<|im_start|>system"); at != std::string_view::npos;
       at = source.find("<|im_start|>system", at + 1)) {
    if (at == 0 || !is_quote(source[at - 1])) continue;
    size_t close = 0;
    const std::string value = literal_at(source, at - 1, &close);
    const size_t end = value.find(kEnd);
    if (value.compare(0, kStart.size(), kStart) == 0 && end != std::string::npos)
      return value.substr(kStart.size(), end - kStart.size());
  }
  return "";
}

// What an expression ending at `after` adds to the output past its `}}`: the newline that
// follows the tag (trim_blocks keeps a newline after `}}`), none when `-}}` strips it or another
// tag follows.
std::string newline_after_tag(std::string_view source, size_t after) {
  size_t i = source.find_first_not_of(' ', after);
  if (i == std::string_view::npos) return "";
  if (source.compare(i, 3, "-}}") == 0 || source.compare(i, 2, "}}") != 0) return "";
  return i + 2 < source.size() && source[i + 2] == '\n' ? "\n" : "";
}

// Zephyr's layout: `{{ '<|user|>\n' + message['content'] + eos_token }}` on a line of its own
// puts a newline after the message, and `{{ '<|assistant|>' }}` one after the prompt.
void read_zephyr_layout(std::string_view source, ChatFormat* format) {
  const size_t user = source.find("<|user|>");
  const size_t eos = source.find("eos_token", user);
  if (eos != std::string_view::npos)
    format->after_end_of_message =
        newline_after_tag(source, eos + std::string_view("eos_token").size());
  const size_t prompt = source.rfind("<|assistant|>");
  if (prompt == 0 || !is_quote(source[prompt - 1])) return;
  size_t close = 0;
  const std::string value = literal_at(source, prompt - 1, &close);
  if (close == std::string_view::npos) return;
  format->after_prompt =
      value.substr(std::string_view("<|assistant|>").size()) + newline_after_tag(source, close + 1);
}

std::string trimmed(const std::string& text) {
  constexpr const char* kSpace = " \t\n\r\f\v";
  const size_t first = text.find_first_not_of(kSpace);
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

}  // namespace

const char* chat_families_text() {
  return "ChatML (Qwen2's, SmolLM2's), Llama 3, Llama 2 ([INST]), Zephyr and Gemma";
}

const char* chat_family_name(ChatFamily family) {
  switch (family) {
    case ChatFamily::kChatMl:
      return "ChatML";
    case ChatFamily::kLlama3:
      return "Llama 3";
    case ChatFamily::kLlama2:
      return "Llama 2";
    case ChatFamily::kZephyr:
      return "Zephyr";
    case ChatFamily::kGemma:
      return "Gemma";
  }
  return "?";
}

Result<ChatFormat> recognise_chat_template(std::string_view source) {
  const std::string unknown = std::string("the CLI renders the chat templates of ") +
                              chat_families_text() +
                              ", and the page renders any Jinja template (its chat switch)";
  ChatFormat f;
  if (has(source, "<|start_header_id|>") && has(source, "<|eot_id|>")) {
    // Llama 3.1 and later write a dated system message of their own.
    if (has(source, "Cutting Knowledge Date"))
      return Error{"the chat template is Llama 3.1's or later's (a dated system message), which " +
                   unknown};
    f.family = ChatFamily::kLlama3;
  } else if (has(source, "<start_of_turn>") && has(source, "<end_of_turn>")) {
    f.family = ChatFamily::kGemma;
  } else if (has(source, "<|im_start|>") && has(source, "<|im_end|>")) {
    f.family = ChatFamily::kChatMl;
    f.default_system = default_system(source);
  } else if (has(source, "<|user|>") && has(source, "<|assistant|>")) {
    f.family = ChatFamily::kZephyr;
    read_zephyr_layout(source, &f);
  } else if (has(source, "[INST]") && has(source, "[/INST]")) {
    f.family = ChatFamily::kLlama2;
  } else {
    return Error{"the chat template is of no family this engine knows: " + unknown};
  }
  f.starts_with_bos = has(source, "bos_token");
  f.trims_content = f.family != ChatFamily::kChatMl &&
                    (has(source, "| trim") || has(source, "|trim") || has(source, ".strip()"));
  return f;
}

std::string render_chat(const ChatFormat& f, const std::string& bos_text,
                        const std::string& eos_text, const std::string& message) {
  const std::string m = f.trims_content ? trimmed(message) : message;
  const std::string bos = f.starts_with_bos ? bos_text : "";
  switch (f.family) {
    case ChatFamily::kChatMl: {
      const std::string system = f.default_system.empty()
                                     ? ""
                                     : "<|im_start|>system\n" + f.default_system + "<|im_end|>\n";
      return bos + system + "<|im_start|>user\n" + m + "<|im_end|>\n<|im_start|>assistant\n";
    }
    case ChatFamily::kLlama3:
      return bos + "<|start_header_id|>user<|end_header_id|>\n\n" + m +
             "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
    case ChatFamily::kLlama2:
      return bos + "[INST] " + m + " [/INST]";
    case ChatFamily::kZephyr:
      return bos + "<|user|>\n" + m + eos_text + f.after_end_of_message + "<|assistant|>" +
             f.after_prompt;
    case ChatFamily::kGemma:
      return bos + "<start_of_turn>user\n" + m + "<end_of_turn>\n<start_of_turn>model\n";
  }
  return m;
}

}  // namespace circulant
