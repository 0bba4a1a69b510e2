#!/usr/bin/env bash
# Decode tokens/s of our teacher against llama2.c's run.c (gcc -Ofast -march=native, one thread)
# on the same model, prompt and length, greedy (the texts must be byte-identical), alternating
# runs, medians. run.c is not part of this repository: fetch karpathy/llama2.c yourself and pass
# the path of its run.c. Prints markdown rows: model, ours, run.c, ours ÷ run.c, text.
# Usage: bash bench/vs-llama2c.sh PATH/TO/run.c [runs (default 7)]
set -euo pipefail
cd "$(dirname "$0")/.."
runc="$1"; shift
runs="${1:-7}"
work=build/vs-llama2c
mkdir -p "$work"
gcc -Ofast -march=native -o "$work/run" "$runc" -lm
peer=../shared/peer-models
models=("models/default.bin models/tokenizer.bin" "$peer/stories260K.bin $peer/tok512.bin")
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
for pair in "${models[@]}"; do
  set -- $pair
  [ -f "$1" ] || continue
  prompt="Once upon a time"
  : >"$work/ours.txt"; : >"$work/theirs.txt"
  for r in $(seq "$runs"); do
    build/native/circulant generate --model "$1" --tokenizer "$2" --prompt "$prompt" --steps 256 --speed \
      >"$work/ours.out" 2>"$work/ours.err"
    "$work/run" "$1" -z "$2" -t 0 -n 256 -i "$prompt" >"$work/theirs.out" 2>"$work/theirs.err"
    grep -o 'tok/s: [0-9.]*' "$work/ours.err" | cut -d' ' -f2 >>"$work/ours.txt"
    grep -o 'tok/s: [0-9.]*' "$work/theirs.err" | cut -d' ' -f2 >>"$work/theirs.txt"
  done
  same=$(cmp -s "$work/ours.out" "$work/theirs.out" && echo "byte-identical" || echo "TEXTS DIFFER")
  o=$(median <"$work/ours.txt"); t=$(median <"$work/theirs.txt")
  echo "| $(basename "$1") | $o | $t | $(awk -v o="$o" -v t="$t" 'BEGIN { printf "%.2f", o / t }') | $same |"
done
