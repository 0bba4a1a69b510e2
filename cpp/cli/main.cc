// `circulant`: the engine on the command line. The only place errors become exit codes: 2 for a
// command line that cannot be read, 1 for one that is refused or a run that fails.
#include <cstdio>
#include <cstring>
#include <string>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/usage.h"
#include "util/thread_pool.h"

namespace {

using circulant::Args;
using circulant::Status;

// The commands' names, summaries and flags are in cli/flag_table.cc; here is what runs them.
struct Runner {
  circulant::Command command;
  Status (*run)(const Args&);
};
constexpr Runner kRunners[] = {
    {circulant::kGenerate, circulant::run_generate},
    {circulant::kLogits, circulant::run_logits},
    {circulant::kInfo, circulant::run_info},
    {circulant::kBench, circulant::run_bench},
    {circulant::kCompare, circulant::run_compare},
    {circulant::kSweep, circulant::run_sweep},
    {circulant::kPerplexity, circulant::run_perplexity},
    {circulant::kDistill, circulant::run_distill},
    {circulant::kConvert, circulant::run_convert},
};

int fail(const char* command, const std::string& message, int code) {
  std::fprintf(stderr, "circulant %s: %s\n", command, message.c_str());
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "help")) {
    std::fputs(circulant::usage_text().c_str(), argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const circulant::CommandInfo* command = circulant::find_command(argv[1]);
  if (!command) {
    std::fprintf(stderr, "circulant: unknown command '%s'; run 'circulant --help' for the list\n",
                 argv[1]);
    return 2;
  }
  if (argc > 2 && !std::strcmp(argv[2], "--help")) {
    std::fputs(circulant::command_usage(command->command).c_str(), stdout);
    return 0;
  }
  auto args = Args::parse(command->command, argc - 2, argv + 2);
  if (!args.ok()) return fail(command->name, args.error(), 2);
  // A thread count out of range is a command line that cannot be read, like --steps abc.
  const auto threads = args->whole("threads");
  if (!threads.ok()) return fail(command->name, threads.error(), 2);
  circulant::set_threads(int(threads.value()));
  const Status allowed = args->check();
  if (!allowed.ok()) return fail(command->name, allowed.error(), 1);
  for (const Runner& runner : kRunners) {
    if (runner.command != command->command) continue;
    const Status status = runner.run(args.value());
    if (!status.ok()) return fail(command->name, status.error(), 1);
    // The results are the point of a run: one that could not write them (a full disk, a closed
    // stdout) failed, however well the rest went.
    const Status written = circulant::finish_output();
    if (!written.ok()) return fail(command->name, written.error(), 1);
    return 0;
  }
  return fail(command->name, "has no runner; add it to kRunners in cpp/cli/main.cc", 1);
}
