#!/usr/bin/env bash
# The distillation tables of docs/results.md: all-positions KL on the 20 lecture prompts of every student
# kind over B (every MLP matrix of every layer), on the shipped model and on stories260K.
# Distilled = 300 steps of the canonical distillation (lr 3e-3, batches of 16 calibration lines,
# seed 1). The shipped model's circulant row reads models/distilled (B >= 4) and distils
# B = 2 here; everything else is computed here. About 60 minutes on one core, nearly all of it
# on the shipped model. Usage: distill-table.sh [shipped|stories] (default: both).
set -euo pipefail
cd "$(dirname "$0")/.."
cli=build/native/circulant
peer=../shared/peer-models
blocks=2,4,8,16,64,256
table() {  # shipped|peer, then model flags: prints one markdown table
  local kind="$1"; shift
  run() {  # label, flags: KL per block as "| label | ... |"
    local label="$1"; shift
    "$cli" sweep "$@" --positions all --runs 0 --json |
      node -e 'const r = JSON.parse(require("fs").readFileSync(0, "utf8")).rows.filter((x) => x.model === "student");
        const by = new Map(r.map((x) => [x.block, x.kl]));
        const cells = process.argv[2].split(",").map((b) => by.has(+b) ? by.get(+b).toFixed(2) : "–");
        console.log(`| ${process.argv[1]} | ${cells.join(" | ")} |`);' "$label" "$blocks"
  }
  echo "| student | $(tr , '\n' <<<"$blocks" | sed 's/^/B = /' | paste -sd'|' | sed 's/|/ | /g') |"
  echo "|---|$(tr , '\n' <<<"$blocks" | sed 's/.*/---:/' | paste -sd'|')|"
  run "MLP removed (the floor)" "$@" --structure removed --blocks "$blocks"
  run "circulant, Frobenius" "$@" --blocks "$blocks"
  run "circulant, loss-aware sequential" "$@" --projection loss-aware-sequential --blocks "$blocks"
  if [ "$kind" = shipped ]; then
    run "circulant, distilled (B = 2)" "$@" --projection distill --blocks 2
    run "circulant, distilled (models/distilled)" "$@" --student models/distilled
  else
    run "circulant, distilled" "$@" --projection distill --blocks "$blocks"
  fi
  run "low-rank, SVD" "$@" --structure low-rank --blocks "$blocks"
  run "low-rank, distilled" "$@" --structure low-rank --projection distill --blocks "$blocks"
}
which="${1:-both}"
case "$which" in shipped|stories|both) ;; *) echo "usage: distill-table.sh [shipped|stories]" >&2; exit 2 ;; esac
if [ "$which" != stories ]; then
  echo "## models/default.bin"
  table shipped
  echo
fi
if [ "$which" != shipped ]; then
  echo "## stories260K"
  table peer --model "$peer/stories260K.bin" --tokenizer "$peer/tok512.bin"
fi
