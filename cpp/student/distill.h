// Distillation (docs/design.md §2, projection 3): Adam on the student's structured parameters (and
// optionally its MLP norm gains) against KL(teacher ‖ student) averaged over every position of
// batches of calibration lines. The teacher stays frozen; its log-probabilities for a line are
// computed the first time the line is used and kept while they fit in kTeacherCacheBytes (the
// page's heap is the limit: a line costs length x vocabulary floats, 0.5 MB on the shipped
// model), recomputed at each use beyond that. Deterministic: the same plan, calibration and seed
// give bit-identical parameters on the same build, whatever the cache held.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "model/backward.h"
#include "model/transformer.h"
#include "student/plan.h"
#include "student/student.h"
#include "util/result.h"

namespace circulant {

template <class T>
class CirculantGradient;

class Distiller {
 public:
  static constexpr size_t kTeacherCacheBytes = size_t(128) << 20;

  // Checks the method (kDistill) and the calibration set, projects the starting
  // parameters (plan.projection) and builds the differentiable student. `teacher` must
  // outlive the distiller. `cache_bytes` bounds the teacher targets kept between steps.
  static Result<std::unique_ptr<Distiller>> create(const Transformer& teacher,
                                                   const CheckedPlan& plan,
                                                   std::vector<std::vector<int>> calibration,
                                                   size_t cache_bytes = kTeacherCacheBytes);
  ~Distiller();

  // One Adam step on the next batch; returns the batch's mean KL before the update (nats).
  double step();
  int steps_done() const { return steps_done_; }
  // Steps are the same whatever plan->distill.steps says, so a run to 120 steps is the first 120
  // of a run to 300 (the page continues a run to more steps).
  const CheckedPlan& plan() const { return plan_; }
  const StudentParameters& parameters() const { return parameters_; }
  int64_t trainable_parameters() const;
  // The inference student with the current parameters.
  Result<Transformer> student() const;

 private:
  Distiller(const Transformer& teacher, const CheckedPlan& plan,
            std::vector<std::vector<int>> calibration, size_t cache_bytes);
  void wire();  // points the differentiable model's MLP operators and gradients at ours
  std::vector<int> next_batch();
  // Each line's (length, vocab) log-probabilities: the cached copy, or scratch_[slot] refilled.
  std::vector<const float*> teacher_log_probs(const std::vector<int>& lines);
  void adam_update(std::vector<float>& values, const std::vector<float>& grad,
                   std::vector<float>& m, std::vector<float>& v, double lr) const;

  const Transformer& teacher_;
  CheckedPlan plan_;
  std::vector<std::vector<int>> calibration_;  // token ids, BOS first
  std::vector<std::vector<float>> targets_;    // per line: (length, vocab) log-probs, lazily
  const size_t cache_bytes_;
  size_t cached_bytes_ = 0;
  std::vector<std::vector<float>> scratch_;  // per batch slot: targets of uncached lines
  StudentParameters parameters_, gradients_, first_moments_, second_moments_;  // same shapes
  DifferentiableWeights<float> differentiable_;
  std::vector<std::unique_ptr<DifferentiableLinear<float>>> operators_;  // (plan layers · matrices)
  std::vector<CirculantGradient<float>*> circulants_;  // refreshed after every update
  std::unique_ptr<KlBackprop<float>> backprop_;
  std::vector<int> order_;  // this epoch's permutation of the calibration lines
  size_t cursor_ = 0;
  uint64_t rng_state_;
  int steps_done_ = 0;
};

}  // namespace circulant
