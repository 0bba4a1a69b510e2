#!/usr/bin/env bash
# Makes models/distilled/: the canonical distillation of the shipped model (every MLP matrix of
# every layer, the shipped 916-line calibration set, 300 steps at lr 3e-3, seed 1), one file per
# block size B = 4…256 (bB.students, float16), which the page's sweep draws as its "distilled"
# curve at once; the page fetches the file of the block size on screen first (docs/loading.md).
# B = 2 is left out to keep the download small (it alone would double it); the page distils it
# on request. Prints each distillation's table (docs/results.md). About 15 minutes on one core;
# JOBS=2 runs two block sizes at once.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/native/circulant ] || bash scripts/build.sh
mkdir -p models/distilled
rm -f models/distilled/*.students
printf '%s\n' 4 8 16 32 64 128 256 | xargs -P "${JOBS:-1}" -I{} \
  build/native/circulant distill --blocks {} --steps 300 --lr 0.003 --float16 \
  --out models/distilled/b{}.students "$@"
ls -l models/distilled
