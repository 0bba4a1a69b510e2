// circulant-train: trains the default teacher and exports it in llama2.c format.
// Example: circulant-train --train runs/data/train.ids --val runs/data/val.ids
//            --run-dir runs/ckpt --export models/default.bin --minutes 85
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

#include "llama2c_export.h"
#include "train_loop.h"

namespace {

void usage() {
  std::fprintf(
      stderr,
      "usage: circulant-train --train IDS --val IDS --run-dir DIR [--export FILE]\n"
      "         (--minutes M | --steps N) [--batch 32] [--lr 1.5e-3] [--dim 256] [--hidden 1024]\n"
      "         [--layers 4] [--heads 4] [--vocab 2048] [--seq-len 256] [--eval-minutes 5]\n"
      "         [--checkpoint-minutes 10] [--threads 2] [--seed 1] [--log-every 20] [--no-resume]\n"
      "IDS files come from spm_encode --output_format=id; see cpp/train/README.md.\n");
}

bool parse(int argc, char** argv, train::TrainOptions& o) {
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--no-resume") {
      o.resume = false;
      continue;
    }
    if (i + 1 >= argc) return false;
    const char* v = argv[++i];
    if (a == "--train")
      o.train_ids = v;
    else if (a == "--val")
      o.val_ids = v;
    else if (a == "--run-dir")
      o.run_dir = v;
    else if (a == "--export")
      o.export_path = v;
    else if (a == "--minutes")
      o.minutes = std::atof(v);
    else if (a == "--steps")
      o.max_steps = std::atoll(v);
    else if (a == "--batch")
      o.batch = std::atoi(v);
    else if (a == "--lr")
      o.lr = std::atof(v);
    else if (a == "--dim")
      o.shape.dim = std::atoi(v);
    else if (a == "--hidden")
      o.shape.hidden_dim = std::atoi(v);
    else if (a == "--layers")
      o.shape.n_layers = std::atoi(v);
    else if (a == "--heads")
      o.shape.n_heads = std::atoi(v);
    else if (a == "--vocab")
      o.shape.vocab_size = std::atoi(v);
    else if (a == "--seq-len")
      o.shape.seq_len = std::atoi(v);
    else if (a == "--eval-minutes")
      o.eval_minutes = std::atof(v);
    else if (a == "--checkpoint-minutes")
      o.checkpoint_minutes = std::atof(v);
    else if (a == "--threads")
      o.threads = std::atoi(v);
    else if (a == "--log-every")
      o.log_every = std::atoi(v);
    else if (a == "--seed")
      o.seed = std::strtoull(v, nullptr, 10);
    else
      return false;
  }
  return !o.train_ids.empty() && !o.val_ids.empty() && !o.run_dir.empty() &&
         (o.minutes > 0 || o.max_steps > 0) && o.shape.dim % o.shape.n_heads == 0;
}

}  // namespace

int main(int argc, char** argv) {
  train::TrainOptions options;
  if (!parse(argc, argv, options)) {
    usage();
    return 2;
  }
  try {
    torch::manual_seed(options.seed);
    train::Llama model(options.shape);
    auto result = train::run_training(model, options);
    std::printf("done: %lld steps, val loss %.4f, %.0f tok/s\n", (long long)result.steps,
                result.last_val_loss, result.tokens_per_second);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "circulant-train: %s\n", e.what());
    return 1;
  }
  return 0;
}
