#!/usr/bin/env bash
# Plots train and validation loss against tokens from the trainer's loss.csv (needs gnuplot).
# Usage: bash cpp/train/plot_loss.sh cpp/train/runs/ckpt/loss.csv models/loss.png
set -euo pipefail
CSV="$1"
PNG="$2"
# Columns: step,tokens,seconds,lr,train_loss,val_loss; a row holds one of the two losses.
gnuplot <<GP
set terminal pngcairo size 900,540 font "sans,11" noenhanced
set output "$PNG"
set datafile separator ","
set datafile missing ""
set key top right
set grid
set xlabel "training tokens (millions)"
set ylabel "loss (nats per token)"
set title "Default teacher: dim 256, 4 layers, vocabulary 2048"
set yrange [3:8]
plot "$CSV" every ::1 using (\$2/1e6):5 with lines lw 1.5 lc rgb "#4c78a8" title "train (mean of 20 steps)", \
     "$CSV" every ::1 using (\$2/1e6):6 with linespoints pt 7 ps 0.8 lw 2 lc rgb "#e45756" title "validation"
GP
echo "$PNG written"
