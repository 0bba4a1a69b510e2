// The engine's distillation gradient against libtorch autograd: one batch, the all-positions
// KL(teacher ‖ student) of a block-circulant student (every MLP matrix, B = 8 with padded
// shapes), its value and its gradient with respect to c, within 1e-4 relative.
// Usage: distill_torch_test <scratch dir>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "llama2c_export.h"
#include "llama_model.h"
#include "model/backward.h"
#include "model/checkpoint.h"
#include "model/transformer.h"
#include "student/differentiable_operators.h"

namespace {

int fail(const std::string& why) {
  std::fprintf(stderr, "distill_torch_test: FAIL: %s\n", why.c_str());
  return 1;
}

constexpr int kBlock = 8;

// Index (m, n) into the flattened c (p, q, B): W[r][s] = c_ij[(r − s) mod B], i = r/B, j = s/B.
torch::Tensor circulant_index(int m, int n) {
  const int q = (n + kBlock - 1) / kBlock;
  auto index = torch::empty({m, n}, torch::kInt64);
  auto a = index.accessor<int64_t, 2>();
  for (int r = 0; r < m; ++r)
    for (int s = 0; s < n; ++s)
      a[r][s] =
          (int64_t(r / kBlock) * q + s / kBlock) * kBlock + ((r - s) % kBlock + kBlock) % kBlock;
  return index;
}

double relative_difference(const std::vector<float>& ours, const torch::Tensor& theirs) {
  const float* t = theirs.data_ptr<float>();
  double diff = 0, norm = 0;
  for (size_t i = 0; i < ours.size(); ++i)
    diff += std::pow(ours[i] - t[i], 2), norm += double(t[i]) * t[i];
  return std::sqrt(diff / norm);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return fail("usage: distill_torch_test <scratch dir>");
  std::filesystem::create_directories(argv[1]);
  const std::string path = std::string(argv[1]) + "/torch_teacher.bin";
  torch::manual_seed(3);
  const train::ModelShape shape{/*dim=*/32,    /*hidden_dim=*/92, /*n_layers=*/2,
                                /*n_heads=*/4, /*vocab=*/64,
                                /*seq_len=*/32};
  train::Llama model(shape);
  train::export_llama2c(model, path);
  auto weights = circulant::load_checkpoint(path);
  if (!weights.ok()) return fail(weights.error());
  const std::vector<std::vector<int>> lines = {
      {1, 7, 33, 2, 60, 12, 9}, {1, 40, 41, 5}, {1, 3, 3, 3, 17, 63}};

  // libtorch: teacher targets, then the student's loss and autograd gradient of every c.
  std::vector<torch::Tensor> targets, c_tensors;
  {
    torch::NoGradGuard no_grad;
    for (const auto& l : lines)
      targets.push_back(torch::log_softmax(
          model(torch::tensor(std::vector<int64_t>(l.begin(), l.end())).unsqueeze(0)), -1));
  }
  for (auto& block : model->blocks) {
    for (auto* linear : {&block->w1, &block->w2, &block->w3}) {
      const int m = int((*linear)->weight.size(0)), n = int((*linear)->weight.size(1));
      const int p = (m + kBlock - 1) / kBlock, q = (n + kBlock - 1) / kBlock;
      auto c = (0.1 * torch::randn({p, q, kBlock})).requires_grad_(true);
      c_tensors.push_back(c);
      (*linear)->weight = c.flatten().index_select(0, circulant_index(m, n).flatten()).view({m, n});
    }
  }
  torch::Tensor loss = torch::zeros({});
  int64_t positions = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const auto& l = lines[i];
    auto log_q = torch::log_softmax(
        model(torch::tensor(std::vector<int64_t>(l.begin(), l.end())).unsqueeze(0)), -1);
    loss = loss + (targets[i].exp() * (targets[i] - log_q)).sum();
    positions += int64_t(l.size());
  }
  loss = loss / double(positions);
  loss.backward();

  // The engine: same weights, same c, its own teacher targets, its own backward pass.
  circulant::DifferentiableWeights<float> teacher(*weights.value()), student(*weights.value());
  std::vector<std::vector<float>> c_values, grads;
  std::vector<std::unique_ptr<circulant::CirculantGradient<float>>> ops;
  auto& sm = student.model();
  for (size_t i = 0; i < c_tensors.size(); ++i) {
    auto c = c_tensors[i].detach().contiguous();
    c_values.emplace_back(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
    grads.emplace_back(c.numel(), 0.f);
  }
  for (int l = 0; l < shape.n_layers; ++l) {
    auto& layer = sm.layers[l];
    const circulant::DifferentiableLinear<float>** slots[] = {&layer.w1, &layer.w2, &layer.w3};
    float** grad_slots[] = {&layer.gradients.w1, &layer.gradients.w2, &layer.gradients.w3};
    for (int k = 0; k < 3; ++k) {
      const size_t at = size_t(l) * 3 + k;
      const int m = (*slots[k])->out_features(), n = (*slots[k])->in_features();
      ops.push_back(
          std::make_unique<circulant::CirculantGradient<float>>(m, n, kBlock, c_values[at].data()));
      *slots[k] = ops.back().get();
      *grad_slots[k] = grads[at].data();
    }
  }
  std::vector<std::vector<float>> engine_targets;
  for (const auto& l : lines) {
    circulant::KlBackprop<float> run(teacher.model());
    const float* z = run.logits(l.data(), int(l.size()));
    auto t = torch::log_softmax(
        torch::from_blob(const_cast<float*>(z), {int64_t(l.size()), shape.vocab_size}), -1);
    engine_targets.emplace_back(t.data_ptr<float>(), t.data_ptr<float>() + t.numel());
  }
  std::vector<circulant::KlTarget<float>> batch;
  for (size_t i = 0; i < lines.size(); ++i)
    batch.push_back({lines[i].data(), int(lines[i].size()), engine_targets[i].data()});
  circulant::KlBackprop<float> run(sm);
  const double ours = run.run(batch, true);
  const double theirs = loss.item<double>();
  std::printf("loss: engine %.7f, libtorch %.7f\n", ours, theirs);
  if (!(std::abs(ours - theirs) <= 1e-4 * std::abs(theirs)))
    return fail("losses differ by more than 1e-4 relative");
  double worst = 0;
  for (size_t i = 0; i < grads.size(); ++i)
    worst = std::max(worst, relative_difference(grads[i], c_tensors[i].grad().contiguous()));
  std::printf("gradient of c: worst relative difference over %zu matrices %.2e\n", grads.size(),
              worst);
  if (!(worst <= 1e-4)) return fail("gradients differ by more than 1e-4 relative");
  std::printf("distill_torch_test: OK\n");
  return 0;
}
