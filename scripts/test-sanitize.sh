#!/usr/bin/env bash
# The C++ suite and a handful of CLI runs built with AddressSanitizer and UBSan (clang), into
# build/sanitize; any finding fails the run. Writes build/sanitize/ctest.xml (JUnit) for the count.
# Usage: bash scripts/test-sanitize.sh
set -uo pipefail
cd "$(dirname "$0")/.."
command -v clang++ >/dev/null || { echo "sanitize: clang is missing: apt-get install clang libclang-rt-14-dev" >&2; exit 1; }
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
if ! { [ -f build/sanitize/build.ninja ] || CC=clang CXX=clang++ cmake -S . -B build/sanitize -G Ninja \
        -DCMAKE_BUILD_TYPE=Release -DCIRCULANT_SANITIZE=ON -DCIRCULANT_BENCHMARKS=OFF >/dev/null; } ||
   ! cmake --build build/sanitize -j"$(nproc)" >build/sanitize.log 2>&1; then
  tail -30 build/sanitize.log
  exit 1
fi
ctest --test-dir build/sanitize --output-on-failure -j2 --output-junit ctest.xml >build/sanitize/ctest.log 2>&1
status=$?
tail -3 build/sanitize/ctest.log
# CLI runs a user makes, each under the sanitizers (a finding aborts with a report).
cli=build/sanitize/circulant
peer=../shared/peer-models
runs=0
bad=0
run() {
  runs=$((runs + 1))
  if ! "$@" >build/sanitize/cli.log 2>&1; then
    bad=$((bad + 1))
    echo "  ✗ $*"
    grep -E "ERROR|runtime error|SUMMARY" build/sanitize/cli.log | head -5
  fi
}
run "$cli" generate --prompt "The history of the city" --steps 40 --temperature 0.8 --seed 3
run "$cli" compare --block 16 --layers first:2 --projection loss-aware-sequential --calibration models/prompts/calibration.txt --runs 1
run "$cli" sweep --blocks 2,64 --layers first:1 --positions all --runs 1
run "$cli" perplexity --text models/prompts/calibration.txt --max-lines 20 --block 16 --layers first:1
run "$cli" distill --block 64 --layers first:1 --steps 2 --batch 4 --out build/sanitize/student.bin
run "$cli" compare --student build/sanitize/student.bin --runs 0
if [ -f "$peer/stories260K.bin" ]; then
  run "$cli" generate --model "$peer/stories260K.bin" --tokenizer "$peer/tok512.bin" --prompt "Once upon a time" --steps 60
fi
echo "sanitized CLI runs: $((runs - bad)) of $runs clean"
echo "$((runs - bad)) $bad" >build/sanitize/cli-counts.txt
[ "$status" -eq 0 ] && [ "$bad" -eq 0 ]
