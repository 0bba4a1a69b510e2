// The training loop (see train_loop.h); resumable state lives in run_dir.
#include "train_loop.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "llama2c_export.h"
#include "thread_chooser.h"
#include "token_data.h"

namespace train {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double learning_rate(const TrainOptions& o, double p) {
  const double min_lr = o.lr * o.min_lr_fraction;
  if (p < o.warmup_fraction) return o.lr * (p + 1e-3) / (o.warmup_fraction + 1e-3);
  const double q = std::min(1.0, (p - o.warmup_fraction) / (1.0 - o.warmup_fraction));
  return min_lr + 0.5 * (o.lr - min_lr) * (1.0 + std::cos(M_PI * q));
}

double validation_loss(Llama& model, const torch::Tensor& windows, int batch) {
  torch::NoGradGuard no_grad;
  model->eval();
  double sum = 0;
  for (int64_t i = 0; i < windows.size(0); i += batch) {
    auto chunk = windows.narrow(0, i, std::min<int64_t>(batch, windows.size(0) - i));
    sum += next_token_loss(model, chunk).item<double>() * chunk.size(0);
  }
  model->train();
  return sum / double(windows.size(0));
}

// AdamW with weight decay on matrices only (llama2.c: norms and nothing 1-D decay).
static torch::optim::AdamW make_optimizer(Llama& model, const TrainOptions& o) {
  std::vector<torch::Tensor> decay, no_decay;
  for (auto& p : model->parameters()) (p.dim() >= 2 ? decay : no_decay).push_back(p);
  auto options = [&](double wd) {
    return std::make_unique<torch::optim::AdamWOptions>(
        torch::optim::AdamWOptions(o.lr).betas({o.beta1, o.beta2}).weight_decay(wd));
  };
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(decay, options(o.weight_decay));
  groups.emplace_back(no_decay, options(0.0));
  return torch::optim::AdamW(groups, torch::optim::AdamWOptions(o.lr));
}

struct Progress {  // what state.txt holds besides the tensors
  int64_t step = 0;
  double seconds = 0;  // wall time spent in earlier sessions of this run
};

static void save_checkpoint(Llama& model, torch::optim::AdamW& opt, const Progress& pr,
                            const std::string& dir) {
  torch::save(model, dir + "/model.pt.tmp");
  torch::save(opt, dir + "/optimizer.pt.tmp");
  fs::rename(dir + "/model.pt.tmp", dir + "/model.pt");
  fs::rename(dir + "/optimizer.pt.tmp", dir + "/optimizer.pt");
  std::ofstream(dir + "/state.txt") << pr.step << " " << pr.seconds << "\n";
}

static bool load_checkpoint(Llama& model, torch::optim::AdamW& opt, Progress& pr,
                            const std::string& dir) {
  std::ifstream state(dir + "/state.txt");
  if (!state || !fs::exists(dir + "/model.pt")) return false;
  state >> pr.step >> pr.seconds;
  torch::load(model, dir + "/model.pt");
  torch::load(opt, dir + "/optimizer.pt");
  return true;
}

static void set_learning_rate(torch::optim::AdamW& opt, double lr) {
  for (auto& group : opt.param_groups()) {
    static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
  }
}

// One optimiser step on `batch` (B, T+1); returns its loss.
static double train_step(Llama& model, torch::optim::AdamW& opt, const torch::Tensor& batch,
                         double grad_clip) {
  opt.zero_grad();
  auto loss = next_token_loss(model, batch);
  loss.backward();
  torch::nn::utils::clip_grad_norm_(model->parameters(), grad_clip);
  opt.step();
  return loss.item<double>();
}

// loss.csv: one row per log window (train_loss) or validation (val_loss), appended across resumes.
static std::ofstream open_loss_log(const std::string& run_dir) {
  const std::string path = run_dir + "/loss.csv";
  const bool fresh = !fs::exists(path);
  std::ofstream csv(path, std::ios::app);
  if (fresh) csv << "step,tokens,seconds,lr,train_loss,val_loss\n";
  return csv;
}

TrainResult run_training(Llama& model, const TrainOptions& o) {
  if (o.max_steps <= 0 && o.minutes <= 0) throw std::runtime_error("give --steps or --minutes");
  torch::set_num_threads(o.threads);
  torch::manual_seed(o.seed);
  fs::create_directories(o.run_dir);
  const auto train_stream = load_id_stream(o.train_ids);
  const auto val_windows = sequential_windows(load_id_stream(o.val_ids), o.shape.seq_len);
  // Periodic validation on a fixed subset keeps it cheap; the last one uses every window.
  const auto val_subset =
      val_windows.narrow(0, 0, std::min<int64_t>(o.val_windows, val_windows.size(0)));
  auto opt = make_optimizer(model, o);
  Progress pr;
  if (o.resume && load_checkpoint(model, opt, pr, o.run_dir) && !o.quiet) {
    std::printf("resumed at step %lld after %.0f s\n", (long long)pr.step, pr.seconds);
  }
  auto csv = open_loss_log(o.run_dir);
  const int64_t tokens_per_step = int64_t(o.batch) * o.shape.seq_len;
  const auto start = Clock::now();
  auto now_s = [&] {
    return pr.seconds + std::chrono::duration<double>(Clock::now() - start).count();
  };
  auto progress = [&] {
    return o.max_steps > 0 ? double(pr.step) / o.max_steps : now_s() / (o.minutes * 60);
  };
  TrainResult result;
  const int64_t first_step = pr.step;
  auto validate = [&](double lr, bool full) {
    result.last_val_loss = validation_loss(model, full ? val_windows : val_subset, o.batch);
    csv << pr.step << "," << pr.step * tokens_per_step << "," << now_s() << "," << lr << ",,"
        << result.last_val_loss << std::endl;
    if (!o.export_path.empty()) export_llama2c(model, o.export_path);
    if (!o.quiet) {
      std::printf("step %lld %s val loss %.4f (ppl %.2f)\n", (long long)pr.step,
                  full ? "full" : "subset", result.last_val_loss, std::exp(result.last_val_loss));
      std::fflush(stdout);
    }
  };

  ThreadChooser chooser(o.threads);
  double last_eval = now_s(), last_ckpt = now_s(), window_loss = 0, window_start = now_s();
  int window_steps = 0;
  model->train();
  while (progress() < 1.0) {
    const double lr = learning_rate(o, progress());
    set_learning_rate(opt, lr);
    if (chooser.threads(pr.step) != torch::get_num_threads()) {
      torch::set_num_threads(chooser.threads(pr.step));
    }
    const auto step_start = Clock::now();
    auto batch = random_batch(train_stream, o.batch, o.shape.seq_len, o.seed, pr.step);
    const double loss = train_step(model, opt, batch, o.grad_clip);
    chooser.record(pr.step, std::chrono::duration<double>(Clock::now() - step_start).count());
    pr.step++;
    result.step_losses.push_back(loss);
    window_loss += loss;
    if (++window_steps == o.log_every) {
      const double tps = window_steps * tokens_per_step / (now_s() - window_start);
      csv << pr.step << "," << pr.step * tokens_per_step << "," << now_s() << "," << lr << ","
          << window_loss / window_steps << "," << std::endl;
      if (!o.quiet) {
        std::printf("step %lld loss %.4f lr %.2e %.0f tok/s %.0f s %d threads\n",
                    (long long)pr.step, window_loss / window_steps, lr, tps, now_s(),
                    torch::get_num_threads());
        std::fflush(stdout);
      }
      result.tokens_per_second = tps;
      window_loss = 0, window_steps = 0, window_start = now_s();
    }
    const bool eval_by_steps = o.eval_every_steps > 0 && pr.step % o.eval_every_steps == 0;
    if (eval_by_steps || now_s() - last_eval >= o.eval_minutes * 60) {
      const double eval_start = now_s();
      validate(lr, false);
      window_start += now_s() - eval_start;  // validation time is not training throughput
      last_eval = now_s();
    }
    if (now_s() - last_ckpt >= o.checkpoint_minutes * 60) {
      save_checkpoint(model, opt, Progress{pr.step, now_s()}, o.run_dir);
      last_ckpt = now_s();
    }
  }
  validate(learning_rate(o, 1.0), true);
  pr.seconds = now_s();
  save_checkpoint(model, opt, pr, o.run_dir);
  result.steps = pr.step - first_step;
  return result;
}

}  // namespace train
