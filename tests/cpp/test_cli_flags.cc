// The CLI's flag table against what a user reads (the help, the README) and what the command line
// does with it: defaults in range, conflicts refused before a model is loaded.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "cli/args.h"
#include "cli/flag_table.h"
#include "cli/usage.h"
#include "cli_runner.h"
#include "model/checkpoint.h"
#include "student/student.h"
#include "test_util.h"

namespace circulant {
namespace {

using testing::Outcome;
using testing::run_cli;

std::set<std::string> flags_named_in(const std::string& text) {
  std::set<std::string> names;
  const std::regex flag("--([a-z][a-z0-9-]*)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), flag); it != std::sregex_iterator();
       ++it)
    names.insert((*it)[1]);
  return names;
}

std::set<std::string> table_names() {
  std::set<std::string> names;
  for (const Flag& f : flag_table()) names.insert(f.name);
  return names;
}

std::string readme_cli_section() {
  std::ifstream in(testing::source_path("README.md"));
  std::stringstream all;
  all << in.rdbuf();
  const std::string text = all.str();
  const size_t start = text.find("## The CLI\n");
  const size_t end = text.find("\n## ", start + 1);
  return start == std::string::npos ? "" : text.substr(start, end - start);
}

// The flags of one command, by name.
std::set<std::string> flags_of(Command command) {
  std::set<std::string> names;
  for (const Flag& f : flag_table())
    if (f.commands & command) names.insert(f.name);
  return names;
}

TEST(CliFlags, NoCommandTakesTwoEntriesOfOneName) {
  for (const CommandInfo& c : command_table()) {
    size_t entries = 0;
    for (const Flag& f : flag_table()) entries += (f.commands & c.command) ? 1 : 0;
    EXPECT_EQ(entries, flags_of(c.command).size()) << c.name;
  }
}

// Every default is read by the same code as a value given on the command line.
TEST(CliFlags, EveryDefaultLiesInItsRange) {
  for (const CommandInfo& c : command_table()) {
    auto args = Args::parse(c.command, 0, nullptr);
    ASSERT_TRUE(args.ok()) << args.error();
    for (const Flag& f : flag_table()) {
      if (!(f.commands & c.command) || f.fallback.empty()) continue;
      const std::string error = f.kind == Kind::kWhole    ? args->whole(f.name).error()
                                : f.kind == Kind::kNumber ? args->number(f.name).error()
                                : f.kind == Kind::kChoice ? args->choice(f.name).error()
                                                          : "";
      EXPECT_EQ(error, "") << c.name << " --" << f.name;
    }
  }
}

// A refused flag is one the command does not take; a pair refused together, two that it takes.
TEST(CliFlags, ConflictsNameFlagsOfTheirCommands) {
  for (const Conflict& c : conflict_table())
    for (const CommandInfo& command : command_table()) {
      if (!(c.commands & command.command)) continue;
      const std::set<std::string> taken = flags_of(command.command);
      for (const std::string& f : c.flags)
        EXPECT_EQ(taken.count(f), c.other.empty() ? 0u : 1u) << command.name << " --" << f;
      EXPECT_EQ(taken.count(c.other), c.other.empty() ? 0u : 1u) << command.name << c.other;
    }
}

TEST(CliFlags, EachCommandsHelpShowsEveryFlagItTakes) {
  const std::set<std::string> known = table_names();
  for (const CommandInfo& c : command_table()) {
    const Outcome o = run_cli(std::string(c.name) + " --help");
    EXPECT_EQ(o.status, 0) << o.output;
    EXPECT_EQ(o.output, command_usage(c.command));
    const std::set<std::string> shown = flags_named_in(o.output);
    for (const std::string& name : flags_of(c.command)) EXPECT_EQ(shown.count(name), 1u) << name;
    for (const std::string& name : shown) EXPECT_EQ(known.count(name), 1u) << name;
  }
  const Outcome all = run_cli("--help");
  EXPECT_EQ(all.status, 0);
  EXPECT_EQ(all.output, usage_text());
  std::set<std::string> named = flags_named_in(all.output);
  named.erase("help");
  EXPECT_EQ(named, known);
}

TEST(CliFlags, UsageLinesFitInAHundredColumns) {
  std::string text = usage_text();
  for (const CommandInfo& c : command_table()) text += command_usage(c.command);
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) EXPECT_LE(line.size(), kUsageWidth) << line;
}

// The README's synopsis is `circulant --help`, and its CLI section names the table's flags only.
TEST(CliFlags, ReadmeShowsTheGeneratedUsage) {
  const std::string section = readme_cli_section();
  ASSERT_FALSE(section.empty()) << "README.md has no '## The CLI' section";
  std::string indented;
  std::istringstream lines(usage_text());
  for (std::string line; std::getline(lines, line);)
    indented += (line.empty() ? "" : "    " + line) + "\n";
  EXPECT_NE(section.find(indented), std::string::npos)
      << "paste `build/native/circulant --help`, indented by 4, into README.md:\n"
      << indented;
  std::set<std::string> named = flags_named_in(section);
  named.erase("help");
  EXPECT_EQ(named, table_names());
}

// Checked from the table before anything is loaded: the model named here does not exist.
TEST(CliFlags, FlagsRefusedTogetherGiveOneLineBeforeTheModelLoads) {
  const std::string absent = " --model /nonexistent.bin --runs 0";
  const std::pair<std::string, std::string> refused[] = {
      {"compare --block 8 --json --csv" + absent, "--json and --csv are two formats"},
      {"compare --block 8 --lambda 2 --student /nonexistent.students" + absent,
       "--lambda makes a student; --student /nonexistent.students loads one"},
      {"compare --block 8 --steps 5" + absent, "add --projection distill"},
      {"distill --block 8 --blocks 4,8 --out x.students --model /nonexistent.bin",
       "--block gives one block size and --blocks 4,8 a list"},
      {"distill --block 8 --projection frobenius --out x.students --model /nonexistent.bin",
       "distill always distills; drop --projection"},
      {"distill --block 8 --student s.students --out x.students --model /nonexistent.bin",
       "distill makes students; drop --student"},
      {"distill --block 8 --model /nonexistent.bin", "distill needs --out FILE"},
      {"logits --model /nonexistent.bin", "logits needs --prompt TEXT"},
  };
  for (const auto& [arguments, message] : refused) {
    const Outcome o = run_cli(arguments);
    EXPECT_EQ(o.status, 1) << arguments << "\n" << o.output;
    testing::expect_clear_outcome(o, arguments, message);
  }
  const Outcome unknown = run_cli("info --tokenizer t.bin");
  EXPECT_EQ(unknown.status, 2) << unknown.output;
  EXPECT_NE(unknown.output.find("unknown flag --tokenizer"), std::string::npos) << unknown.output;
}

// A thread count that cannot be right is a command line that cannot be read: one line with the
// range, exit 2, before the model (absent here) is looked at, on every command.
TEST(CliFlags, ABadThreadCountGivesTheRangeAndExitTwo) {
  for (const CommandInfo& c : command_table())
    for (const std::string& count : {"0", "-1", "257", "99999999999", "two", "1.5"}) {
      const std::string arguments =
          std::string(c.name) + " --threads " + count + " --model /nonexistent.bin";
      const Outcome o = run_cli(arguments);
      EXPECT_EQ(o.status, 2) << arguments << "\n" << o.output;
      testing::expect_clear_outcome(o, arguments, "--threads");
      if (count == std::string("0") || count == std::string("257"))
        EXPECT_NE(o.output.find("from 1 to 256"), std::string::npos) << o.output;
    }
  const Outcome fine = run_cli("info --threads 3");
  EXPECT_EQ(fine.status, 0) << fine.output;
}

// `command` runs at one thread and is refused at two, in a message that names `phrase` and
// suggests fewer threads.
void expect_one_thread_only(const std::string& command, const std::string& phrase) {
  const Outcome one = run_cli(command + " --threads 1");
  EXPECT_EQ(one.status, 0) << one.output;
  const Outcome two = run_cli(command + " --threads 2");
  EXPECT_EQ(two.status, 1) << two.output;
  testing::expect_clear_outcome(two, command, phrase);
  EXPECT_NE(two.output.find("fewer --threads"), std::string::npos) << two.output;
}

// Commands that run prompts side by side hold a run of the model (its KV cache) per thread, and
// --max-memory counts each: the shipped model's 2 MiB fit in 3 MiB once, not twice.
TEST(CliFlags, MaxMemoryCountsARunOfTheModelPerThread) {
  expect_one_thread_only("compare --block 64 --runs 0 --max-memory 0.003",
                         "once for each of 2 threads");
  // One run at a time whatever the count: generate is admitted as with one thread.
  const Outcome generate = run_cli("generate --prompt Hi --steps 8 --max-memory 0.003 --threads 4");
  EXPECT_EQ(generate.status, 0) << generate.output;
}

// Each thread beyond the first keeps scratch for its life (a copy for the dense products, the
// FFT's slabs), and --max-memory counts it beside the KV caches: a limit that holds a KV cache
// alone admits generate at one thread, not at two; and with --no-cache, each thread's fresh copy
// of the spectra is what refuses a comparison the same limit admits with the cache.
TEST(CliFlags, MaxMemoryCountsTheScratchOfEachThreadBeyondTheFirst) {
  auto weights = load_checkpoint(testing::source_path("models/default.bin"));
  ASSERT_TRUE(weights.ok()) << weights.error();
  const Config& c = weights.value()->config;
  const auto gib = [](uint64_t bytes) {  // 64 bytes over, past the GiB figure's rounding
    char text[40];
    std::snprintf(text, sizeof text, " --max-memory %.12g", double(bytes + 64) / (1 << 30));
    return std::string(text);
  };
  expect_one_thread_only("generate --prompt Hi --steps 4" + gib(run_state_bytes(c)),
                         "of scratch for 1 more thread");

  const std::string compare =
      "compare --block 256 --runs 0 --threads 2" +
      gib(2 * run_state_bytes(c) + model_thread_scratch_bytes(c, true) +
          student_thread_scratch_bytes(c, 256, Structure::kCirculant, true));
  const Outcome cached = run_cli(compare);
  EXPECT_EQ(cached.status, 0) << cached.output;
  const Outcome uncached = run_cli(compare + " --no-cache");
  EXPECT_EQ(uncached.status, 1) << uncached.output;
  testing::expect_clear_outcome(uncached, compare, "once for each of 2 threads) and ");
}

}  // namespace
}  // namespace circulant
