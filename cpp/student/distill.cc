// The distillation loop: batches in a seeded order, teacher targets cached within a budget, Adam.
#include "student/distill.h"

#include <algorithm>
#include <cmath>
#include <memory>

#include "kernels/ops.h"
#include "student/differentiable_operators.h"
#include "util/thread_pool.h"

namespace circulant {
namespace {

// Plain Adam: decoupled weight decay (AdamW) would pull the parameters toward zero, away from the
// projected start, and did not lower the held-out KL (README, Decisions).
constexpr double kBeta1 = 0.9, kBeta2 = 0.999, kAdamEpsilon = 1e-8;

// splitmix64: a seeded sequence that is the same on every platform (std::shuffle is not).
uint64_t next_random(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

StudentParameters zeros_like(const StudentParameters& p) {
  StudentParameters z;
  for (const auto& m : p.matrices) z.matrices.emplace_back(m.size(), 0.f);
  for (const auto& n : p.ffn_norms) z.ffn_norms.emplace_back(n.size(), 0.f);
  return z;
}

}  // namespace

Result<std::unique_ptr<Distiller>> Distiller::create(const Transformer& teacher,
                                                     const CheckedPlan& checked,
                                                     std::vector<std::vector<int>> calibration,
                                                     size_t cache_bytes) {
  const StudentPlan& plan = *checked;
  if (plan.method != Method::kDistill)
    return Error{"distillation needs a plan whose method is distill"};
  calibration.erase(std::remove_if(calibration.begin(), calibration.end(),
                                   [](const std::vector<int>& line) { return line.size() < 2; }),
                    calibration.end());
  if (calibration.empty())
    return Error{"distillation needs calibration text: at least one line of two or more tokens"};
  std::unique_ptr<Distiller> d(
      new Distiller(teacher, checked, std::move(calibration), cache_bytes));
  auto start = project_student(teacher, checked, d->calibration_);
  RETURN_IF_ERROR(start);
  d->parameters_ = std::move(start.value());
  if (plan.distill.train_norms)
    for (int l : plan.layers) {
      const float* gain = teacher.weights().layers[l].rms_ffn;
      d->parameters_.ffn_norms.emplace_back(gain, gain + teacher.config().dim);
    }
  d->gradients_ = zeros_like(d->parameters_);
  d->first_moments_ = zeros_like(d->parameters_);
  d->second_moments_ = zeros_like(d->parameters_);
  d->wire();
  return d;
}

Distiller::Distiller(const Transformer& teacher, const CheckedPlan& plan,
                     std::vector<std::vector<int>> calibration, size_t cache_bytes)
    : teacher_(teacher),
      plan_(plan),
      calibration_(std::move(calibration)),
      targets_(calibration_.size()),
      cache_bytes_(cache_bytes),
      differentiable_(teacher.weights()),
      rng_state_(plan->distill.seed) {}

Distiller::~Distiller() = default;

void Distiller::wire() {
  const Config& c = teacher_.config();
  DifferentiableModel<float>& model = differentiable_.model();
  size_t next = 0;
  for (size_t i = 0; i < plan_->layers.size(); ++i) {
    auto& layer = model.layers[plan_->layers[i]];
    for (MlpMatrix m : plan_->matrices) {
      const MatrixShape s = mlp_shape(c, m);
      const float* values = parameters_.matrices[next].data();
      float* grad = gradients_.matrices[next++].data();
      if (plan_->structure == Structure::kCirculant) {
        auto op = std::make_unique<CirculantGradient<float>>(s.out, s.in, plan_->block, values);
        circulants_.push_back(op.get());
        operators_.push_back(std::move(op));
      } else if (plan_->structure == Structure::kLowRank) {
        operators_.push_back(std::make_unique<LowRankGradient<float>>(
            s.out, s.in, low_rank_rank(s.out, s.in, plan_->block), values));
      } else {
        operators_.push_back(std::make_unique<ZeroGradient<float>>(s.out, s.in));
        grad = nullptr;
      }
      mlp_member(layer, m) = operators_.back().get();
      mlp_member(layer.gradients, m) = grad;
    }
    if (!parameters_.ffn_norms.empty()) {
      layer.rms_ffn = parameters_.ffn_norms[i].data();
      layer.d_rms_ffn = gradients_.ffn_norms[i].data();
    }
  }
  backprop_ = std::make_unique<KlBackprop<float>>(model);
}

// The next `batch` lines of a seeded permutation, a new permutation each epoch.
std::vector<int> Distiller::next_batch() {
  const size_t lines = calibration_.size(), size = std::min(lines, size_t(plan_->distill.batch));
  std::vector<int> batch;
  while (batch.size() < size) {
    if (cursor_ == order_.size()) {
      order_.resize(lines);
      for (size_t i = 0; i < lines; ++i) order_[i] = int(i);
      for (size_t i = lines - 1; i > 0; --i)
        std::swap(order_[i], order_[next_random(rng_state_) % (i + 1)]);
      cursor_ = 0;
    }
    batch.push_back(order_[cursor_++]);
  }
  return batch;
}

// Which lines are cached is decided here, in batch order, so it is the same with any number of
// threads; then the teacher runs on the lines that need it side by side, one run state a thread.
std::vector<const float*> Distiller::teacher_log_probs(const std::vector<int>& lines) {
  const int vocab = teacher_.config().vocab_size;
  std::vector<std::vector<float>*> fill;  // targets to compute, one per line that needs them
  std::vector<int> fill_lines;
  std::vector<const float*> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::vector<float>& cached = targets_[lines[i]];
    const size_t floats = calibration_[lines[i]].size() * size_t(vocab);
    if (cached.size() == floats) {  // cached, or made for an earlier slot of this batch
      out.push_back(cached.data());
      continue;
    }
    const bool keep = cached_bytes_ + floats * sizeof(float) <= cache_bytes_;
    std::vector<float>& target = keep ? cached : scratch_[i];
    if (keep) cached_bytes_ += floats * sizeof(float);
    target.resize(floats);
    out.push_back(target.data());
    fill.push_back(&target), fill_lines.push_back(lines[i]);
  }
  std::vector<std::unique_ptr<RunState>> states(threads());
  parallel_for(int64_t(fill.size()), [&](int64_t f) {
    std::unique_ptr<RunState>& state = states[thread_index()];
    if (!state) state = std::make_unique<RunState>(teacher_.config());
    state->reset();
    const std::vector<int>& tokens = calibration_[fill_lines[f]];
    const int n = int(tokens.size());
    const float* logits = forward(teacher_, *state, tokens.data(), n, true);
    std::vector<float>& target = *fill[f];
    for (int r = 0; r < n; ++r) {
      const float* z = logits + size_t(r) * vocab;
      const double log_sum = log_sum_exp(z, vocab);
      for (int i = 0; i < vocab; ++i) target[size_t(r) * vocab + i] = float(double(z[i]) - log_sum);
    }
  });
  return out;
}

void Distiller::adam_update(std::vector<float>& values, const std::vector<float>& grad,
                            std::vector<float>& m, std::vector<float>& v, double lr) const {
  const double t = steps_done_ + 1;
  const float step = float(lr / (1 - std::pow(kBeta1, t)));
  const float v_correction = float(1 / (1 - std::pow(kBeta2, t)));
  const float b1 = float(kBeta1), b2 = float(kBeta2), eps = float(kAdamEpsilon);
  for (size_t i = 0; i < values.size(); ++i) {
    m[i] = b1 * m[i] + (1 - b1) * grad[i];
    v[i] = b2 * v[i] + (1 - b2) * grad[i] * grad[i];
    values[i] -= step * m[i] / (std::sqrt(v[i] * v_correction) + eps);
  }
}

double Distiller::step() {
  const std::vector<int> lines = next_batch();
  scratch_.resize(std::max(scratch_.size(), lines.size()));
  const std::vector<const float*> targets = teacher_log_probs(lines);
  std::vector<KlTarget<float>> batch;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::vector<int>& tokens = calibration_[lines[i]];
    batch.push_back({tokens.data(), int(tokens.size()), targets[i]});
  }
  for (auto& g : gradients_.matrices) std::fill(g.begin(), g.end(), 0.f);
  for (auto& g : gradients_.ffn_norms) std::fill(g.begin(), g.end(), 0.f);
  const double kl = backprop_->run(batch, true);
  // Constant learning rate after a short linear warm-up.
  const double lr =
      plan_->distill.learning_rate * std::min(1.0, double(steps_done_ + 1) / kDistillWarmupSteps);
  for (size_t i = 0; i < parameters_.matrices.size(); ++i)
    adam_update(parameters_.matrices[i], gradients_.matrices[i], first_moments_.matrices[i],
                second_moments_.matrices[i], lr);
  for (size_t i = 0; i < parameters_.ffn_norms.size(); ++i)
    adam_update(parameters_.ffn_norms[i], gradients_.ffn_norms[i], first_moments_.ffn_norms[i],
                second_moments_.ffn_norms[i], lr);
  for (CirculantGradient<float>* c : circulants_) c->refresh();
  ++steps_done_;
  return kl;
}

int64_t Distiller::trainable_parameters() const {
  int64_t n = 0;
  for (const auto& m : parameters_.matrices) n += int64_t(m.size());
  for (const auto& g : parameters_.ffn_norms) n += int64_t(g.size());
  return n;
}

Result<Transformer> Distiller::student() const {
  return assemble_student(teacher_, plan_, parameters_);
}

}  // namespace circulant
