#!/usr/bin/env bash
# Every test: installs what is missing, builds, runs the C++ suite (CTest), the JavaScript suite
# (Vitest) and the browser suite (Chromium), then prints one line "N passed, N failed" for all.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
bash scripts/build.sh || exit 1

passed=0
failed=0
skipped=0
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
skipped=$(grep -c "(Skipped)" build/ctest.log)  # CTest counts these among the passed
[ -n "$summary" ] && count $((total - bad - skipped)) "$bad" || count "" ""

echo
echo "== WebAssembly build, page bundle and single-file page (scripts/build-web.sh)"
if bash scripts/build-web.sh >build/build-web.log 2>&1 && bash scripts/build-web.sh --single >>build/build-web.log 2>&1; then
  web_built=1
else
  web_built=0
  tail -30 build/build-web.log
fi

echo
echo "== C++ in WebAssembly (the GoogleTest cases built with simd128, run under Node)"
if (export NODE_PATH=/usr/share/nodejs
    [ -f build/wasm-tests/build.ninja ] ||
      emcmake cmake -S . -B build/wasm-tests -G Ninja -DCIRCULANT_WASM_TESTS=ON
    cmake --build build/wasm-tests -j2) >build/wasm-tests.log 2>&1; then
  node tests/wasm/run.cjs build/wasm-tests/tests/wasm/circulant_wasm_tests.cjs >build/wasm-gtest.log 2>&1
  grep -E "^\[  (PASSED|FAILED) |^\[==========\] [0-9]+ tests|Failure" build/wasm-gtest.log
  ok=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) tests?\.$/\1/p' build/wasm-gtest.log)
  bad=$(sed -nE 's/^\[  FAILED  \] ([0-9]+) tests?, listed below:$/\1/p' build/wasm-gtest.log)
  if [ -n "$ok" ]; then count "$ok" "${bad:-0}"; else tail -20 build/wasm-gtest.log; count "" ""; fi
else
  tail -30 build/wasm-tests.log
  count "" ""
fi

echo
echo "== JavaScript (Vitest, in Node against the real wasm engine)"
if [ "$web_built" -eq 1 ]; then
  rm -f build/vitest.json
  npx vitest run --reporter=default --reporter=json --outputFile.json=build/vitest.json
  # Failed tests, plus each test file that failed without a failed test (it could not load).
  counts=$(node -e '
    const r = JSON.parse(require("fs").readFileSync("build/vitest.json", "utf8"));
    const broken = r.testResults.filter((f) => f.status === "failed" &&
      !f.assertionResults.some((a) => a.status === "failed")).length;
    console.log(r.numPassedTests, r.numFailedTests + broken);' 2>/dev/null)
  read -r ok bad <<<"${counts:-}"
  count "${ok:-}" "${bad:-}"
else
  count "" ""
fi

echo
echo "== Browser (playwright-core in Debian's Chromium, the built page)"
if [ "$web_built" -eq 1 ]; then
  node tests/browser/e2e.mjs 2>&1 | tee build/browser.log
  # "browser: 9 passed, 0 failed"
  summary=$(grep -E "^browser: [0-9]+ passed, [0-9]+ failed" build/browser.log | tail -1)
  [ -n "$summary" ] && count "$(sed -E 's/browser: ([0-9]+) passed.*/\1/' <<<"$summary")" \
    "$(sed -E 's/.* ([0-9]+) failed/\1/' <<<"$summary")" || count "" ""
else
  count "" ""
fi

echo
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
[ "$failed" -eq 0 ]
