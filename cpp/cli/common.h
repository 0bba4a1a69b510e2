// What every subcommand shares: loading the model and tokenizer named by flags, and JSON numbers.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/args.h"
#include "model/chat_template.h"
#include "model/checkpoint.h"
#include "model/gguf_model.h"
#include "model/tokenizer.h"

namespace circulant {

// --chat: the model's chat template, as the CLI renders it (model/chat_template.h).
struct ChatWrap {
  ChatFormat format;
  std::string bos_text, eos_text;
};

struct LoadedModel {
  std::shared_ptr<const Weights> weights;
  Tokenizer tokenizer;
  std::optional<ChatWrap> chat;    // with --chat
  ChatTemplateText chat_template;  // a GGUF file's ("" for none), kept by convert

  // A prompt as the model is given it: with --chat a user message in the model's template, whose
  // special tokens encode_prompt and encode_lines then parse (parse_specials()).
  std::string prompt_text(const std::string& prompt) const;
  std::vector<std::string> prompt_texts(const std::vector<std::string>& prompts) const;
  bool parse_specials() const { return chat.has_value(); }
};

// The model of --model: a llama2.c or float16 checkpoint, or a GGUF file (told by its magic, not
// its name), which also holds the model's tokenizer (or says why it cannot be used). With a GGUF
// file --tokenizer is refused.
struct ModelFile {
  std::shared_ptr<const Weights> weights;
  bool gguf = false;
  Result<Tokenizer> tokenizer = Error{"a checkpoint holds no tokenizer"};
  ChatTemplateText chat_template;
};
Result<ModelFile> load_model_file(const Args& args);

// --chat's template for this model: none without the flag; an error for a model that has no
// template or one of a family the CLI does not render.
Result<std::optional<ChatWrap>> chat_option(const Args& args, const ModelFile& file);

// --model and --tokenizer (the shipped models/default.bin and models/tokenizer.bin by default;
// a GGUF model's own tokenizer), and with --chat the model's chat template (cli/chat_option.cc),
// refused for a model without one or of a family the CLI does not render.
Result<std::shared_ptr<const Weights>> load_model_flag(const Args& args);
Result<LoadedModel> load_model_and_tokenizer(const Args& args);

std::string json_number(double v);  // "%.9g", or null when not finite
double nine_digits(double v);       // the double json_number prints: JSON shows ≤ 9 digits

// The results go to stdout through these, which keep why the first failed write failed: a later
// flush no longer knows, and main reports it.
void print(const char* format, ...) __attribute__((format(printf, 1, 2)));
void print_text(const std::string& text);
bool flush_output();  // false once any write of the results has failed
// Flushes stdout; the error says why a write of the results failed, if one did.
Status finish_output();

}  // namespace circulant
