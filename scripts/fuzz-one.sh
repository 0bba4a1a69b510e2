#!/usr/bin/env bash
# Runs one fuzzer command (a libFuzzer harness and its flags) with its output in LOG, and prints one
# line: how many inputs ran with nothing found (exit 0), the finding (exit 1), or that no input
# ran (exit 1: a fuzzer that executed nothing has tested nothing). The count is libFuzzer's closing
# "Done N runs in S second(s)", not the last "#N" of the log, which can be a byte pair of the
# recommended dictionary printed at the end.
# Usage: bash scripts/fuzz-one.sh NAME LOG COMMAND [ARGS...]
set -uo pipefail
name="$1"
log="$2"
shift 2
"$@" >"$log" 2>&1
status=$?
done_line=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1)
runs=$(sed -E 's/^Done ([0-9]+) runs.*/\1/' <<<"$done_line")
seconds=$(sed -E 's/^Done [0-9]+ runs in ([0-9]+) second.*/\1/' <<<"$done_line")
if [ "$status" -ne 0 ]; then
  echo "  ✗ fuzz_$name: a finding (exit status $status; the input is build/fuzz/crash-$name-*, the log $log):"
  grep -E "ERROR|SUMMARY|runtime error" "$log" | head -5
  exit 1
fi
if [ -z "$done_line" ] || [ "$runs" -eq 0 ]; then
  echo "  ✗ fuzz_$name: no input ran${seconds:+ in $seconds s}, so nothing was tested (the log: $log)"
  exit 1
fi
echo "  ✓ fuzz_$name: $runs inputs ran in $seconds s, nothing found"
