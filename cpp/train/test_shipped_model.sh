#!/usr/bin/env bash
# Shipped-model test: models/default.bin has the card's header and exact size, and
# `circulant generate` on it writes text. Usage: test_shipped_model.sh <path/to/circulant>
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
MODEL="$ROOT/models/default.bin"
CLI="$1"
# Header: dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len (int32).
read -r -a h <<< "$(od -An -t d4 -N 28 "$MODEL" | tr -s ' \n' ' ')"
expected_header="256 1024 4 4 4 2048 256"
[ "${h[*]}" = "$expected_header" ] || { echo "FAIL: header ${h[*]}, expected $expected_header"; exit 1; }
# Floats: embedding, per layer 2 norms + 4 attention + 3 MLP matrices, final norm, RoPE tables.
dim=256 hidden=1024 layers=4 vocab=2048 seq=256
floats=$(( vocab*dim + layers*(2*dim + 4*dim*dim + 3*dim*hidden) + dim + 2*seq*(dim/4)/2 ))  # head_size = dim/4
size=$(stat -c %s "$MODEL")
[ "$size" -eq $(( 28 + 4*floats )) ] || { echo "FAIL: $size bytes, expected $(( 28 + 4*floats ))"; exit 1; }
text="$("$CLI" generate --model "$MODEL" --tokenizer "$ROOT/models/tokenizer.bin" --prompt "The" \
  --steps 20 --temperature 0)"
words=$(echo "$text" | wc -w)
[ "$words" -ge 5 ] || { echo "FAIL: generate wrote only: $text"; exit 1; }
echo "ok: $size bytes, header $expected_header; generate: $text"
