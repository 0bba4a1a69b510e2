#!/usr/bin/env bash
# Regenerates every figure the README quotes, side by side in one run each; paste the output into
# README.md. Run on a quiet machine: throughput columns are wall-clock.
set -euo pipefail
cd "$(dirname "$0")/.."
cli=build/native/circulant
peer=../shared/peer-models
stories=(--model "$peer/stories260K.bin" --tokenizer "$peer/tok512.bin")

echo "## circulant bench, stories260K"
$cli bench --model "$peer/stories260K.bin" --runs 9
echo
echo "## circulant bench, models/default.bin"
$cli bench --runs 9
echo
echo "## sweep, stories260K, every MLP matrix of every layer, Frobenius, 20 lecture prompts"
$cli sweep "${stories[@]}" --runs 9
echo
echo "## sweep, models/default.bin (dim 256), every MLP matrix of every layer, Frobenius"
$cli sweep --runs 9
echo
echo "## the published experiment's rows on models/default.bin (B = 64)"
for spec in "first:1 frobenius" "first:1 loss-aware" "first:1 loss-aware-sequential" "first:4 frobenius" \
            "first:4 loss-aware" "first:4 loss-aware-sequential"; do
  set -- $spec
  $cli compare --block 64 --layers "$1" --projection "$2" --runs 9 | tail -1
done
echo
echo "## one MLP matrix, dense vs block-circulant (Google Benchmark)"
build/native/bench/bench_mlp_matrix --benchmark_min_time=0.2 2>/dev/null | tail -n +1
