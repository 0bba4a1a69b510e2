#!/usr/bin/env bash
# Fails when a C++ file differs from .clang-format (run `bash scripts/check-format.sh --fix` to
# format them all). Prints "format: N passed, N failed" (a file each).
set -uo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.cc' '*.h' | grep -E '^(cpp|tests|bench)/' |
  while read -r f; do [ -f "$f" ] && echo "$f"; done)
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
bad=0
for f in "${files[@]}"; do
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "  ✗ $f is not formatted (bash scripts/check-format.sh --fix)"
    bad=$((bad + 1))
  fi
done
echo "format: $(( ${#files[@]} - bad )) passed, $bad failed"
[ "$bad" -eq 0 ]
