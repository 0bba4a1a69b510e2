// Model loading for the CLI, with defaults that point at the shipped model.
#include "cli/common.h"

#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>

#include "util/files.h"

namespace circulant {
namespace {

int first_output_error = 0;  // errno of the first failed write to stdout

void note_output_error() {
  if (first_output_error == 0) first_output_error = errno != 0 ? errno : EIO;
}

}  // namespace

Result<std::shared_ptr<const Weights>> load_model_flag(const Args& args) {
  // --max-memory GiB: the most a run of the model may take (its KV cache), checked before loading.
  LoadLimits limits;
  auto gib = args.number("max-memory");
  RETURN_IF_ERROR(gib);
  limits.max_run_bytes = uint64_t(gib.value() * double(uint64_t(1) << 30));
  return load_checkpoint(args.file("model"), limits);
}

Result<LoadedModel> load_model_and_tokenizer(const Args& args) {
  auto weights = load_model_flag(args);
  RETURN_IF_ERROR(weights);
  auto tokenizer = Tokenizer::load(args.file("tokenizer"), weights.value()->config.vocab_size);
  RETURN_IF_ERROR(tokenizer);
  return LoadedModel{weights.value(), std::move(tokenizer.value())};
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.9g", v);
  return buffer;
}

double nine_digits(double v) { return std::strtod(json_number(v).c_str(), nullptr); }

void print(const char* format, ...) {
  va_list values;
  va_start(values, format);
  errno = 0;
  if (std::vfprintf(stdout, format, values) < 0) note_output_error();
  va_end(values);
}

void print_text(const std::string& text) {
  errno = 0;
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size()) note_output_error();
}

bool flush_output() {
  errno = 0;
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) note_output_error();
  return first_output_error == 0;
}

Status finish_output() {
  if (flush_output()) return ok_status();
  return Error{"cannot write the results to standard output: " + write_failure(first_output_error)};
}

}  // namespace circulant
