// The training loop: AdamW, warm-up + cosine schedule, validation, checkpoints, exports, CSV log.
#pragma once

#include <string>
#include <vector>

#include "llama_model.h"

namespace train {

struct TrainOptions {
  ModelShape shape;
  std::string train_ids, val_ids;  // spm_encode --output_format=id files
  std::string run_dir;             // checkpoint.pt, optimizer.pt, state.txt, loss.csv
  std::string export_path;         // llama2.c file rewritten at every validation ("" = none)
  // Length of the run: a fixed number of steps, or else a wall-clock budget. The schedule is
  // sized from whichever is given, so a timed run always finishes its cosine decay on time.
  int64_t max_steps = 0;
  double minutes = 0;
  int batch = 32;
  double lr = 1.5e-3, min_lr_fraction = 0.1, warmup_fraction = 0.02;
  double beta1 = 0.9, beta2 = 0.95, weight_decay = 0.1, grad_clip = 1.0;
  double eval_minutes = 5, checkpoint_minutes = 10;
  int eval_every_steps = 0;  // also validate every N steps (tests); 0 = by time only
  int val_windows = 128;     // windows in the periodic validation (all at the end)
  int log_every = 20;
  int threads = 2;
  uint64_t seed = 1;
  bool resume = true;  // continue from run_dir's checkpoint when there is one
  bool quiet = false;
};

struct TrainResult {
  std::vector<double> step_losses;  // training loss of every step run in this call
  double last_val_loss = 0;
  int64_t steps = 0;
  double tokens_per_second = 0;
};

// Learning rate at progress p in [0, 1]: linear warm-up, then cosine down to min_lr_fraction.
double learning_rate(const TrainOptions& o, double progress);

// Mean next-token loss over the whole validation stream in non-overlapping windows.
double validation_loss(Llama& model, const torch::Tensor& windows, int batch);

// Trains `model` (resuming from run_dir when allowed); throws std::runtime_error on I/O errors.
TrainResult run_training(Llama& model, const TrainOptions& options);

}  // namespace train
