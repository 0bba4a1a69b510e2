// The student: the teacher with the plan's MLP matrices swapped for structured operators
// (block-circulant, low-rank or removed), projected from the teacher or distilled against it.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "model/transformer.h"
#include "student/calibration.h"
#include "student/low_rank_linear.h"
#include "student/plan.h"
#include "util/result.h"

namespace circulant {

// The numbers a student holds beyond its teacher, in plan order (layers, then matrices).
struct StudentParameters {
  // (layers · matrices of the plan): c (p, q, B) [i][j][s] time-domain first columns for
  // circulant; [U (m, r) | V (r, n)] for low-rank; empty for removed.
  std::vector<std::vector<float>> matrices;
  // (layers of the plan) × (dim): MLP RMSNorm gains when distillation trained them, else empty.
  std::vector<std::vector<float>> ffn_norms;
};

// (out, in) of an MLP matrix: gate and up are (hidden, dim), down (dim, hidden).
struct MatrixShape {
  int out, in;
};
MatrixShape mlp_shape(const Config& config, MlpMatrix m);
const float* mlp_weight(const Weights::Layer& layer, MlpMatrix m);  // (out, in) row-major
// Values one matrix holds under the plan's structure and block size.
size_t structured_size(const Config& config, const StudentPlan& plan, MlpMatrix m);

// Bytes the scratch of one thread running a student of this structure at block size B grows to,
// beyond the model's own (model_thread_scratch_bytes): the FFT product's slabs and, with the
// spectra cache off, a fresh copy of one matrix's spectra (circulant), or x·Vᵀ of a whole
// context (low-rank). A bound over every MLP matrix, layer and prompt; `builds` adds what making
// the spectra takes on the thread that builds the student.
uint64_t student_thread_scratch_bytes(const Config& config, int block, Structure structure,
                                      bool spectrum_cache, bool builds = false);

// Called after each distillation step with (steps done, steps in all, KL of the step's batch).
using DistillProgress = std::function<void(int step, int steps, double batch_kl)>;

// Projection one layer at a time, so long calibrations report progress and can stop between
// layers: Frobenius / loss-aware (circulant), truncated SVD (low-rank), nothing (removed); for a
// distill plan, its starting point. `teacher` must outlive the projector.
class StudentProjector {
 public:
  // `svd_cache` (may be null) keeps each matrix's SVD for the next low-rank plan.
  static Result<std::unique_ptr<StudentProjector>> create(const Transformer& teacher,
                                                          const CheckedPlan& plan,
                                                          std::vector<std::vector<int>> calibration,
                                                          SvdCache* svd_cache = nullptr);
  int layers_done() const { return layers_done_; }
  int layers_total() const { return int(plan_.layers.size()); }
  bool done() const { return layers_done_ == layers_total(); }
  Status project_next_layer();
  StudentParameters take_parameters() { return std::move(parameters_); }

 private:
  StudentProjector(const Transformer& teacher, const StudentPlan& plan,
                   std::vector<std::vector<int>> calibration, SvdCache* svd_cache);
  const Transformer& teacher_;
  SvdCache* svd_cache_;
  StudentPlan plan_;
  std::vector<std::vector<int>> calibration_;  // token ids, BOS first
  bool loss_aware_ = false;
  CalibrationInputs shared_;  // the teacher's MLP inputs (loss-aware, not sequential)
  Transformer partial_;       // the student patched so far (sequential calibration reads it)
  StudentParameters parameters_;
  int layers_done_ = 0;
};

// Projection only: Frobenius / loss-aware (circulant), truncated SVD (low-rank), nothing
// (removed). For a distill plan, its starting point (plan.projection too). Loss-aware
// projections need calibration prompts (token ids, BOS first) with enough tokens. `svd_cache`
// (may be null) keeps each matrix's SVD for the next low-rank plan.
Result<StudentParameters> project_student(
    const Transformer& teacher, const CheckedPlan& plan,
    const std::vector<std::vector<int>>& calibration_prompts = {}, SvdCache* svd_cache = nullptr);

// The student of `parameters`, sharing every weight the plan leaves alone with the teacher.
Result<Transformer> assemble_student(const Transformer& teacher, const CheckedPlan& plan,
                                     const StudentParameters& parameters);

// Projects, distills when the plan says so, and assembles.
Result<Transformer> build_student(const Transformer& teacher, const CheckedPlan& plan,
                                  const std::vector<std::vector<int>>& calibration_prompts = {},
                                  const DistillProgress& progress = nullptr,
                                  SvdCache* svd_cache = nullptr);

// Calibration tokens the loss-aware solve needs for this plan: one per input block of the widest
// patched matrix (q = ceil(in / B)).
int64_t tokens_needed(const Config& config, const StudentPlan& plan);

}  // namespace circulant
