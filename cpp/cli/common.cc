// Model loading for the CLI, with defaults that point at the shipped model.
#include "cli/common.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <vector>

#include "cli/commands.h"
#include "model/gguf_file.h"
#include "model/gguf_model.h"
#include "student/student.h"
#include "util/files.h"
#include "util/thread_pool.h"

namespace circulant {
namespace {

int first_output_error = 0;  // errno of the first failed write to stdout

void note_output_error() {
  if (first_output_error == 0) first_output_error = errno != 0 ? errno : EIO;
}

}  // namespace

namespace {

// A file is GGUF when it begins with GGUF's magic, whatever its name. Only a regular file is
// opened: reading a pipe would wait for ever (the checkpoint loader then names the problem).
bool begins_as_gguf(const std::string& path) {
  if (!regular_file_size(path).ok()) return false;
  uint8_t head[4] = {};
  std::ifstream in(path, std::ios::binary);
  return in.read(reinterpret_cast<char*>(head), sizeof head) && is_gguf(head, sizeof head);
}

constexpr unsigned kMakesStudents = kCompare | kSweep | kPerplexity | kDistill;

// A student thread's scratch at the worst of the block sizes and structures the flags may make.
// Students from a file (--student), or flags the command refuses later, count as any block size
// and either structure: the file's plans are read after the model.
uint64_t student_scratch_bound(const Args& args, const Config& c) {
  const bool from_file = args.has("student");
  if (!(args.command() & kMakesStudents)) return 0;
  if (args.command() == kPerplexity && !args.has("block") && !from_file) return 0;
  std::vector<int> blocks;
  const auto list = parse_blocks(args.text("blocks"));
  const auto block = args.whole("block");
  if (list.ok() && (args.has("blocks") || args.command() == kSweep))
    blocks = list.value();
  else if (args.command() != kSweep && block.ok() && check_block_size(block.value()).ok())
    blocks = {int(block.value())};
  if (blocks.empty() || from_file) blocks = {1, 2, 4, 8, 16, 32, 64, 128, 256};
  std::vector<Structure> structures = {Structure::kCirculant, Structure::kLowRank};
  const auto named = parse_structure(args.text("structure"));
  if (named.ok() && !from_file) structures = {named.value()};
  uint64_t most = 0;
  for (int b : blocks)
    for (Structure s : structures)
      most = std::max(most, student_thread_scratch_bytes(c, b, s, !args.has("no-cache")));
  return most;
}

}  // namespace

Result<ModelFile> load_model_file(const Args& args) {
  // --max-memory GiB: the most the runs of the model may take (their KV caches) and the scratch
  // of the threads beyond the first, checked before loading.
  LoadLimits limits;
  auto gib = args.number("max-memory");
  RETURN_IF_ERROR(gib);
  limits.max_run_bytes = uint64_t(gib.value() * double(uint64_t(1) << 30));
  // These run prompts (or calibration lines) side by side, a run of the model on each thread.
  if (args.command() & kMakesStudents) limits.runs_at_once = threads();
  // Every command that runs the model shares its products with the pool's threads.
  if (!(args.command() & (kInfo | kConvert))) {
    limits.extra_threads = threads() - 1;
    limits.thread_scratch_bytes = [&args](const Config& c) {
      return model_thread_scratch_bytes(c, (args.command() & kMakesStudents) != 0) +
             student_scratch_bound(args, c);
    };
  }
  const std::string path = args.file("model");
  if (!begins_as_gguf(path)) {
    auto weights = load_checkpoint(path, limits);
    RETURN_IF_ERROR(weights);
    return ModelFile{weights.value()};
  }
  // Two tokenizers for one model would be one too many: the file's is the model's.
  if (args.has("tokenizer"))
    return Error{"--tokenizer " + args.text("tokenizer") + ": " + path +
                 " is a GGUF file, which holds its own tokenizer; drop --tokenizer"};
  auto model = load_gguf_model(path, limits);
  RETURN_IF_ERROR(model);
  return ModelFile{model->weights, true, std::move(model->tokenizer), std::move(model->chat)};
}

Result<std::shared_ptr<const Weights>> load_model_flag(const Args& args) {
  auto file = load_model_file(args);
  RETURN_IF_ERROR(file);
  return file->weights;
}

Result<LoadedModel> load_model_and_tokenizer(const Args& args) {
  auto file = load_model_file(args);
  RETURN_IF_ERROR(file);
  auto chat = chat_option(args, file.value());
  RETURN_IF_ERROR(chat);
  if (file->gguf) {
    RETURN_IF_ERROR(file->tokenizer);
    return LoadedModel{file->weights, std::move(file->tokenizer.value()), chat.value(),
                       file->chat_template};
  }
  auto tokenizer = Tokenizer::load(args.file("tokenizer"), file->weights->config.vocab_size);
  RETURN_IF_ERROR(tokenizer);
  return LoadedModel{file->weights, std::move(tokenizer.value()), chat.value(), {}};
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
