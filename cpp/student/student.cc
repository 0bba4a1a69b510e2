// Building a student: project each chosen dense MLP matrix onto its structure, optionally
// distill, and swap the structured operators in.
#include "student/student.h"

#include <algorithm>

#include "student/block_circulant_linear.h"
#include "student/calibration.h"
#include "student/distill.h"
#include "student/low_rank_linear.h"
#include "student/projection.h"
#include "util/thread_pool.h"

namespace circulant {
namespace {

Result<std::shared_ptr<const LinearOperator>> make_operator(const Config& c,
                                                            const StudentPlan& plan, MlpMatrix m,
                                                            const std::vector<float>& values) {
  const MatrixShape s = mlp_shape(c, m);
  if (values.size() != structured_size(c, plan, m))
    return Error{"a " + structure_name(plan.structure) + " " + std::to_string(s.out) + "x" +
                 std::to_string(s.in) + " matrix at B = " + std::to_string(plan.block) + " holds " +
                 std::to_string(structured_size(c, plan, m)) + " values, not " +
                 std::to_string(values.size())};
  switch (plan.structure) {
    case Structure::kRemoved:
      return std::shared_ptr<const LinearOperator>(new ZeroLinear(s.out, s.in));
    case Structure::kLowRank: {
      auto op = LowRankLinear::create(s.out, s.in, low_rank_rank(s.out, s.in, plan.block), values);
      RETURN_IF_ERROR(op);
      return std::shared_ptr<const LinearOperator>(std::move(op.value()));
    }
    case Structure::kCirculant:
      break;
  }
  auto op = BlockCirculantLinear::create(s.out, s.in, plan.block, values);
  RETURN_IF_ERROR(op);
  op.value()->set_spectrum_cache(plan.spectrum_cache);
  return std::shared_ptr<const LinearOperator>(std::move(op.value()));
}

std::vector<float> to_float(const std::vector<double>& values) {
  return {values.begin(), values.end()};
}

// One matrix's starting parameters; `inputs`' moments only for the loss-aware projections.
Result<std::vector<float>> project_matrix(const Transformer& teacher, const StudentPlan& plan,
                                          int layer, MlpMatrix m, const InputMoments* inputs,
                                          SvdCache* svd_cache = nullptr) {
  const Config& c = teacher.config();
  const MatrixShape s = mlp_shape(c, m);
  const float* w = mlp_weight(teacher.weights().layers[layer], m);
  if (plan.structure == Structure::kRemoved) return std::vector<float>{};
  if (plan.structure == Structure::kLowRank)
    return truncated_svd(w, s.out, s.in, low_rank_rank(s.out, s.in, plan.block), svd_cache);
  auto c_ij = inputs ? loss_aware_projection(w, s.out, s.in, plan.block, *inputs, plan.lambda)
                     : frobenius_projection(w, s.out, s.in, plan.block);
  if (!c_ij.ok()) return Error{"layer " + std::to_string(layer) + ": " + c_ij.error()};
  return to_float(c_ij.value());
}

// Loss-aware calibration of one layer from the teacher's `shared` inputs, or, when sequential
// (shared is null), from the inputs of `partial`, the student patched so far: then down is fitted
// to the SwiGLU output of this layer's already patched gate and up.
Status calibrate_layer(const Transformer& teacher, const StudentPlan& plan,
                       const std::vector<std::vector<int>>& prompts, int layer,
                       const MlpInputs* shared, Transformer& partial, StudentParameters& out) {
  const auto own_inputs = [&] {
    return std::move(collect_mlp_inputs(partial, prompts, {layer}).layers[layer]);
  };
  MlpInputs own;               // sequential: what this layer reads in the student patched so far
  InputMoments gate_up, down;  // of the inputs below, when first needed (gate and up share one)
  for (MlpMatrix m : plan.matrices) {
    // Collected before the first matrix, and again before down once gate or up is patched.
    if (!shared && (m == plan.matrices.front() || m == MlpMatrix::kDown)) {
      own = own_inputs();
      gate_up = down = InputMoments{};
    }
    const MlpInputs& inputs = shared ? *shared : own;
    const bool reads_hidden = m == MlpMatrix::kDown;
    const std::vector<float>& x = reads_hidden ? inputs.down : inputs.gate_up;
    InputMoments& moments = reads_hidden ? down : gate_up;
    const int n = mlp_shape(teacher.config(), m).in;
    if (moments.tokens == 0) moments = input_moments(x.data(), int(x.size() / n), n);
    auto values = project_matrix(teacher, plan, layer, m, &moments);
    RETURN_IF_ERROR(values);
    auto op = make_operator(teacher.config(), plan, m, values.value());
    RETURN_IF_ERROR(op);
    partial.layer(layer).mlp(m) = op.value();
    out.matrices.push_back(std::move(values.value()));
  }
  return ok_status();
}

}  // namespace

MatrixShape mlp_shape(const Config& c, MlpMatrix m) {
  return m == MlpMatrix::kDown ? MatrixShape{c.dim, c.hidden_dim}
                               : MatrixShape{c.hidden_dim, c.dim};
}

const float* mlp_weight(const Weights::Layer& layer, MlpMatrix m) { return mlp_member(layer, m); }

uint64_t student_thread_scratch_bytes(const Config& c, int block, Structure structure,
                                      bool spectrum_cache, bool builds) {
  // A thread's buffers are shared by every operator it runs: each grows to the widest of them.
  BlockCirculantLinear::ScratchFloats circulant;
  size_t inner = 0;
  for (MlpMatrix m : {MlpMatrix::kGate, MlpMatrix::kDown}) {
    const MatrixShape s = mlp_shape(c, m);
    if (structure == Structure::kLowRank)
      inner = std::max(inner, size_t(c.seq_len) * low_rank_rank(s.out, s.in, block));
    if (structure != Structure::kCirculant) continue;
    const auto f = BlockCirculantLinear::scratch_floats(s.out, s.in, block, spectrum_cache, builds);
    circulant.slab = std::max(circulant.slab, f.slab);
    circulant.spectra = std::max(circulant.spectra, f.spectra);
    circulant.fresh = std::max(circulant.fresh, f.fresh);
  }
  return (uint64_t(circulant.total()) + inner) * sizeof(float);
}

size_t structured_size(const Config& c, const StudentPlan& plan, MlpMatrix m) {
  const MatrixShape s = mlp_shape(c, m);
  const size_t B = size_t(plan.block);
  switch (plan.structure) {
    case Structure::kRemoved:
      return 0;
    case Structure::kLowRank:
      return size_t(low_rank_rank(s.out, s.in, plan.block)) * (s.out + s.in);
    case Structure::kCirculant:
      break;
  }
  return (s.out + B - 1) / B * ((s.in + B - 1) / B) * B;
}

int64_t tokens_needed(const Config& c, const StudentPlan& plan) {
  int64_t needed = 0;
  for (MlpMatrix m : plan.matrices)
    needed = std::max<int64_t>(needed, loss_aware_min_tokens(mlp_shape(c, m).in, plan.block));
  return needed;
}

Result<std::unique_ptr<StudentProjector>> StudentProjector::create(
    const Transformer& teacher, const CheckedPlan& checked,
    std::vector<std::vector<int>> calibration, SvdCache* svd_cache) {
  const StudentPlan& plan = *checked;
  std::unique_ptr<StudentProjector> p(
      new StudentProjector(teacher, plan, std::move(calibration), svd_cache));
  // At B = 1 every block is one entry: the Frobenius projection is W itself, which is also the
  // least-squares optimum, so no calibration (and its q = n sized solve) is needed.
  p->loss_aware_ =
      plan.structure == Structure::kCirculant && is_loss_aware(plan.projection) && plan.block > 1;
  if (!p->loss_aware_) return p;
  int64_t available = 0;
  for (const auto& line : p->calibration_) available += int64_t(line.size());
  const int64_t needed = tokens_needed(teacher.config(), plan);
  if (available < needed)
    return Error{"the loss-aware projection at B=" + std::to_string(plan.block) +
                 " needs at least " + std::to_string(needed) +
                 " calibration tokens, but the calibration set has " + std::to_string(available) +
                 "; add calibration prompts or use a larger block size"};
  return p;
}

StudentProjector::StudentProjector(const Transformer& teacher, const StudentPlan& plan,
                                   std::vector<std::vector<int>> calibration, SvdCache* svd_cache)
    : teacher_(teacher),
      svd_cache_(svd_cache),
      plan_(plan),
      calibration_(std::move(calibration)),
      partial_(teacher) {}

Status StudentProjector::project_next_layer() {
  if (done()) return ok_status();
  const int l = plan_.layers[layers_done_];
  if (!loss_aware_) {
    // The layer's matrices side by side: each is projected on its own (the low-rank SVDs are most
    // of a low-rank sweep's time), and stored in plan order.
    std::vector<Result<std::vector<float>>> values(plan_.matrices.size(), std::vector<float>{});
    parallel_for(int64_t(values.size()), [&](int64_t i) {
      values[size_t(i)] =
          project_matrix(teacher_, plan_, l, plan_.matrices[size_t(i)], nullptr, svd_cache_);
    });
    for (auto& v : values) {
      RETURN_IF_ERROR(v);
      parameters_.matrices.push_back(std::move(v.value()));
    }
  } else {
    // Sequential: each layer sees the student's own inputs, so errors of earlier patches are seen
    // and corrected. Otherwise every layer sees the teacher's, collected in one pass.
    const bool sequential = plan_.projection == Projection::kLossAwareSequential;
    if (!sequential && layers_done_ == 0)
      shared_ = collect_mlp_inputs(teacher_, calibration_, plan_.layers);
    Status s = calibrate_layer(teacher_, plan_, calibration_, l,
                               sequential ? nullptr : &shared_.layers[l], partial_, parameters_);
    RETURN_IF_ERROR(s);
  }
  ++layers_done_;
  return ok_status();
}

Result<StudentParameters> project_student(const Transformer& teacher, const CheckedPlan& plan,
                                          const std::vector<std::vector<int>>& calibration_prompts,
                                          SvdCache* svd_cache) {
  auto projector = StudentProjector::create(teacher, plan, calibration_prompts, svd_cache);
  RETURN_IF_ERROR(projector);
  while (!projector.value()->done()) {
    Status s = projector.value()->project_next_layer();
    RETURN_IF_ERROR(s);
  }
  return projector.value()->take_parameters();
}

Result<Transformer> assemble_student(const Transformer& teacher, const CheckedPlan& checked,
                                     const StudentParameters& parameters) {
  const StudentPlan& plan = *checked;
  const Config& c = teacher.config();
  if (parameters.matrices.size() != plan.layers.size() * plan.matrices.size())
    return Error{"the student's parameters cover " + std::to_string(parameters.matrices.size()) +
                 " matrices, but its plan patches " +
                 std::to_string(plan.layers.size() * plan.matrices.size())};
  if (!parameters.ffn_norms.empty() && parameters.ffn_norms.size() != plan.layers.size())
    return Error{"the student holds norm gains for " + std::to_string(parameters.ffn_norms.size()) +
                 " layers, but its plan patches " + std::to_string(plan.layers.size())};
  Transformer student = teacher;  // copies operator handles, never weights
  size_t next = 0;
  for (size_t i = 0; i < plan.layers.size(); ++i) {
    const int l = plan.layers[i];
    for (MlpMatrix m : plan.matrices) {
      const std::vector<float>& values = parameters.matrices[next++];
      // Where the values are the teacher's own (is_teacher), the student keeps the teacher's
      // operator and computes exactly what the teacher computes.
      const float* w = mlp_weight(teacher.weights().layers[l], m);
      if (is_teacher(plan) && values.size() == structured_size(c, plan, m) &&
          std::equal(values.begin(), values.end(), w))
        continue;
      auto op = make_operator(c, plan, m, values);
      if (!op.ok()) return Error{"layer " + std::to_string(l) + ": " + op.error()};
      student.layer(l).mlp(m) = op.value();
    }
    if (parameters.ffn_norms.empty()) continue;
    if (parameters.ffn_norms[i].size() != size_t(c.dim))
      return Error{"layer " + std::to_string(l) + ": a norm gain of " +
                   std::to_string(parameters.ffn_norms[i].size()) + " values, the model's dim is " +
                   std::to_string(c.dim)};
    student.layer(l).ffn_norm = std::make_shared<const std::vector<float>>(parameters.ffn_norms[i]);
  }
  return student;
}

Result<Transformer> build_student(const Transformer& teacher, const CheckedPlan& plan,
                                  const std::vector<std::vector<int>>& calibration_prompts,
                                  const DistillProgress& progress, SvdCache* svd_cache) {
  if (plan->method != Method::kDistill) {
    auto parameters = project_student(teacher, plan, calibration_prompts, svd_cache);
    RETURN_IF_ERROR(parameters);
    return assemble_student(teacher, plan, parameters.value());
  }
  auto distiller = Distiller::create(teacher, plan, calibration_prompts);
  RETURN_IF_ERROR(distiller);
  Distiller& d = *distiller.value();
  while (d.steps_done() < plan->distill.steps) {
    const double kl = d.step();
    if (progress) progress(d.steps_done(), plan->distill.steps, kl);
  }
  return d.student();
}

}  // namespace circulant
