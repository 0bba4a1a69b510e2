// Usage text laid out from the flag table: synopses of unbreakable items, flags by group.
#include "cli/usage.h"

#include <vector>

namespace circulant {
namespace {

constexpr size_t kCommandColumn = 12;  // "perplexity" and two spaces
constexpr size_t kHelpColumn = 26;     // "  --repeat-penalty X" and the space to the help

// `items` joined by spaces after `lead`, wrapped at kUsageWidth; later lines start at `indent`.
// An item is never split, so a flag stays with its value and a range with its default.
std::string wrap(const std::vector<std::string>& items, std::string lead, size_t indent) {
  std::string text, line = std::move(lead);
  bool line_has_items = false;
  for (const std::string& item : items) {
    if (line_has_items && line.size() + 1 + item.size() > kUsageWidth) {
      text += line + "\n";
      line = std::string(indent, ' ');
      line_has_items = false;
    }
    line += (line_has_items ? " " : "") + item;
    line_has_items = true;
  }
  return text + line + "\n";
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> list;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) list.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return list;
}

std::string padded(std::string text, size_t width) {
  if (text.size() < width) text.resize(width, ' ');
  return text;
}

// The command's flags in the order of the usage: by group, then as the table lists them.
std::vector<const Flag*> flags_of(Command command) {
  std::vector<const Flag*> list;
  for (const GroupInfo& g : group_table())
    for (const Flag& f : flag_table())
      if (f.group == g.group && (f.commands & command)) list.push_back(&f);
  return list;
}

std::string named(const Flag& f) { return "--" + f.name + (f.value.empty() ? "" : " " + f.value); }

std::vector<std::string> synopsis(Command command) {
  std::vector<std::string> items;
  for (const Flag* f : flags_of(command))
    items.push_back((f->required & command) ? named(*f) : "[" + named(*f) + "]");
  return items;
}

// "(1 to 100000; default 300)", "(default all)", "(required)" or nothing.
std::string range_and_default(const Flag& f, Command command) {
  if (f.required & command) return "(required)";
  std::string range;
  if (f.kind == Kind::kWhole && !f.unbounded())
    range = std::to_string(f.whole_min) + " to " + std::to_string(f.whole_max);
  if (f.kind == Kind::kNumber)
    range = number_text(f.number_min) + " to " + number_text(f.number_max);
  const std::string fallback = f.fallback.empty() ? "" : "default " + f.fallback;
  if (range.empty() && fallback.empty()) return "";
  return "(" + range + (range.empty() || fallback.empty() ? "" : "; ") + fallback + ")";
}

std::string flag_line(const Flag& f, Command command) {
  std::vector<std::string> help = words(f.help);
  const std::string suffix = range_and_default(f, command);
  if (!suffix.empty()) help.push_back(suffix);
  const std::string name = "  " + named(f);
  if (name.size() + 1 > kHelpColumn)  // a long list of choices: the help goes below it
    return name + "\n" + wrap(help, std::string(kHelpColumn, ' '), kHelpColumn);
  return wrap(help, padded(name, kHelpColumn), kHelpColumn);
}

std::string heading(const GroupInfo& g, Command command) {
  std::string text = g.heading;
  if (g.needs_flag && find_flag(command, g.needs_flag))
    text += std::string(" (needs --") + g.needs_flag + " " + g.needs_value + ")";
  return text + ":\n";
}

std::string conflicts_of(Command command) {
  std::string text;
  for (const Conflict& c : conflict_table()) {
    if (!(c.commands & command) || c.other.empty()) continue;
    std::vector<std::string> items;  // "--json and --csv", "--student and any of --lambda, --lr"
    if (c.flags.size() == 1) items = {"--" + c.flags.front(), "and", "--" + c.other};
    if (c.flags.size() > 1) items = {"--" + c.other, "and", "any", "of"};
    for (size_t i = 0; c.flags.size() > 1 && i < c.flags.size(); ++i)
      items.push_back("--" + c.flags[i] + (i + 1 < c.flags.size() ? "," : ""));
    text += wrap(items, "  ", 2);
  }
  return text.empty() ? "" : "\nnot together:\n" + text;
}

}  // namespace

std::string usage_text() {
  std::string text =
      "usage: circulant <command> [flags]\n"
      "       circulant <command> --help   the command's flags, with their ranges and defaults\n\n";
  for (const CommandInfo& c : command_table()) {
    text += wrap(words(c.summary), padded(c.name, kCommandColumn), kCommandColumn);
    text += wrap(synopsis(c.command), std::string(kCommandColumn, ' '), kCommandColumn);
  }
  return text;
}

std::string command_usage(Command command) {
  const std::string lead = std::string("usage: circulant ") + command_name(command) + " ";
  std::string text = wrap(synopsis(command), lead, lead.size());
  for (const CommandInfo& c : command_table())
    if (c.command == command) text += wrap(words(c.summary), "", 0);
  for (const GroupInfo& g : group_table()) {
    std::string flags;
    for (const Flag* f : flags_of(command))
      if (f->group == g.group) flags += flag_line(*f, command);
    if (!flags.empty()) text += "\n" + heading(g, command) + flags;
  }
  return text + conflicts_of(command);
}

}  // namespace circulant
