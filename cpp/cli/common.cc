// Model loading for the CLI, with defaults that point at the shipped model.
#include "cli/common.h"

#include <cmath>
#include <cstdio>

namespace circulant {
namespace {

std::string default_path(const char* file) {
  return std::string(CIRCULANT_MODELS_DIR) + "/" + file;
}

}  // namespace

Result<std::shared_ptr<const Weights>> load_model_flag(const Args& args) {
  // --max-memory GiB: the most a run of the model may take (its KV cache), checked before loading.
  auto gib = args.get_double("max-memory", double(kDefaultMaxRunBytes >> 30), 0.001, 1024);
  RETURN_IF_ERROR(gib);
  return load_checkpoint(args.get("model", default_path("default.bin")), kDefaultMaxCheckpointBytes,
                         uint64_t(gib.value() * double(uint64_t(1) << 30)));
}

Result<LoadedModel> load_model_and_tokenizer(const Args& args) {
  auto weights = load_model_flag(args);
  RETURN_IF_ERROR(weights);
  auto tokenizer = Tokenizer::load(args.get("tokenizer", default_path("tokenizer.bin")),
                                   weights.value()->config.vocab_size);
  RETURN_IF_ERROR(tokenizer);
  return LoadedModel{weights.value(), std::move(tokenizer.value())};
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.9g", v);
  return buffer;
}

}  // namespace circulant
