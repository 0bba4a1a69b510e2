#!/usr/bin/env bash
# scripts/fuzz-one.sh against stand-in fuzzers that print what libFuzzer prints: a run of no input
# fails however its log looks (issue 21: "0 runs in 20 s, nothing found" was counted as passed),
# a run of inputs passes with their count, a finding fails. Run by CTest (fuzz_counts).
set -uo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
expect() {  # description, expected exit status, expected text, then the stand-in's output script
  local what="$1" want_status="$2" want_text="$3"
  shift 3
  local out status
  out=$(bash scripts/fuzz-one.sh stand_in "$work/log" bash -c "$1")
  status=$?
  if [ "$status" -ne "$want_status" ] || ! grep -qF -- "$want_text" <<<"$out"; then
    echo "✗ $what: exit $status (expected $want_status), printed: $out"
    failures=$((failures + 1))
  else
    echo "✓ $what"
  fi
}
# The dictionary libFuzzer prints at the end can hold '#' and digits: "#0" is not a count.
dictionary='echo "###### Recommended dictionary. ######"; echo "\"#12\\000\" # Uses: 3"; echo "###### End of recommended dictionary. ######"'
expect "no input ran" 1 "no input ran in 20 s, so nothing was tested" \
  "echo '#2 INITED cov: 10 ft: 12 corp: 2/7336b exec/s: 0 rss: 37Mb'; $dictionary; echo 'Done 0 runs in 20 second(s)'"
expect "no closing count" 1 "no input ran, so nothing was tested" \
  "echo 'INFO: Seed: 1'; $dictionary"
expect "inputs ran" 0 "✓ fuzz_stand_in: 383350 inputs ran in 21 s, nothing found" \
  "echo '#3 INITED cov: 967'; echo '#383350 DONE cov: 1236'; echo \"###### Recommended dictionary. ######\"; echo '\"#0\\000\" # Uses: 1'; echo 'Done 383350 runs in 21 second(s)'"
expect "a finding" 1 "✗ fuzz_stand_in: a finding (exit status 1" \
  "echo '==7==ERROR: AddressSanitizer: heap-buffer-overflow'; echo 'SUMMARY: AddressSanitizer: heap-buffer-overflow'; exit 1"
echo "fuzz-one: $((4 - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
