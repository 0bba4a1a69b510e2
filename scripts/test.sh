#!/usr/bin/env bash
# npm test (the functional suites): installs what is missing, builds, checks the C++ formatting,
# runs the C++ suite (CTest), the same C++ cases in WebAssembly, the JavaScript suite (Vitest) and
# the browser suite (Chromium). npm run test:deep (this script with --deep): the C++ suite and CLI
# runs under AddressSanitizer + UBSan, and each fuzzer for 20 s over its seed corpus. Counts come
# from each suite's machine-readable report (scripts/count-tests.mjs), never from its text; a skip
# is a skip. The last line is "N passed, N failed[, N skipped (why)]".
set -uo pipefail
cd "$(dirname "$0")/.."
deep=0
[ "${1:-}" = "--deep" ] && deep=1
bash scripts/setup.sh || exit 1
[ "$deep" -eq 1 ] || bash scripts/build.sh || exit 1
mkdir -p build

passed=0
failed=0
skipped=0
reasons=()
count() {  # format, report: adds its counts; a suite that left no report counts as one failure
  local out
  out=$(node scripts/count-tests.mjs "$1" "$2")
  if [ -z "$out" ]; then
    echo "  (no report in $2: counted as one failure)"
    failed=$((failed + 1))
    return
  fi
  read -r p f s <<<"$(head -1 <<<"$out")"
  passed=$((passed + p))
  failed=$((failed + f))
  skipped=$((skipped + s))
  while IFS= read -r line; do [ -n "$line" ] && reasons+=("$line"); done < <(tail -n +2 <<<"$out")
}
# Each suite's header, after the time the one before it took (docs/testing.md has the figures).
suite() {
  [ -n "${suite_start:-}" ] && echo "  ($((SECONDS - suite_start)) s)"
  echo
  echo "== $1"
  suite_start=$SECONDS
}
counts_file() {  # passed failed file: a suite of our own that prints counts
  printf '{"passed": %d, "failed": %d, "skipped": []}\n' "$1" "$2" >"$3"
}

if [ "$deep" -eq 0 ]; then
suite "C++ formatting (.clang-format; bash scripts/check-format.sh --fix formats)"
rm -f build/format-counts.json
bash scripts/check-format.sh | tee build/format.log | tail -5
summary=$(grep -E "^format: [0-9]+ passed, [0-9]+ failed" build/format.log | tail -1)
[ -n "$summary" ] && counts_file "$(sed -E 's/format: ([0-9]+) passed.*/\1/' <<<"$summary")" \
  "$(sed -E 's/.* ([0-9]+) failed/\1/' <<<"$summary")" build/format-counts.json
count counts build/format-counts.json

suite "C++ (GoogleTest via CTest)"
rm -f build/native/ctest.xml
ctest --test-dir build/native --output-on-failure -j2 --output-junit ctest.xml 2>&1 | tail -25
count junit build/native/ctest.xml

suite "WebAssembly build, page bundle, single-file page and the page with the coi-serviceworker shim (scripts/build-web.sh)"
if bash scripts/build-web.sh >build/build-web.log 2>&1 && bash scripts/build-web.sh --single >>build/build-web.log 2>&1 &&
  bash scripts/build-web.sh --coi >>build/build-web.log 2>&1; then
  web_built=1
else
  web_built=0
  tail -30 build/build-web.log
fi

suite "C++ in WebAssembly (the GoogleTest cases built with simd128, run under Node in two shards)"
if (export NODE_PATH=/usr/share/nodejs
    [ -f build/wasm-tests/build.ninja ] ||
      emcmake cmake -S . -B build/wasm-tests -G Ninja -DCIRCULANT_WASM_TESTS=ON
    cmake --build build/wasm-tests -j2 --target circulant_wasm_tests) >build/wasm-tests.log 2>&1; then
  # The previous report is read for each test's time (to balance the shards), then replaced.
  node tests/wasm/run-sharded.mjs build/wasm-tests/tests/wasm/circulant_wasm_tests.cjs \
    build/wasm-gtest.json 2 | tee build/wasm-gtest.log
else
  rm -f build/wasm-gtest.json
  tail -30 build/wasm-tests.log
fi
count gtest build/wasm-gtest.json
# The other WebAssembly targets (bench_gemv_wasm, and the CLI that bench/vs-llama2c.sh races against
# run.c) are built here too, so code that compiles natively but not for the page's toolchain (it has
# no exceptions) fails a test instead of the next benchmark run.
if NODE_PATH=/usr/share/nodejs cmake --build build/wasm-tests -j2 >build/wasm-targets.log 2>&1; then
  echo "  every WebAssembly target builds"
  counts_file 1 0 build/wasm-targets.json
else
  tail -30 build/wasm-targets.log
  counts_file 0 1 build/wasm-targets.json
fi
count counts build/wasm-targets.json

suite "JavaScript (Vitest, in Node against the real wasm engine)"
rm -f build/vitest.json
[ "$web_built" -eq 1 ] && npx vitest run --reporter=default --reporter=json --outputFile.json=build/vitest.json
count vitest build/vitest.json

suite "Browser (playwright-core in Debian's Chromium, the built page)"
rm -f test-artifacts/browser-results.json
[ "$web_built" -eq 1 ] && node tests/browser/e2e.mjs 2>&1 | tee build/browser.log
count counts test-artifacts/browser-results.json

fi

if [ "$deep" -eq 1 ]; then
suite "C++ and CLI under AddressSanitizer and UBSan (scripts/test-sanitize.sh)"
rm -f build/sanitize/ctest.xml build/sanitize/cli-counts.txt
bash scripts/test-sanitize.sh
count junit build/sanitize/ctest.xml
if [ -f build/sanitize/cli-counts.txt ]; then
  read -r ok bad <build/sanitize/cli-counts.txt
  counts_file "$ok" "$bad" build/sanitize/cli-counts.json
fi
count counts build/sanitize/cli-counts.json

suite "Fuzzers, 20 s each from the seed corpus (scripts/fuzz.sh; npm run fuzz runs 5 minutes)"
rm -f build/fuzz-counts.json
bash scripts/fuzz.sh 20 | tee build/fuzz.log
summary=$(grep -E "^fuzz: [0-9]+ passed, [0-9]+ failed" build/fuzz.log | tail -1)
[ -n "$summary" ] && counts_file "$(sed -E 's/fuzz: ([0-9]+) passed.*/\1/' <<<"$summary")" \
  "$(sed -E 's/.* ([0-9]+) failed/\1/' <<<"$summary")" build/fuzz-counts.json
count counts build/fuzz-counts.json
fi

[ -n "${suite_start:-}" ] && echo "  ($((SECONDS - suite_start)) s)"
echo
echo "all suites: $SECONDS s, the setup and native build included"
if [ "$skipped" -gt 0 ]; then
  echo "Skipped:"
  printf '  %s\n' "${reasons[@]}"
  why=$(printf '%s\n' "${reasons[@]}" | sed -E 's/^[^:]*: //' | sort | uniq -c | sort -rn |
    awk '{ $1 = $1 "×"; print }' | paste -sd';' | sed 's/;/; /g')
  echo "$passed passed, $failed failed, $skipped skipped ($why)"
else
  echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
