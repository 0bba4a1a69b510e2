// Chat templates without a Jinja engine: the template families real small models ship (ChatML,
// Llama 3, Llama 2, Zephyr, Gemma) recognised from the template's text, and one user message
// rendered as that family's template renders it. The page renders any template with a real Jinja
// implementation; tests/js/chat-templates.test.js holds the two to the same bytes.
#pragma once

#include <string>
#include <string_view>

#include "util/result.h"

namespace circulant {

enum class ChatFamily { kChatMl, kLlama3, kLlama2, kZephyr, kGemma };

// What a rendering depends on beyond the family, read from the template's text.
struct ChatFormat {
  ChatFamily family = ChatFamily::kChatMl;
  std::string default_system;        // ChatML: the system message used when none is given
  bool starts_with_bos = false;      // the template writes bos_token first
  bool trims_content = false;        // `| trim` or `.strip()` on the message
  std::string after_end_of_message;  // Zephyr: what follows eos_token (a newline of the layout)
  std::string after_prompt;          // Zephyr: what follows the generation prompt
};

// The families, for messages: "ChatML (Qwen2, SmolLM2), Llama 3, Llama 2 [INST], Zephyr, Gemma".
const char* chat_families_text();
const char* chat_family_name(ChatFamily family);

// The family of `source`, or an error saying which families the CLI renders and that the page
// renders any template.
Result<ChatFormat> recognise_chat_template(std::string_view source);

// One user message with the generation prompt (add_generation_prompt true), and the template's
// default system message where it has one, as the template renders it with these special texts.
std::string render_chat(const ChatFormat& format, const std::string& bos_text,
                        const std::string& eos_text, const std::string& message);

}  // namespace circulant
