#!/usr/bin/env bash
# Prints the model card's sample continuations of 120 new tokens (markdown) with the engine CLI, and fails when a
# sample contains a blocklisted word. Usage: bash cpp/train/card_samples.sh [path/to/circulant]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CLI="${1:-$ROOT/build/native/circulant}"
PROMPTS=("The" "In the morning" "The president said that" "She opened the door and" "Scientists have found that")
NEW=120  # new tokens after the prompt

sample() {  # prompt, then generate flags
  local prompt="$1"; shift
  local text model=(--model "$ROOT/models/default.bin" --tokenizer "$ROOT/models/tokenizer.bin") n
  # --steps counts positions as llama2.c's -n does (BOS and prompt included)
  n=$("$CLI" logits "${model[@]}" --prompt "$prompt" | node -e \
    'console.log(JSON.parse(require("fs").readFileSync(0, "utf8")).tokens.length)')
  text="$("$CLI" generate "${model[@]}" --prompt "$prompt" --steps $((n + NEW)) "$@" | tr '\n' ' ')"
  echo "$text" | node -e '
    import("'"$ROOT"'/cpp/train/blocklist.mjs").then(({ loadBlocklist, blockedWords }) => {
      const t = require("fs").readFileSync(0, "utf8");
      const hits = blockedWords(t, loadBlocklist());
      if (hits.length) { console.error("blocklisted: " + hits.join(", ")); process.exit(1); }
    });'
  printf -- '- %s\n' "$text"
}

echo "Greedy (temperature 0, repeat penalty 1.1, $NEW new tokens):"
echo
for p in "${PROMPTS[@]}"; do sample "$p" --temperature 0 --repeat-penalty 1.1; done
echo
echo "Sampled (temperature 0.8, top-p 0.9, repeat penalty 1.1, seed 1, $NEW new tokens):"
echo
for p in "${PROMPTS[@]}"; do sample "$p" --temperature 0.8 --top-p 0.9 --repeat-penalty 1.1 --seed 1; done
