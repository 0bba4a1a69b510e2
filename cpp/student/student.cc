// Building a student: project each chosen dense MLP matrix onto block-circulant form and swap it in.
#include "student/student.h"

#include <algorithm>

#include "student/block_circulant_linear.h"
#include "student/calibration.h"
#include "student/projection.h"

namespace circulant {
namespace {

struct DenseMatrix {
  const float* weight;  // (out, in)
  int out, in;
};

DenseMatrix dense_matrix(const Config& c, const Weights::Layer& layer, MlpMatrix m) {
  switch (m) {
    case MlpMatrix::kGate: return {layer.w1, c.hidden_dim, c.dim};
    case MlpMatrix::kUp: return {layer.w3, c.hidden_dim, c.dim};
    case MlpMatrix::kDown: break;
  }
  return {layer.w2, c.dim, c.hidden_dim};
}

// `inputs` (tokens, in) are the matrix's calibration inputs; null for the Frobenius projection.
Result<std::shared_ptr<const LinearOperator>> project(const Transformer& teacher, int layer, MlpMatrix m,
                                                      const StudentPlan& plan, const std::vector<float>* inputs) {
  const DenseMatrix d = dense_matrix(teacher.config(), teacher.weights().layers[layer], m);
  auto columns = inputs ? loss_aware_projection(d.weight, d.out, d.in, plan.block, inputs->data(),
                                                int(inputs->size() / d.in), plan.lambda)
                        : frobenius_projection(d.weight, d.out, d.in, plan.block);
  if (!columns.ok()) return Error{"layer " + std::to_string(layer) + ": " + columns.error()};
  auto op = BlockCirculantLinear::create(d.out, d.in, plan.block, columns.value());
  if (!op.ok()) return Error{op.error()};
  op.value()->set_spectrum_cache(plan.spectrum_cache);
  return std::shared_ptr<const LinearOperator>(std::move(op.value()));
}

Status patch(Transformer& student, const Transformer& teacher, int layer, MlpMatrix m, const StudentPlan& plan,
             const MlpInputs* inputs) {
  const std::vector<float>* x = nullptr;
  if (inputs) x = m == MlpMatrix::kDown ? &inputs->down : &inputs->gate_up;
  auto op = project(teacher, layer, m, plan, x);
  if (!op.ok()) return Error{op.error()};
  student.layer(layer).mlp(m) = op.value();
  return ok_status();
}

bool has(const std::vector<MlpMatrix>& list, MlpMatrix m) {
  return std::find(list.begin(), list.end(), m) != list.end();
}

}  // namespace

int64_t tokens_needed(const Config& c, const StudentPlan& plan) {
  int64_t needed = 0;
  for (MlpMatrix m : plan.matrices)
    needed = std::max<int64_t>(needed, loss_aware_min_tokens(m == MlpMatrix::kDown ? c.hidden_dim : c.dim, plan.block));
  return needed;
}

Result<Transformer> build_student(const Transformer& teacher, const StudentPlan& plan,
                                  const std::vector<std::vector<int>>& calibration_prompts) {
  Transformer student = teacher;  // copies operator handles, never weights
  // At B = 1 every block is one entry: the Frobenius projection is W itself, which is also the
  // least-squares optimum, so no calibration (and its q = n sized solve) is needed.
  if (plan.projection == Projection::kFrobenius || plan.block == 1) {
    for (int l : plan.layers)
      for (MlpMatrix m : plan.matrices) {
        Status s = patch(student, teacher, l, m, plan, nullptr);
        if (!s.ok()) return Error{s.error()};
      }
    return student;
  }
  int64_t available = 0;
  for (const auto& p : calibration_prompts) available += int64_t(p.size());
  const int64_t needed = tokens_needed(teacher.config(), plan);
  if (available < needed)
    return Error{"the loss-aware projection at B=" + std::to_string(plan.block) + " needs at least " +
                 std::to_string(needed) + " calibration tokens, but the calibration set has " +
                 std::to_string(available) + "; add calibration prompts or use a larger block size"};

  const bool sequential = plan.projection == Projection::kLossAwareSequential;
  // Non-sequential: every layer sees the teacher's inputs, collected in one pass.
  CalibrationInputs shared;
  if (!sequential) shared = collect_mlp_inputs(teacher, calibration_prompts, plan.layers);
  for (int l : plan.layers) {
    // Sequential: the student's own inputs, so errors of earlier patches are seen and corrected;
    // down is fitted after gate and up of the same layer are patched.
    CalibrationInputs own;
    if (sequential) own = collect_mlp_inputs(student, calibration_prompts, {l});
    const MlpInputs& inputs = sequential ? own.layers[l] : shared.layers[l];
    for (MlpMatrix m : {MlpMatrix::kGate, MlpMatrix::kUp}) {
      if (!has(plan.matrices, m)) continue;
      Status s = patch(student, teacher, l, m, plan, &inputs);
      if (!s.ok()) return Error{s.error()};
    }
    if (!has(plan.matrices, MlpMatrix::kDown)) continue;
    if (sequential && plan.matrices.front() != MlpMatrix::kDown)
      own = collect_mlp_inputs(student, calibration_prompts, {l});
    Status s = patch(student, teacher, l, MlpMatrix::kDown, plan, sequential ? &own.layers[l] : &inputs);
    if (!s.ok()) return Error{s.error()};
  }
  return student;
}

}  // namespace circulant
