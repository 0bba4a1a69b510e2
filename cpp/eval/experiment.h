// The published experiment as one call: teacher and students at several block sizes, compared on
// prompts and timed side by side. The CLI's compare/sweep and the page's sweep chart use it.
#pragma once

#include <functional>
#include <vector>

#include "eval/metrics.h"
#include "eval/throughput.h"
#include "student/plan.h"
#include "student/student_file.h"

namespace circulant {

struct ExperimentRow {
  bool teacher = false;
  StudentPlan plan;          // block 0 and no layers for the teacher
  Comparison metrics;        // against the teacher (identity for the teacher row)
  int64_t params_mlp = 0;    // stored MLP parameters, all layers
  int64_t params_total = 0;  // every stored parameter
  bool timed = false;        // speed measured (ExperimentSettings::measure_speed)
  Throughput throughput;     // zeros when not timed
};

struct ExperimentSettings {
  Positions positions = Positions::kLast;
  bool measure_speed = true;
  ThroughputSettings speed;
  // Saved students to evaluate (one per block size asked for) instead of building them.
  const std::vector<SavedStudent>* saved = nullptr;
  // For distill plans: called after each step with the block size being distilled.
  std::function<DistillProgress(int block)> distill_progress;
};

// One row for the teacher, then one per block size of `blocks` (each a copy of `plan` at that B,
// all checked before the first is built).
Result<std::vector<ExperimentRow>> run_experiment(const Transformer& teacher,
                                                  const CheckedPlan& plan,
                                                  const std::vector<int>& blocks,
                                                  const std::vector<std::vector<int>>& prompts,
                                                  const std::vector<std::vector<int>>& calibration,
                                                  const ExperimentSettings& settings);

}  // namespace circulant
