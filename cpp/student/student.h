// The student: the teacher with the plan's MLP matrices swapped for block-circulant operators.
#pragma once

#include <vector>

#include "model/result.h"
#include "model/transformer.h"
#include "student/plan.h"

namespace circulant {

// Shares every weight the plan leaves alone with the teacher (no copies). Loss-aware
// projections need calibration prompts (token ids, BOS first) with enough tokens for the solve.
Result<Transformer> build_student(const Transformer& teacher, const StudentPlan& plan,
                                  const std::vector<std::vector<int>>& calibration_prompts = {});

// Calibration tokens the loss-aware solve needs for this plan: one per input block of the widest
// patched matrix (q = ceil(in / B)).
int64_t tokens_needed(const Config& config, const StudentPlan& plan);

}  // namespace circulant
