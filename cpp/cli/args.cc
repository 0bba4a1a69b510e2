// Flag parsing with messages that name the flag and the accepted range.
#include "cli/args.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace circulant {
namespace {

// Flags whose values must be numbers: a malformed one is a malformed command line (exit 2).
const std::set<std::string> kIntegerFlags = {"steps", "block",     "runs",
                                             "seed",  "max-lines", "batch"};
const std::set<std::string> kNumberFlags = {"temperature", "top-p", "repeat-penalty",
                                            "lambda",      "lr",    "max-memory"};

// Whole numbers are read as 64-bit (long is 32 bits in WebAssembly) and range-checked by get_int
// before a command narrows them.
bool is_integer(const std::string& text) {
  char* end = nullptr;
  std::strtoll(text.c_str(), &end, 10);
  return !text.empty() && *end == '\0';
}

bool fits_64_bits(const std::string& text) {
  errno = 0;
  std::strtoll(text.c_str(), nullptr, 10);
  return errno != ERANGE;
}

bool is_number(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  return !text.empty() && *end == '\0' && std::isfinite(v);
}

// 1e-09 and 0.001 as a user types them (std::to_string wrote 0.000000).
std::string shortest(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

}  // namespace

Result<Args> Args::parse(int argc, char** argv, const std::set<std::string>& known,
                         const std::set<std::string>& switches) {
  Args args;
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0)
      return Error{"unexpected argument '" + arg + "'; flags look like --name value"};
    const std::string name = arg.substr(2);
    if (switches.count(name)) {
      args.values_[name] = "1";
      continue;
    }
    if (!known.count(name))
      return Error{"unknown flag --" + name + "; run with --help to see the flags"};
    if (i + 1 >= argc) return Error{"flag --" + name + " needs a value"};
    const std::string value = argv[++i];
    if (kIntegerFlags.count(name) && !is_integer(value))
      return Error{"--" + name + " must be a whole number, got '" + value + "'"};
    if (kIntegerFlags.count(name) && !fits_64_bits(value))
      return Error{"--" + name + " " + value + " is far out of range; give a smaller number"};
    if (kNumberFlags.count(name) && !is_number(value))
      return Error{"--" + name + " must be a number, got '" + value + "'"};
    args.values_[name] = value;
  }
  return args;
}

std::string Args::get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

Result<int64_t> Args::get_int(const std::string& name, int64_t fallback, int64_t min,
                              int64_t max) const {
  if (!has(name)) return fallback;
  const std::string text = get(name);
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || v < min || v > max)
    return Error{"--" + name + " must be an integer from " + std::to_string(min) + " to " +
                 std::to_string(max) + ", got '" + text + "'"};
  return v;
}

Result<double> Args::get_double(const std::string& name, double fallback, double min,
                                double max) const {
  if (!has(name)) return fallback;
  const std::string text = get(name);
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(v) || v < min || v > max)
    return Error{"--" + name + " must be a number from " + shortest(min) + " to " + shortest(max) +
                 ", got '" + text + "'"};
  return v;
}

}  // namespace circulant
