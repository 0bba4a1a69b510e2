// Running the `circulant` binary from a test as a user would, through the shell.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace circulant::testing {

struct Outcome {
  int status = -1;     // exit status, or 128 + signal
  std::string output;  // what the command wrote to the pipe
};

// A shell command line (/bin/sh), its output and exit status.
inline Outcome run_shell(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  Outcome o;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) o.output.append(buffer.data(), n);
  const int raw = pclose(pipe);
  o.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  return o;
}

// The build's CLI, or the binary named by CIRCULANT_CLI (to run these tests against an older
// build and see which of them it fails).
inline std::string cli() {
  const char* other = std::getenv("CIRCULANT_CLI");
  return other && *other ? other : CIRCULANT_CLI_PATH;
}

// stdout and stderr together.
inline Outcome run_cli(const std::string& arguments) {
  return run_shell(cli() + " " + arguments + " 2>&1");
}

// One line on stderr that contains `expected_text`, and an exit status from 1 to 127.
inline void expect_clear_outcome(const Outcome& o, const std::string& what,
                                 const std::string& expected_text) {
  EXPECT_GE(o.status, 1) << what;
  EXPECT_LT(o.status, 128) << what << "\n" << o.output;
  EXPECT_NE(o.output.find(expected_text), std::string::npos) << what << "\n" << o.output;
  EXPECT_LE(std::count(o.output.begin(), o.output.end(), '\n'), 1) << "one line only:\n"
                                                                   << o.output;
}

inline void expect_clear_failure(const std::string& arguments, const std::string& expected_text) {
  expect_clear_outcome(run_cli(arguments), arguments, expected_text);
}

}  // namespace circulant::testing
