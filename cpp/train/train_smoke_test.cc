// Smoke test of the trainer: 30 steps on a 50 KB slice lower the loss, and the engine loading the
// llama2.c export computes the trainer's logits within 1e-4.
// Usage: train_smoke_test <models/tokenizer.bin> <slice.txt> <scratch dir>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <string>

#include "llama2c_export.h"
#include "model/checkpoint.h"
#include "model/tokenizer.h"
#include "model/transformer.h"
#include "token_data.h"
#include "train_loop.h"

namespace {

int fail(const std::string& why) {
  std::fprintf(stderr, "train_smoke_test: FAIL: %s\n", why.c_str());
  return 1;
}

// Encodes lines with the engine's tokenizer into spm_encode's id-file format (no BOS: the
// loader adds it); every tenth line goes to the validation file.
bool write_id_files(const circulant::Tokenizer& tok, const std::string& text_path,
                    const std::string& train_path, const std::string& val_path) {
  std::ifstream in(text_path);
  std::ofstream train(train_path), val(val_path);
  std::string line;
  for (int n = 0; std::getline(in, line); n++) {
    std::ofstream& out = n % 10 == 9 ? val : train;
    for (int id : tok.encode(line, /*bos=*/false)) out << id << ' ';
    out << '\n';
  }
  return bool(in.eof()) && train && val;
}

double mean(const std::vector<double>& v, size_t from, size_t to) {
  return std::accumulate(v.begin() + from, v.begin() + to, 0.0) / double(to - from);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) return fail("usage: train_smoke_test <tokenizer.bin> <slice.txt> <scratch dir>");
  const std::string dir = argv[3];
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  auto tok = circulant::Tokenizer::load(argv[1], 2048);
  if (!tok.ok()) return fail(tok.error());
  if (!write_id_files(tok.value(), argv[2], dir + "/train.ids", dir + "/val.ids")) {
    return fail(std::string("cannot read ") + argv[2]);
  }

  train::TrainOptions o;
  o.shape = {/*dim=*/64,    /*hidden_dim=*/192, /*n_layers=*/2,
             /*n_heads=*/4, /*vocab=*/2048,
             /*seq_len=*/64};
  o.train_ids = dir + "/train.ids", o.val_ids = dir + "/val.ids";
  o.run_dir = dir + "/run", o.export_path = dir + "/smoke.bin";
  o.max_steps = 30, o.batch = 8, o.lr = 3e-3, o.warmup_fraction = 0.1;
  o.resume = false, o.quiet = true, o.eval_minutes = 1e9, o.checkpoint_minutes = 1e9;
  torch::manual_seed(1);
  train::Llama model(o.shape);
  auto result = train::run_training(model, o);
  const double first = mean(result.step_losses, 0, 5), last = mean(result.step_losses, 25, 30);
  std::printf("loss: first 5 steps %.3f, last 5 steps %.3f, validation %.3f\n", first, last,
              result.last_val_loss);
  if (!(last < first - 0.5)) return fail("training loss did not decrease by 0.5 nats in 30 steps");

  // The engine's forward pass over one validation window against the trainer's.
  auto weights = circulant::load_checkpoint(o.export_path);
  if (!weights.ok()) return fail(weights.error());
  circulant::Transformer engine(weights.value());
  circulant::RunState state(engine.config());
  auto window =
      train::sequential_windows(train::load_id_stream(o.val_ids), o.shape.seq_len)[0].narrow(
          0, 0, o.shape.seq_len);  // (seq_len)
  std::vector<int> tokens(window.data_ptr<int64_t>(), window.data_ptr<int64_t>() + window.numel());
  const float* engine_logits = circulant::forward(engine, state, tokens.data(), int(tokens.size()),
                                                  /*all_logits=*/true);  // (seq_len, vocab)
  torch::NoGradGuard no_grad;
  model->eval();
  auto trainer_logits = model(window.unsqueeze(0)).squeeze(0).contiguous();  // (seq_len, vocab)
  const float* t = trainer_logits.data_ptr<float>();
  double worst = 0;
  for (int64_t i = 0; i < trainer_logits.numel(); i++) {
    worst = std::max(worst, double(std::fabs(t[i] - engine_logits[i])));
  }
  std::printf("engine vs trainer logits: max |difference| %.2e over %lld values\n", worst,
              (long long)trainer_logits.numel());
  if (!(worst <= 1e-4)) return fail("engine logits differ from the trainer's by more than 1e-4");
  std::printf("train_smoke_test: OK\n");
  return 0;
}
