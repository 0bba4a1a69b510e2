#!/usr/bin/env bash
# Regenerates every figure the docs quote, side by side in one run each; paste the output into
# docs/results.md and docs/speed.md. Run on a quiet machine (no training run): throughput columns are wall-clock.
# The distillation tables are scripts/distill-table.sh (about 60 minutes), not repeated here.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs  # Debian's emcc needs acorn from here
# One thread, as the page's engine and llama2.c's run.c compute: the figures compare kernels, not
# cores (docs/speed.md, "Threads", has what more threads give: build/native/bench/bench_threads).
cli() { build/native/circulant "$@" --threads 1; }
peer=../shared/peer-models
stories=(--model "$peer/stories260K.bin" --tokenizer "$peer/tok512.bin")

echo "## circulant bench, stories260K"
cli bench "${stories[@]}" --runs 9
echo
echo "## circulant bench, models/default.bin"
cli bench --runs 9
echo
echo "## sweep, models/default.bin, every MLP matrix of every layer, Frobenius, last token"
cli sweep --runs 9
echo
echo "## the same, all positions, the distilled students (models/distilled)"
cli sweep --student models/distilled --positions all --runs 9
echo
echo "## the published experiment's rows on models/default.bin (B = 64), last token"
for spec in "first:1 frobenius" "first:1 loss-aware" "first:1 loss-aware-sequential" "first:1 distill" \
            "first:4 frobenius" "first:4 loss-aware" "first:4 loss-aware-sequential"; do
  set -- $spec
  cli compare --block 64 --layers "$1" --projection "$2" --calibration models/prompts/calibration.txt --runs 9 | tail -1
done
cli compare --student models/distilled --block 64 --runs 9 | tail -1
echo
echo "## sweep, stories260K, every MLP matrix of every layer, Frobenius"
cli sweep "${stories[@]}" --runs 9
echo
echo "## one distillation step against teacher forward passes (Google Benchmark)"
build/native/bench/bench_distill_step 2>/dev/null | tail -5
echo
echo "## decode GEMV against a streaming read of the same bytes (Google Benchmark)"
build/native/bench/bench_gemv 2>/dev/null | tail -6
echo
echo "## the same in WebAssembly under Node (plain timer)"
[ -f build/wasm-tests/build.ninja ] ||
  emcmake cmake -S . -B build/wasm-tests -G Ninja -DCIRCULANT_WASM_TESTS=ON >/dev/null
cmake --build build/wasm-tests --target bench_gemv_wasm >build/bench-gemv-wasm.log 2>&1 ||
  { tail -30 build/bench-gemv-wasm.log; exit 1; }
node tests/wasm/run.cjs build/wasm-tests/bench/wasm/bench_gemv_wasm.cjs
echo
echo "## one MLP matrix, dense vs block-circulant (Google Benchmark)"
build/native/bench/bench_mlp_matrix --benchmark_min_time=0.2 2>/dev/null | tail -n +1
echo
echo "## the browser beside the native engine (Chromium, one run)"
bash scripts/build-web.sh --wasm-only >/dev/null  # incremental: never a stale engine
node bench/browser-bench.mjs
echo
echo "## decode against llama2.c's run.c (needs run.c: RUNC=path/to/run.c)"
if [ -n "${RUNC:-}" ]; then bash bench/vs-llama2c.sh "$RUNC"; else echo "(skipped: RUNC not set)"; fi
