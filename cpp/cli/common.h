// What every subcommand shares: loading the model and tokenizer named by flags, and JSON numbers.
#pragma once

#include <memory>
#include <string>

#include "cli/args.h"
#include "model/checkpoint.h"
#include "model/tokenizer.h"

namespace circulant {

struct LoadedModel {
  std::shared_ptr<const Weights> weights;
  Tokenizer tokenizer;
};

// The model of --model: a llama2.c or float16 checkpoint, or a GGUF file (told by its magic, not
// its name), which also holds the model's tokenizer (or says why it cannot be used). With a GGUF
// file --tokenizer is refused.
struct ModelFile {
  std::shared_ptr<const Weights> weights;
  bool gguf = false;
  Result<Tokenizer> tokenizer = Error{"a checkpoint holds no tokenizer"};
};
Result<ModelFile> load_model_file(const Args& args);

// --model and --tokenizer (the shipped models/default.bin and models/tokenizer.bin by default;
// a GGUF model's own tokenizer).
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
