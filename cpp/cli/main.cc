// `circulant`: the engine on the command line. The only place errors become exit codes.
#include <cstdio>
#include <cstring>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/student_options.h"

namespace {

using circulant::Args;
using circulant::Status;

struct Command {
  const char* name;
  const char* usage;
  std::set<std::string> flags;
  std::set<std::string> switches;
  std::function<Status(const Args&)> run;
};

std::set<std::string> student_flags(std::set<std::string> extra) {
  extra.insert({"model", "tokenizer"});
  extra.insert(circulant::kStudentFlags.begin(), circulant::kStudentFlags.end());
  return extra;
}

std::set<std::string> switches_plus(std::set<std::string> extra) {
  extra.insert(circulant::kStudentSwitches.begin(), circulant::kStudentSwitches.end());
  return extra;
}

std::set<std::string> table_switches() { return switches_plus({"json", "csv"}); }

// Flags every command that loads a model takes.
std::vector<Command> with_common_flags(std::vector<Command> list) {
  for (Command& c : list) c.flags.insert("max-memory");
  return list;
}

const std::vector<Command>& commands() {
  static const std::vector<Command> list = with_common_flags({
      {"generate",
       "generate [--model M] [--tokenizer T] --prompt P [--steps N] [--temperature X] [--top-p X]\n"
       "           [--repeat-penalty X] [--seed N] [--speed]   print the prompt and its "
       "continuation\n"
       "           (--speed: tokens/s of the generated tokens on stderr, as llama2.c's run.c "
       "reports it)",
       {"model", "tokenizer", "prompt", "steps", "temperature", "top-p", "repeat-penalty", "seed"},
       {"speed"},
       circulant::run_generate},
      {"logits",
       "logits [--model M] [--tokenizer T] --prompt P   JSON: prompt tokens and last-position "
       "logits",
       {"model", "tokenizer", "prompt"},
       {},
       circulant::run_logits},
      {"info",
       "info [--model M]   configuration and parameter counts",
       {"model"},
       {},
       circulant::run_info},
      {"bench",
       "bench [--model M] [--tokenizer T] [--runs N]   prefill and decode tokens/s",
       {"model", "tokenizer", "runs"},
       {},
       circulant::run_bench},
      {"compare",
       "compare [--model M] [--tokenizer T] [--prompts FILE] --block B [--layers SPEC]\n"
       "           [--matrices gate,up,down] [--structure circulant|low-rank|removed]\n"
       "           [--projection frobenius|loss-aware|loss-aware-sequential|distill] "
       "[--calibration FILE]\n"
       "           [--lambda X] [--steps N --lr X --batch N --init P --seed S --train-norms] "
       "[--student FILE]\n"
       "           [--positions last|all] [--runs N] [--no-cache] [--json|--csv]\n"
       "           teacher and student rows of the published table",
       student_flags({"block", "prompts", "positions", "runs"}), table_switches(),
       circulant::run_compare},
      {"sweep",
       "sweep [same flags as compare] --blocks 1,2,4,...,256   one student row per block size",
       student_flags({"blocks", "prompts", "positions", "runs"}), table_switches(),
       circulant::run_sweep},
      {"perplexity",
       "perplexity [--model M] [--tokenizer T] --text FILE [--max-lines N] [--block B and student "
       "flags]\n"
       "           perplexity of the teacher (and of the student when --block or --student is "
       "given); the\n"
       "           lines are joined, each with its BOS as in training, and read in windows of the "
       "context",
       student_flags({"text", "block", "max-lines"}), circulant::kStudentSwitches,
       circulant::run_perplexity},
      {"distill",
       "distill [--model M] [--tokenizer T] (--block B | --blocks LIST) --out FILE [--layers "
       "SPEC]\n"
       "           [--matrices LIST] [--structure circulant|low-rank] [--steps N] [--lr X] "
       "[--batch N]\n"
       "           [--init frobenius|loss-aware|loss-aware-sequential] [--seed S] [--train-norms]\n"
       "           [--calibration FILE] [--prompts FILE] [--float16]\n"
       "           trains students against the teacher (KL over every position of the calibration\n"
       "           lines) and saves them; --student FILE loads them in compare, sweep and "
       "perplexity",
       student_flags({"block", "blocks", "prompts", "out"}), switches_plus({"float16"}),
       circulant::run_distill},
  });
  return list;
}

void print_usage(FILE* out) {
  std::fprintf(out, "usage: circulant <command> [flags]\n\ncommands:\n");
  for (const Command& c : commands()) std::fprintf(out, "  %s\n", c.usage);
  std::fprintf(
      out,
      "\nWithout --model and --tokenizer the shipped models/default.bin and "
      "models/tokenizer.bin are used. Every command takes --max-memory GiB (default 4): the\n"
      "most memory a run of the model may take, checked before it is loaded.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "help")) {
    print_usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  for (const Command& c : commands()) {
    if (std::strcmp(argv[1], c.name) != 0) continue;
    if (argc > 2 && !std::strcmp(argv[2], "--help")) {
      std::printf("usage: circulant %s\n", c.usage);
      return 0;
    }
    auto args = Args::parse(argc - 2, argv + 2, c.flags, c.switches);
    if (!args.ok()) {
      std::fprintf(stderr, "circulant %s: %s\n", c.name, args.error().c_str());
      return 2;
    }
    const Status status = c.run(args.value());
    if (!status.ok()) {
      std::fprintf(stderr, "circulant %s: %s\n", c.name, status.error().c_str());
      return 1;
    }
    // The results are the point of a run: one that could not write them (a full disk, a closed
    // stdout) failed, however well the rest went.
    const Status written = circulant::finish_output();
    if (!written.ok()) {
      std::fprintf(stderr, "circulant %s: %s\n", c.name, written.error().c_str());
      return 1;
    }
    return 0;
  }
  std::fprintf(stderr, "circulant: unknown command '%s'; run 'circulant --help' for the list\n",
               argv[1]);
  return 2;
}
