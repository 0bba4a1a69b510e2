// The command line declared once: the commands, every flag (type, range, default, group, help)
// and the flags that cannot go together. Parsing (cli/args.h) and the usage text (cli/usage.h)
// both read these tables; nothing else names a flag's range or default.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace circulant {

// Bits, so that a flag can name every command that takes it.
enum Command : unsigned {
  kGenerate = 1u << 0,
  kLogits = 1u << 1,
  kInfo = 1u << 2,
  kBench = 1u << 3,
  kCompare = 1u << 4,
  kSweep = 1u << 5,
  kPerplexity = 1u << 6,
  kDistill = 1u << 7,
  kConvert = 1u << 8,
};
using CommandSet = unsigned;

struct CommandInfo {
  Command command;
  const char* name;
  const char* summary;  // one phrase for the usage text
};
const std::vector<CommandInfo>& command_table();  // in the order the usage lists them

// A switch takes no value. Whole numbers and numbers that do not parse are a malformed command
// line (exit 2); their range is checked when the command reads them (exit 1), as is a choice's
// value against the names in its `value` ("last|all"). A file flag's default names a file of the
// shipped models/ folder. (--projection and --structure are text: the plan's parser names them.)
enum class Kind { kSwitch, kText, kFile, kChoice, kWhole, kNumber };

// Headings of the usage text, in the order it prints them.
enum class Group { kModel, kGeneration, kStudent, kDistillation, kMeasurement, kOutput };

struct GroupInfo {
  Group group;
  const char* heading;
  // A flag of the group is refused unless this flag has this value (where the command takes it).
  const char* needs_flag = nullptr;
  const char* needs_value = nullptr;
};
const std::vector<GroupInfo>& group_table();

struct Flag {
  std::string name;         // without the leading --
  CommandSet commands = 0;  // the commands that take it
  CommandSet required = 0;  // the commands that refuse to run without it
  Group group = Group::kModel;
  Kind kind = Kind::kText;
  std::string value;     // its value in the usage: N, FILE, last|all ("" for a switch)
  std::string fallback;  // its value when not given, as the usage shows it ("" for none)
  int64_t whole_min = 0, whole_max = 0;   // kWhole: the accepted range, as 64-bit numbers
  double number_min = 0, number_max = 0;  // kNumber: the accepted range
  std::string help;                       // one phrase; the usage adds the range and the default

  Flag needed_by(CommandSet commands_that_need_it) const;
  bool unbounded() const;  // a whole number whose range the command checks itself (--block)
};
// A name may have one entry per meaning (generate's --steps counts positions, distillation's
// counts training steps); no command takes two entries of one name.
const std::vector<Flag>& flag_table();

// Flags a command refuses together. In `message`, {flag} stands for the first flag as given and
// {other} for the second with its value. Without `other`, the commands refuse `flags` outright
// (with the reason in the message) instead of calling them unknown.
struct Conflict {
  CommandSet commands;
  std::vector<std::string> flags;  // any one of these...
  std::string other;               // ...with this one
  std::string message;
};
const std::vector<Conflict>& conflict_table();

// This command's entry for --name, or null when the command does not take it.
const Flag* find_flag(Command command, const std::string& name);
const CommandInfo* find_command(const std::string& name);
const char* command_name(Command command);

// 1e-09 and 0.003 as a user types them (std::to_string wrote 0.000000); they read back as the
// same double.
std::string number_text(double v);

}  // namespace circulant
