// Every command and flag of `circulant`, each declared once.
//
// Why a table of our own and not CLI11 (Debian's libcli11-dev 2.1.2), measured on this machine:
// CLI11 reports every error by throwing, and the CLI is also built for WebAssembly with
// -fno-exceptions (bench/wasm, the CLI raced against run.c): a 5-flag CLI11 program fails to
// compile there (21 errors from em++ 3.1.6, 6 from g++ 12 with -fno-exceptions). With exceptions
// it compiles in 14.5 s (this file's parser, cli/args.cc: 0.5 s) into a 373 KB binary, and its
// errors are two lines with exit codes 105–109, where ours are one line that names the flag and
// the fix, exit 2 for a command line that cannot be read and 1 for one that is refused. We would
// wrap each of its errors to keep the tests' messages; the table and its parser are smaller.
#include "cli/flag_table.h"

#include <cstdio>
#include <limits>

#include "model/checkpoint.h"
#include "model/sampler.h"
#include "student/plan.h"
#include "util/thread_pool.h"

namespace circulant {

Flag Flag::needed_by(CommandSet commands_that_need_it) const {
  Flag f = *this;
  f.required = commands_that_need_it;
  return f;
}

bool Flag::unbounded() const {
  return whole_min == std::numeric_limits<int64_t>::min() &&
         whole_max == std::numeric_limits<int64_t>::max();
}

namespace {

constexpr CommandSet kAllCommands = (1u << 9) - 1;
constexpr CommandSet kTables = kCompare | kSweep;
constexpr CommandSet kMakesStudents = kCompare | kSweep | kPerplexity | kDistill;
constexpr CommandSet kLoadsStudents = kCompare | kSweep | kPerplexity;

Flag declare(const char* name, CommandSet commands, Group group, Kind kind, const char* value,
             std::string fallback, std::string help) {
  Flag f;
  f.name = name, f.commands = commands, f.group = group, f.kind = kind, f.value = value;
  f.fallback = std::move(fallback), f.help = std::move(help);
  return f;
}

Flag toggle(const char* name, CommandSet commands, Group group, std::string help) {
  return declare(name, commands, group, Kind::kSwitch, "", "", std::move(help));
}

Flag text(const char* name, CommandSet commands, Group group, const char* value,
          std::string fallback, std::string help) {
  return declare(name, commands, group, Kind::kText, value, std::move(fallback), std::move(help));
}

Flag choice(const char* name, CommandSet commands, Group group, const char* names,
            std::string fallback, std::string help) {
  return declare(name, commands, group, Kind::kChoice, names, std::move(fallback), std::move(help));
}

Flag file(const char* name, CommandSet commands, Group group, const char* value,
          std::string fallback, std::string help) {
  return declare(name, commands, group, Kind::kFile, value, std::move(fallback), std::move(help));
}

Flag whole(const char* name, CommandSet commands, Group group, const char* value, int64_t min,
           int64_t max, int64_t fallback, std::string help) {
  Flag f = declare(name, commands, group, Kind::kWhole, value, std::to_string(fallback), help);
  f.whole_min = min, f.whole_max = max;
  return f;
}

Flag number(const char* name, CommandSet commands, Group group, const char* value, double min,
            double max, double fallback, std::string help) {
  Flag f = declare(name, commands, group, Kind::kNumber, value, number_text(fallback), help);
  f.number_min = min, f.number_max = max;
  return f;
}

}  // namespace

const std::vector<CommandInfo>& command_table() {
  static const std::vector<CommandInfo> commands = {
      {kGenerate, "generate", "print the prompt and its continuation"},
      {kLogits, "logits", "JSON: the prompt's tokens and the logits at its last position"},
      {kInfo, "info", "the model's configuration and parameter counts"},
      {kBench, "bench", "prefill and decode tokens/s, and decode against a streaming read"},
      {kCompare, "compare", "the teacher's and the student's rows of the published table"},
      {kSweep, "sweep", "the teacher's row and one student row per block size"},
      {kPerplexity, "perplexity",
       "perplexity of the teacher, and of a student with --block or --student"},
      {kDistill, "distill", "train students against the teacher and save them for --student"},
      {kConvert, "convert",
       "write the model as llama2.c's float32 version 1, float16, or GGUF (--out NAME.gguf)"},
  };
  return commands;
}

const std::vector<GroupInfo>& group_table() {
  static const std::vector<GroupInfo> groups = {
      {Group::kModel, "model"},
      {Group::kGeneration, "generation"},
      {Group::kStudent, "student"},
      {Group::kDistillation, "distillation", "projection", "distill"},
      {Group::kMeasurement, "measurement"},
      {Group::kOutput, "output"},
  };
  return groups;
}

const std::vector<Flag>& flag_table() {
  using G = Group;
  const SamplerSettings sampler;
  const StudentPlan plan;
  const DistillSettings& distill = plan.distill;
  static const std::vector<Flag> flags = {
      file("model", kAllCommands, G::kModel, "M", "models/default.bin",
           "a llama2.c checkpoint (legacy or version 1), a float16 one (circulant convert) or a "
           "GGUF file (llama or qwen2), told apart by their first bytes"),
      file("tokenizer", kAllCommands & ~kInfo, G::kModel, "T", "models/tokenizer.bin",
           "its tokenizer (refused with a GGUF model, which holds its own)"),
      toggle("chat", kGenerate | kLogits | kTables | kDistill, G::kModel,
             "wrap each prompt as a user message in the model's own chat template (a GGUF "
             "file's; docs/chat.md lists the families the CLI renders)"),
      number("max-memory", kAllCommands, G::kModel, "GiB", 0.001, 1024,
             double(LoadLimits().max_run_bytes >> 30),
             "the most memory the runs of the model (their KV caches) and the scratch of each "
             "thread beyond the first may take, checked before it is loaded"),
      whole("threads", kAllCommands, G::kModel, "N", 1, kMaxThreads, hardware_threads(),
            "threads to compute with (the default is this machine's cores); the results are "
            "the same bits with any number"),

      text("prompt", kGenerate | kLogits, G::kGeneration, "TEXT", "", "the text to continue")
          .needed_by(kGenerate | kLogits),
      whole("steps", kGenerate, G::kGeneration, "N", 0, 1 << 20, 256,
            "positions to run, BOS and prompt included, as llama2.c's -n"),
      number("temperature", kGenerate, G::kGeneration, "X", 0, 100, sampler.temperature,
             "0 is greedy"),
      number("top-p", kGenerate, G::kGeneration, "X", 0, 1, sampler.top_p,
             "the nucleus's probability mass; 1 turns it off"),
      number("repeat-penalty", kGenerate, G::kGeneration, "X", 0.01, 100, sampler.repeat_penalty,
             "as llama.cpp's; 1 turns it off"),
      whole("seed", kGenerate, G::kGeneration, "N", 0, int64_t{1} << 62, int64_t(sampler.seed),
            "makes sampling repeatable"),
      toggle("speed", kGenerate, G::kGeneration,
             "tokens/s of the generated tokens on stderr, as llama2.c's run.c reports it"),

      // Checked by the plan (a power of two up to 256) after it is read as 64 bits.
      whole("block", kCompare | kPerplexity | kDistill, G::kStudent, "B",
            std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(), plan.block,
            "block size, a power of two from 1 to 256"),
      text("blocks", kSweep, G::kStudent, "LIST", "1,2,4,8,16,32,64,128,256",
           "block sizes, a student each"),
      text("blocks", kDistill, G::kStudent, "LIST", "", "block sizes, a student each"),
      text("layers", kMakesStudents, G::kStudent, "SPEC", "all",
           "all, first:k, last:k, one index or a comma list"),
      text("matrices", kMakesStudents, G::kStudent, "LIST", "gate,up,down",
           "the MLP matrices replaced, a comma list"),
      text("structure", kMakesStudents, G::kStudent, "circulant|low-rank|removed",
           structure_name(plan.structure), "what replaces each matrix"),
      text("projection", kLoadsStudents, G::kStudent,
           "frobenius|loss-aware|loss-aware-sequential|distill", projection_name(plan.projection),
           "how the student is made from the teacher"),
      number("lambda", kMakesStudents, G::kStudent, "X", 0, 1e12, plan.lambda,
             "the loss-aware ridge, relative to the mean diagonal of the inputs' Gram matrix"),
      file("calibration", kMakesStudents, G::kStudent, "FILE", "models/prompts/calibration.txt",
           "held-out passages, one a line, for the loss-aware projections and distillation"),
      text("student", kLoadsStudents, G::kStudent, "FILE", "",
           "students saved by distill (a file, or a folder of them), used instead of making them"),
      toggle("no-cache", kMakesStudents, G::kStudent,
             "recompute the FFT of each block on every call, to show what the cache is worth"),

      // In this order in the message that asks for --projection distill.
      whole("steps", kMakesStudents, G::kDistillation, "N", 1, 100000, distill.steps,
            "training steps"),
      number("lr", kMakesStudents, G::kDistillation, "X", 1e-9, 1.0, distill.learning_rate,
             "the peak learning rate, reached after a linear warm-up of " +
                 std::to_string(kDistillWarmupSteps) + " steps"),
      whole("batch", kMakesStudents, G::kDistillation, "N", 1, 4096, distill.batch,
            "calibration lines a step"),
      choice("init", kMakesStudents, G::kDistillation, "frobenius|loss-aware|loss-aware-sequential",
             projection_name(plan.projection), "the projection training starts from"),
      whole("seed", kMakesStudents, G::kDistillation, "N", 0, int64_t{1} << 40,
            int64_t(distill.seed),
            "the order of the batches; the same flags give the same student"),
      toggle("train-norms", kMakesStudents, G::kDistillation,
             "also train the patched layers' MLP RMSNorm gains"),

      file("prompts", kTables | kDistill, G::kMeasurement, "FILE", "models/prompts/lecture-20.txt",
           "the prompts the metrics are measured on, one a line"),
      choice("positions", kTables, G::kMeasurement, "last|all", "last",
             "the metrics at each prompt's last position, or at every position"),
      whole("runs", kBench, G::kMeasurement, "N", 1, 1000, 5, "timed runs; the median is shown"),
      whole("runs", kTables, G::kMeasurement, "N", 0, 1000, 5,
            "timed runs of each model; 0 leaves out the speed columns"),
      text("text", kPerplexity, G::kMeasurement, "FILE", "", "held-out text, one passage per line")
          .needed_by(kPerplexity),
      whole("max-lines", kPerplexity, G::kMeasurement, "N", 0, int64_t{1} << 40, 0,
            "read the first N lines only; 0 reads them all"),

      toggle("json", kTables, G::kOutput, "the rows as one JSON object"),
      toggle("csv", kTables, G::kOutput, "the rows as CSV (RFC 4180)"),
      text("out", kDistill, G::kOutput, "FILE", "", "where the trained students are saved")
          .needed_by(kDistill),
      toggle("float16", kDistill, G::kOutput, "store the students in float16, half the size"),
      text("out", kConvert, G::kOutput, "FILE", "", "where the converted model is written")
          .needed_by(kConvert),
      toggle("float16", kConvert, G::kOutput,
             "write float16, half the size (each weight rounded to the nearest float16)"),
      text("chat-template", kConvert, G::kOutput, "FILE", "",
           "a Jinja chat template to write into the GGUF file (tokenizer.chat_template)"),
      choice("type", kConvert, G::kOutput, "f32|f16|q8_0", "f32",
             "the type of a GGUF file's matrices (norms stay f32; Q8_0 is 8 bits a weight)"),
  };
  return flags;
}

const std::vector<Conflict>& conflict_table() {
  static const std::vector<Conflict> conflicts = {
      {kLoadsStudents,
       {"projection", "lambda", "calibration", "steps", "lr", "batch", "init", "seed"},
       "student",
       "{flag} makes a student; {other} loads one: give one or the other"},
      {kDistill,
       {"block"},
       "blocks",
       "{flag} gives one block size and {other} a list: give one or the other"},
      {kTables, {"json"}, "csv", "{flag} and {other} are two formats: give one or the other"},
      {kDistill,
       {"projection"},
       "",
       "distill always distills; drop {flag} (--init chooses the starting projection)"},
      {kDistill,
       {"student"},
       "",
       "distill makes students; drop {flag} (compare, sweep and perplexity load them)"},
      {kConvert,
       {"float16"},
       "type",
       "{flag} writes our float16 checkpoint and {other} a GGUF file: give one or the other"},
  };
  return conflicts;
}

const Flag* find_flag(Command command, const std::string& name) {
  for (const Flag& f : flag_table())
    if (f.name == name && (f.commands & command)) return &f;
  return nullptr;
}

const CommandInfo* find_command(const std::string& name) {
  for (const CommandInfo& c : command_table())
    if (name == c.name) return &c;
  return nullptr;
}

const char* command_name(Command command) {
  for (const CommandInfo& c : command_table())
    if (c.command == command) return c.name;
  return "circulant";
}

std::string number_text(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

}  // namespace circulant
