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

// --model and --tokenizer, defaulting to the shipped models/default.bin and models/tokenizer.bin.
Result<std::shared_ptr<const Weights>> load_model_flag(const Args& args);
Result<LoadedModel> load_model_and_tokenizer(const Args& args);

std::string json_number(double v);  // shortest text that reads back to the same double

}  // namespace circulant
