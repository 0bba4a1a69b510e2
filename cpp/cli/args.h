// A command line read against the flag table (cli/flag_table.h): values are looked up by name,
// and their defaults and ranges come from the table, never from the caller.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "cli/flag_table.h"
#include "util/result.h"

namespace circulant {

class Args {
 public:
  // `--name value` pairs and switches. An error here is a command line that cannot be read: a flag
  // the command does not take, a value missing, or a number that is not one (exit 2).
  static Result<Args> parse(Command command, int argc, char** argv);
  // What the table says of flags together: refused flags, required ones, conflicts, and a group's
  // need (--steps needs --projection distill). An error is a command line refused (exit 1).
  Status check() const;

  Command command() const { return command_; }
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  // The value given, or the table's default ("" when it has none).
  std::string text(const std::string& name) const;
  // As text, but a default names the shipped file by its full path.
  std::string file(const std::string& name) const;
  // The value or the default, checked against the table's names ("last|all").
  Result<std::string> choice(const std::string& name) const;
  // The value or the default, read as 64 bits and checked against the table's range.
  Result<int64_t> whole(const std::string& name) const;
  Result<double> number(const std::string& name) const;

 private:
  explicit Args(Command command) : command_(command) {}
  const Flag* flag(const std::string& name) const { return find_flag(command_, name); }
  std::string as_given(const std::string& name) const;  // "--student FILE", "--json"

  Command command_;
  std::map<std::string, std::string> values_;
};

}  // namespace circulant
