// What to patch: which layers and MLP matrices become structured, at which B, and how the
// structured parameters are made (projected, or projected and then distilled).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/config.h"
#include "model/transformer.h"
#include "util/result.h"

namespace circulant {

// What replaces each chosen matrix: block-circulant blocks of size B; the low-rank product U·V
// with as many parameters (the rival at the same size); or nothing (the floor to beat).
enum class Structure { kCirculant, kLowRank, kRemoved };

// How the structured parameters are fitted to the teacher's dense matrix: the nearest in the
// Frobenius norm (for low-rank, the truncated SVD), or loss-aware (against calibration inputs;
// circulant only).
enum class Projection { kFrobenius, kLossAware, kLossAwareSequential };

// How a student is made: by its projection alone, or by distillation, which starts from the
// projection and trains the parameters against the teacher's outputs (DistillSettings).
enum class Method { kProject, kDistill };

// Gradient KL calibration (student/distill.h): Adam, without weight decay, on the structured
// parameters only.
struct DistillSettings {
  int steps = 300;
  double learning_rate = 3e-3;  // peak, after a linear warm-up of kDistillWarmupSteps
  int batch = 16;               // calibration lines per step
  uint64_t seed = 1;            // order of the batches
  bool train_norms = false;     // also the patched layers' MLP RMSNorm gains
};
constexpr int kDistillWarmupSteps = 10;

struct StudentPlan {
  std::vector<int> layers;          // sorted, unique, each in [0, n_layers)
  std::vector<MlpMatrix> matrices;  // subset of gate, up, down, in that order
  int block = 64;                   // B: a power of two from 1 to 256
  Structure structure = Structure::kCirculant;
  Method method = Method::kProject;
  Projection projection = Projection::kFrobenius;  // the fit, or where distillation starts
  double lambda = 0.01;        // ridge, relative to the mean diagonal of G_k (loss-aware)
  DistillSettings distill;     // used when the method is kDistill
  bool spectrum_cache = true;  // false: FFT(c) recomputed on every call (to show its worth)
};

// "all", "first:k", "last:k", a single index "i", or a comma list "0,2,3".
Result<std::vector<int>> parse_layers(const std::string& spec, int n_layers);
// Comma list of gate, up, down (or "all").
Result<std::vector<MlpMatrix>> parse_matrices(const std::string& spec);
// frobenius, loss-aware or loss-aware-sequential (what --init accepts).
Result<Projection> parse_projection(const std::string& name);
// What --projection accepts: a projection's name (the student is made by it alone), or "distill"
// (made by distillation, which starts from plan.projection: --init's, left to the caller). Sets
// plan.method, and plan.projection unless distill.
Status parse_method(const std::string& name, StudentPlan& plan);
Result<Structure> parse_structure(const std::string& name);
// 64-bit, so that a flag is checked before it is narrowed to int (4294967300 is not 4).
Status check_block_size(int64_t block);

std::string projection_name(Projection p);
// How the plan's student is made, as --projection and the tables spell it: "distill", else the
// name of its projection.
std::string method_name(const StudentPlan& plan);
std::string structure_name(Structure s);
// Low-rank rank at the parameter count of block-circulant B: round(m·n / (B·(m+n))), at least 1.
int low_rank_rank(int m, int n, int block);

// The projections that fit against calibration inputs (circulant blocks only).
bool is_loss_aware(Projection p);
// At B = 1 a circulant matrix holds W's own entries: the student is the teacher itself, whatever
// the projection or method asks (nothing to fit, nothing to train).
bool is_teacher(const StudentPlan& plan);
// One key per student: every field that decides its parameters (not spectrum_cache, which only
// changes how it runs). Two plans with the same key make the same student.
std::string plan_key(const StudentPlan& plan);

// A plan that passed check_plan for a model of some layer count: the only kind the student
// builders (projection, distillation, assembly, the page's session) take, so a plan is checked
// once, where it enters: from flags, from the page, from a student file.
class CheckedPlan {
 public:
  const StudentPlan& operator*() const { return plan_; }
  const StudentPlan* operator->() const { return &plan_; }
  // The same plan at another block size, checked again (a sweep walks B over one plan).
  Result<CheckedPlan> with_block(int block) const;
  // How the student runs, not what it is: no rule depends on it.
  void set_spectrum_cache(bool on) { plan_.spectrum_cache = on; }

 private:
  friend Result<CheckedPlan> check_plan(StudentPlan plan, int n_layers);
  CheckedPlan(StudentPlan plan, int n_layers) : plan_(std::move(plan)), n_layers_(n_layers) {}
  StudentPlan plan_;
  int n_layers_;
};

// The one validity check of a plan: block size, layers and matrices, and that the structure,
// method and settings go together. Its messages describe the plan (not the flags or fields that
// spelled it), so the CLI, the page and a student file report a bad plan in the same words.
Result<CheckedPlan> check_plan(StudentPlan plan, int n_layers);
std::string matrix_names(const std::vector<MlpMatrix>& matrices);  // "gate,up,down"
// The shortest spec that names these layers ("all", "first:2", "3", "0,2").
std::string layers_spec(const std::vector<int>& layers, int n_layers);

}  // namespace circulant
