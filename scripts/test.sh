#!/usr/bin/env bash
# Every test: installs what is missing, builds, runs the C++ suite (CTest), then prints one line
# "N passed, N failed" for all suites together.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
bash scripts/build.sh || exit 1

passed=0
failed=0
count() {  # adds the counts a suite reported; a suite that reported nothing counts as one failure
  if [ -z "$1" ] || [ -z "$2" ]; then failed=$((failed + 1)); return; fi
  passed=$((passed + $1))
  failed=$((failed + $2))
}

echo "== C++ (GoogleTest via CTest)"
ctest --test-dir build/native --output-on-failure -j2 2>&1 | tee build/ctest.log
# "100% tests passed, 0 tests failed out of 27"
summary=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" build/ctest.log | tail -1)
total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$summary")
bad=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$summary")
[ -n "$summary" ] && count $((total - bad)) "$bad" || count "" ""

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
