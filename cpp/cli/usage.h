// The usage text, generated from the flag table: `circulant --help` and `circulant <cmd> --help`.
#pragma once

#include <string>

#include "cli/flag_table.h"

namespace circulant {

constexpr size_t kUsageWidth = 100;  // columns; items such as "[--steps N]" are never split

// Every command with its summary and synopsis. The README's CLI section shows this text.
std::string usage_text();
// One command: its synopsis, then its flags by group with their ranges and defaults, then the
// flags it refuses together.
std::string command_usage(Command command);

}  // namespace circulant
