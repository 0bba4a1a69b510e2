// Command-line flags: `--name value` pairs, checked against the names a subcommand accepts.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "util/result.h"

namespace circulant {

class Args {
 public:
  // Flags listed in `switches` take no value (e.g. --json).
  static Result<Args> parse(int argc, char** argv, const std::set<std::string>& known,
                            const std::set<std::string>& switches = {});
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::string get(const std::string& name, const std::string& fallback = "") const;
  Result<int64_t> get_int(const std::string& name, int64_t fallback, int64_t min,
                          int64_t max) const;
  Result<double> get_double(const std::string& name, double fallback, double min, double max) const;

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace circulant
