#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz, in the sanitizer build build/sanitize: clang with
# AddressSanitizer + UBSan) and runs each for
# SECONDS (default 300), starting from the committed seed corpus; also the URL-state fuzz loop in
# Node. A fuzzer passes when inputs ran (its line says how many) and nothing was found; one that
# ran no input fails. Prints "fuzz: N passed, N failed". Usage: bash scripts/fuzz.sh [SECONDS]
set -uo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-300}"
command -v clang++ >/dev/null || { echo "fuzz: clang is missing: apt-get install clang" >&2; exit 1; }
mkdir -p build/fuzz
if ! { [ -f build/sanitize/build.ninja ] || CC=clang CXX=clang++ cmake -S . -B build/sanitize -G Ninja \
        -DCMAKE_BUILD_TYPE=Release -DCIRCULANT_SANITIZE=ON -DCIRCULANT_BENCHMARKS=OFF >/dev/null; } ||
   ! cmake --build build/sanitize -j"$(nproc)" --target fuzz_checkpoint fuzz_tokenizer fuzz_student_file fuzz_gguf \
       >build/fuzz/build.log 2>&1; then
  tail -30 build/fuzz/build.log 2>/dev/null
  echo "fuzz: 0 passed, 1 failed"
  exit 1
fi
passed=0
failed=0
for name in checkpoint tokenizer student_file gguf; do
  work="build/fuzz/work/$name"  # new inputs go here, never into the committed seeds
  mkdir -p "$work"
  # Passed only when inputs ran and nothing was found (scripts/fuzz-one.sh says which).
  if bash scripts/fuzz-one.sh "$name" "build/fuzz/$name.log" \
       build/sanitize/tests/fuzz/fuzz_$name -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
       -artifact_prefix="build/fuzz/crash-$name-" "$work" "tests/fuzz/corpus/$name"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
done
if node tests/fuzz/state-fuzz.mjs "$seconds"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
