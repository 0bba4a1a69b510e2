// Flag parsing and checking by the table, with messages that name the flag and the fix.
#include "cli/args.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <vector>

namespace circulant {
namespace {

// Whole numbers are read as 64-bit (long is 32 bits in WebAssembly) and range-checked by
// Args::whole before a command narrows them.
bool is_whole(const std::string& text) {
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

Status check_type(const Flag& flag, const std::string& value) {
  const std::string name = "--" + flag.name;
  if (flag.kind == Kind::kWhole && !is_whole(value))
    return Error{name + " must be a whole number, got '" + value + "'"};
  if (flag.kind == Kind::kWhole && !fits_64_bits(value))
    return Error{name + " " + value + " is far out of range; give a smaller number"};
  if (flag.kind == Kind::kNumber && !is_number(value))
    return Error{name + " must be a number, got '" + value + "'"};
  return ok_status();
}

// A flag this command refuses with a reason (a Conflict without `other`).
bool refused(Command command, const std::string& name) {
  for (const Conflict& c : conflict_table())
    if ((c.commands & command) && c.other.empty())
      for (const std::string& f : c.flags)
        if (f == name) return true;
  return false;
}

const Flag* any_entry(const std::string& name) {
  for (const Flag& f : flag_table())
    if (f.name == name) return &f;
  return nullptr;
}

std::string replaced(std::string message, const std::string& key, const std::string& value) {
  const size_t at = message.find(key);
  return at == std::string::npos ? message : message.replace(at, key.size(), value);
}

// "--steps, --lr and --seed"; "last or all"
std::string listed(const std::vector<std::string>& names, const char* last = " and ") {
  std::string list;
  for (size_t i = 0; i < names.size(); ++i)
    list += (i == 0 ? "" : i + 1 == names.size() ? last : ", ") + names[i];
  return list;
}

}  // namespace

Result<Args> Args::parse(Command command, int argc, char** argv) {
  Args args(command);
  for (int i = 0; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0)
      return Error{"unexpected argument '" + arg + "'; flags look like --name value"};
    const std::string name = arg.substr(2);
    const Flag* flag = args.flag(name);
    if (!flag && refused(command, name)) flag = any_entry(name);  // read, to be refused by check
    if (!flag) return Error{"unknown flag --" + name + "; run with --help to see the flags"};
    if (flag->kind == Kind::kSwitch) {
      args.values_[name] = "1";
      continue;
    }
    if (i + 1 >= argc) return Error{"flag --" + name + " needs a value"};
    const std::string value = argv[++i];
    Status readable = check_type(*flag, value);
    RETURN_IF_ERROR(readable);
    args.values_[name] = value;
  }
  return args;
}

Status Args::check() const {
  for (const Conflict& c : conflict_table()) {
    if (!(c.commands & command_) || (!c.other.empty() && !has(c.other))) continue;
    for (const std::string& f : c.flags)
      if (has(f))
        return Error{
            replaced(replaced(c.message, "{flag}", "--" + f), "{other}", as_given(c.other))};
  }
  for (const Flag& f : flag_table())
    if ((f.required & command_) && !has(f.name))
      return Error{std::string(command_name(command_)) + " needs --" + f.name + " " + f.value +
                   " (" + f.help + ")"};
  for (const GroupInfo& g : group_table()) {
    if (!g.needs_flag || !flag(g.needs_flag) || text(g.needs_flag) == g.needs_value) continue;
    std::vector<std::string> group_flags;
    bool given = false;
    for (const Flag& f : flag_table())
      if (f.group == g.group && (f.commands & command_)) {
        group_flags.push_back("--" + f.name);
        given = given || has(f.name);
      }
    if (given)
      return Error{listed(group_flags) + " set up " + g.heading + "; add --" + g.needs_flag + " " +
                   g.needs_value};
  }
  return ok_status();
}

std::string Args::text(const std::string& name) const {
  auto it = values_.find(name);
  if (it != values_.end()) return it->second;
  const Flag* f = flag(name);
  return f ? f->fallback : "";
}

std::string Args::file(const std::string& name) const {
  const Flag* f = flag(name);
  const std::string shipped = "models/";
  if (has(name) || !f || f->kind != Kind::kFile || f->fallback.rfind(shipped, 0) != 0)
    return text(name);
  return std::string(CIRCULANT_MODELS_DIR) + "/" + f->fallback.substr(shipped.size());
}

std::string Args::as_given(const std::string& name) const {
  const Flag* f = flag(name);
  return "--" + name + (f && f->kind == Kind::kSwitch ? "" : " " + text(name));
}

Result<std::string> Args::choice(const std::string& name) const {
  const Flag* f = flag(name);
  if (!f || f->kind != Kind::kChoice) return Error{"--" + name + " is not a choice here"};
  const std::string value = text(name);
  std::vector<std::string> names;
  for (size_t start = 0, end = 0; end != std::string::npos; start = end + 1) {
    end = f->value.find('|', start);
    names.push_back(f->value.substr(start, end == std::string::npos ? end : end - start));
    if (names.back() == value) return value;
  }
  return Error{"--" + name + " must be " + listed(names, " or ")};
}

Result<int64_t> Args::whole(const std::string& name) const {
  const Flag* f = flag(name);
  if (!f || f->kind != Kind::kWhole) return Error{"--" + name + " is not a whole-number flag here"};
  const std::string value = text(name);
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || errno != 0 || v < f->whole_min || v > f->whole_max)
    return Error{"--" + name + " must be an integer from " + std::to_string(f->whole_min) + " to " +
                 std::to_string(f->whole_max) + ", got '" + value + "'"};
  return int64_t(v);
}

Result<double> Args::number(const std::string& name) const {
  const Flag* f = flag(name);
  if (!f || f->kind != Kind::kNumber) return Error{"--" + name + " is not a number flag here"};
  const std::string value = text(name);
  char* end = nullptr;
  const double v = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || !std::isfinite(v) || v < f->number_min || v > f->number_max)
    return Error{"--" + name + " must be a number from " + number_text(f->number_min) + " to " +
                 number_text(f->number_max) + ", got '" + value + "'"};
  return v;
}

}  // namespace circulant
