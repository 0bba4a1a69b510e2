// The backward pass: analytic gradients of the all-positions KL with respect to block-circulant
// vectors, low-rank factors and MLP norm gains equal central finite differences in float64, on
// tiny random models with padded and unpadded shapes and with qwen2's settings; the float pass
// agrees with the engine.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>

#include "model/backward.h"
#include "model/transformer.h"
#include "student/differentiable_operators.h"
#include "test_util.h"

namespace circulant {
namespace {

using testing::random_values;
using testing::random_weights_with_architecture;

Config tiny_config(int hidden) {
  Config c;
  c.dim = 16, c.hidden_dim = hidden, c.n_layers = 2, c.n_heads = 4, c.n_kv_heads = 2;
  c.vocab_size = 32, c.seq_len = 16;
  return c;
}

std::vector<double> log_softmax_rows(const double* z, int rows, int vocab) {
  std::vector<double> out(size_t(rows) * vocab);
  for (int r = 0; r < rows; ++r) {
    const double* zr = z + size_t(r) * vocab;
    double max = zr[0], sum = 0;
    for (int i = 0; i < vocab; ++i) max = std::max(max, zr[i]);
    for (int i = 0; i < vocab; ++i) sum += std::exp(zr[i] - max);
    for (int i = 0; i < vocab; ++i) out[size_t(r) * vocab + i] = zr[i] - max - std::log(sum);
  }
  return out;
}

// A student of the random teacher in float64: every MLP matrix of every layer structured, the
// second layer's norm trained too; targets are the dense teacher's log-probabilities.
class GradientCheck : public ::testing::Test {
 protected:
  void build(const Config& config, int block, bool low_rank) {
    weights_ = random_weights_with_architecture(config, 7, 0.5f);
    ASSERT_TRUE(weights_);
    teacher_ = std::make_unique<DifferentiableWeights<double>>(*weights_);
    student_ = std::make_unique<DifferentiableWeights<double>>(*weights_);
    const Config& c = weights_->config;
    sequences_ = {{1, 5, 9, 2, 30, 7}, {1, 17, 3, 3, 12}};
    for (const auto& s : sequences_) {
      KlBackprop<double> run(teacher_->model());
      const double* z = run.logits(s.data(), int(s.size()));
      targets_.push_back(log_softmax_rows(z, int(s.size()), c.vocab_size));
    }
    auto& model = student_->model();
    for (int l = 0; l < c.n_layers; ++l) {
      auto& layer = model.layers[l];
      struct Slot {
        const DifferentiableLinear<double>** op;
        double** grad;
        int out, in;
      };
      for (Slot s : {Slot{&layer.w1, &layer.gradients.w1, c.hidden_dim, c.dim},
                     Slot{&layer.w2, &layer.gradients.w2, c.dim, c.hidden_dim},
                     Slot{&layer.w3, &layer.gradients.w3, c.hidden_dim, c.dim}}) {
        const int rank = std::max(1, (s.out * s.in) / (block * (s.out + s.in)));
        const size_t count =
            low_rank ? size_t(rank) * (s.out + s.in)
                     : size_t((s.out + block - 1) / block) * ((s.in + block - 1) / block) * block;
        const auto init = random_values(count, unsigned(params_.size() + 11));
        params_.emplace_back(init.begin(), init.end());
        for (double& v : params_.back()) v *= low_rank ? 0.3 : 0.2;
        grads_.emplace_back(count, 0.0);
        if (low_rank) {
          ops_.push_back(
              std::make_unique<LowRankGradient<double>>(s.out, s.in, rank, params_.back().data()));
        } else {
          auto op = std::make_unique<CirculantGradient<double>>(s.out, s.in, block,
                                                                params_.back().data());
          circulants_.push_back(op.get());
          ops_.push_back(std::move(op));
        }
        *s.op = ops_.back().get();
        *s.grad = grads_.back().data();
      }
    }
    norm_ = std::vector<double>(student_->at(weights_->layers[1].rms_ffn),
                                student_->at(weights_->layers[1].rms_ffn) + c.dim);
    norm_grad_.assign(c.dim, 0.0);
    model.layers[1].rms_ffn = norm_.data();
    model.layers[1].d_rms_ffn = norm_grad_.data();
  }

  std::vector<KlTarget<double>> batch() const {
    std::vector<KlTarget<double>> b;
    for (size_t i = 0; i < sequences_.size(); ++i)
      b.push_back({sequences_[i].data(), int(sequences_[i].size()), targets_[i].data()});
    return b;
  }

  double loss() {
    for (auto& c : circulants_) c->refresh();
    KlBackprop<double> run(student_->model());
    return run.run(batch(), false);
  }

  // Max over the vector of |analytic − numeric|, relative to the largest analytic component.
  void expect_matches(std::vector<double>& values, const std::vector<double>& analytic,
                      const char* what) {
    double worst = 0, scale = 0;
    for (size_t i = 0; i < values.size(); ++i) {
      const double keep = values[i], h = 1e-6;
      values[i] = keep + h;
      const double up = loss();
      values[i] = keep - h;
      const double down = loss();
      values[i] = keep;
      worst = std::max(worst, std::abs((up - down) / (2 * h) - analytic[i]));
      scale = std::max(scale, std::abs(analytic[i]));
    }
    ASSERT_GT(scale, 1e-8) << what << ": the gradient is zero, the check would prove nothing";
    EXPECT_LT(worst / scale, 1e-6) << what;
  }

  void check_all() {
    for (auto& g : grads_) std::fill(g.begin(), g.end(), 0.0);
    std::fill(norm_grad_.begin(), norm_grad_.end(), 0.0);
    for (auto& c : circulants_) c->refresh();
    KlBackprop<double> run(student_->model());
    const double at = run.run(batch(), true);
    ASSERT_GT(at, 1e-3);  // the student differs from its teacher
    const auto analytic = grads_;
    for (size_t m = 0; m < params_.size(); ++m)
      expect_matches(params_[m], analytic[m], "matrix parameters");
    const auto norm_analytic = norm_grad_;
    expect_matches(norm_, norm_analytic, "norm gain");
  }

  std::shared_ptr<const Weights> weights_;
  std::unique_ptr<DifferentiableWeights<double>> teacher_, student_;
  std::vector<std::vector<int>> sequences_;
  std::vector<std::vector<double>> targets_;
  std::vector<std::vector<double>> params_, grads_;
  std::vector<CirculantGradient<double>*> circulants_;  // refreshed after every change
  std::vector<std::unique_ptr<DifferentiableLinear<double>>> ops_;
  std::vector<double> norm_, norm_grad_;
};

TEST_F(GradientCheck, CirculantAtBlock4Unpadded) {
  build(tiny_config(48), 4, false);
  check_all();
}

TEST_F(GradientCheck, CirculantAtBlock8PaddedHidden) {
  build(tiny_config(44), 8, false);  // 44 = 5.5 blocks: gate/up outputs and down's input are padded
  check_all();
}

TEST_F(GradientCheck, CirculantAtBlock4PaddedHidden) {
  build(tiny_config(42), 4, false);
  check_all();
}

TEST_F(GradientCheck, LowRankFactors) {
  build(tiny_config(44), 8, true);
  check_all();
}

// qwen2's settings (rope base and halves, norm epsilon, q/k/v biases) on 6 query heads sharing 2
// key/value heads: the rotation the backward pass undoes must be the style's own.
Config qwen2_like(int hidden) {
  Config c = tiny_config(hidden);
  c.dim = 24, c.n_heads = 6, c.n_kv_heads = 2;
  c.rope_theta = 1e6f, c.norm_epsilon = 1e-6f, c.rope_style = RopeStyle::kHalves;
  c.qkv_bias = true;
  return c;
}

TEST_F(GradientCheck, CirculantWithQwen2SettingsAndGroupedQueries) {
  build(qwen2_like(40), 4, false);
  check_all();
}

void expect_float_logits_match_engine(const Config& c) {
  auto weights = random_weights_with_architecture(c, 3, 0.3f);
  ASSERT_TRUE(weights);
  const std::vector<int> tokens = {1, 4, 60, 33, 2, 9, 17, 5, 5, 41};
  const int n = int(tokens.size());
  DifferentiableWeights<float> dw(*weights);
  KlBackprop<float> run(dw.model());
  const float* ours = run.logits(tokens.data(), n);
  Transformer engine(weights);
  RunState state(c);
  const float* theirs = forward(engine, state, tokens.data(), n, true);
  for (size_t i = 0; i < size_t(n) * c.vocab_size; ++i)
    EXPECT_NEAR(ours[i], theirs[i], 2e-5) << "logit " << i;
}

TEST(Backward, FloatLogitsMatchTheEngineForward) {
  Config c = tiny_config(40);
  c.dim = 32, c.seq_len = 32, c.vocab_size = 64;
  expect_float_logits_match_engine(c);
}

TEST(Backward, FloatLogitsMatchTheEngineForwardWithQwen2Settings) {
  Config c = qwen2_like(40);
  c.seq_len = 32, c.vocab_size = 64;
  expect_float_logits_match_engine(c);
}

}  // namespace
}  // namespace circulant
