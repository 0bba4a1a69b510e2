// Model loading for the CLI, with defaults that point at the shipped model.
#include "cli/common.h"

#include <cmath>
#include <cstdio>

namespace circulant {
namespace {

std::string default_path(const char* file) { return std::string(CIRCULANT_MODELS_DIR) + "/" + file; }

}  // namespace

Result<std::shared_ptr<const Weights>> load_model_flag(const Args& args) {
  // --max-memory GiB: the most a run of the model may take (its KV cache), checked before loading.
  auto gib = args.get_double("max-memory", double(kDefaultMaxRunBytes >> 30), 0.001, 1024);
  if (!gib.ok()) return Error{gib.error()};
  return load_checkpoint(args.get("model", default_path("default.bin")), kDefaultMaxCheckpointBytes,
                         uint64_t(gib.value() * double(uint64_t(1) << 30)));
}

Result<LoadedModel> load_model_and_tokenizer(const Args& args) {
  auto weights = load_model_flag(args);
  if (!weights.ok()) return Error{weights.error()};
  auto tokenizer = Tokenizer::load(args.get("tokenizer", default_path("tokenizer.bin")),
                                   weights.value()->config.vocab_size);
  if (!tokenizer.ok()) return Error{tokenizer.error()};
  return LoadedModel{weights.value(), std::move(tokenizer.value())};
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.9g", v);
  return buffer;
}

}  // namespace circulant
