#!/usr/bin/env bash
# Decode tokens/s of our teacher against llama2.c's run.c on the same model, prompt and length,
# greedy (the texts must be byte-identical), alternating runs, medians; natively (run.c with gcc
# -Ofast -march=native, ours as built, one thread) and in WebAssembly under Node (both with emcc
# -O3 -msimd128, run.c with -ffast-math too; files read straight from disk). run.c is not part of
# this repository: fetch karpathy/llama2.c yourself and pass the path of its run.c.
# Prints markdown rows: build, model, ours, run.c, ours ÷ run.c, text.
# Usage: bash bench/vs-llama2c.sh PATH/TO/run.c [runs (default 7)]
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs  # Debian's emcc needs acorn from here
runc="$1"; shift
runs="${1:-7}"
work=build/vs-llama2c
mkdir -p "$work"
gcc -Ofast -march=native -o "$work/run" "$runc" -lm
emcc -O3 -msimd128 -ffast-math -o "$work/run.cjs" "$runc" -lm -sNODERAWFS=1 \
  -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sENVIRONMENT=node
[ -f build/wasm-tests/build.ninja ] ||
  emcmake cmake -S . -B build/wasm-tests -G Ninja -DCIRCULANT_WASM_TESTS=ON >/dev/null
cmake --build build/wasm-tests --target circulant_cli_wasm >"$work/build.log" 2>&1 ||
  { tail -30 "$work/build.log"; echo "building our WebAssembly CLI failed (above)" >&2; exit 1; }
peer=../shared/peer-models
# run.c reads llama2.c's float32 formats only: the shipped float16 teacher goes to both engines as
# the same model written in version 1 (its float16 values widened, so the two texts still match).
[ -x build/native/circulant ] || bash scripts/build.sh
build/native/circulant convert --model models/default.bin --out "$work/default-f32.bin" >/dev/null
models=("$work/default-f32.bin models/tokenizer.bin" "$peer/stories260K.bin $peer/tok512.bin")
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
race() {  # build label, model, tokenizer, our command..., --, their command...
  local label="$1" model="$2" tokenizer="$3"; shift 3
  local ours=() theirs=()
  while [ "$1" != -- ]; do ours+=("$1"); shift; done
  shift; theirs=("$@")
  local prompt="Once upon a time"
  : >"$work/ours.txt"; : >"$work/theirs.txt"
  for _ in $(seq "$runs"); do
    "${ours[@]}" generate --model "$model" --tokenizer "$tokenizer" --prompt "$prompt" --steps 256 \
      --speed --threads 1 >"$work/ours.out" 2>"$work/ours.err"  # run.c runs on one thread
    "${theirs[@]}" "$model" -z "$tokenizer" -t 0 -n 256 -i "$prompt" >"$work/theirs.out" 2>"$work/theirs.err"
    grep -o 'tok/s: [0-9.]*' "$work/ours.err" | cut -d' ' -f2 >>"$work/ours.txt"
    grep -o 'tok/s: [0-9.]*' "$work/theirs.err" | cut -d' ' -f2 >>"$work/theirs.txt"
  done
  local same o t
  same=$(cmp -s "$work/ours.out" "$work/theirs.out" && echo "byte-identical" || echo "TEXTS DIFFER")
  o=$(median <"$work/ours.txt"); t=$(median <"$work/theirs.txt")
  echo "| $label | $(basename "$model") | $o | $t | $(awk -v o="$o" -v t="$t" 'BEGIN { printf "%.2f", o / t }') | $same |"
}
echo "| build | model | ours tok/s | run.c tok/s | ours ÷ run.c | text |"
echo "|---|---|---:|---:|---:|---|"
for pair in "${models[@]}"; do
  set -- $pair
  [ -f "$1" ] || continue
  race "native" "$1" "$2" build/native/circulant -- "$work/run"
  race "WebAssembly, Node" "$1" "$2" node tests/wasm/run.cjs build/wasm-tests/bench/wasm/circulant_cli_wasm.cjs \
    -- node tests/wasm/run.cjs "$work/run.cjs"
  # A run of stories260K lasts about 40 ms, most of it before V8 has optimised the hot functions
  # (its baseline compiler, Liftoff, runs them first): with --no-liftoff both programs are
  # optimised before they start, which measures the compiled code rather than the tier-up.
  race "WebAssembly, Node --no-liftoff" "$1" "$2" \
    node --no-liftoff tests/wasm/run.cjs build/wasm-tests/bench/wasm/circulant_cli_wasm.cjs \
    -- node --no-liftoff tests/wasm/run.cjs "$work/run.cjs"
done
