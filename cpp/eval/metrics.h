// Teacher-vs-student measurements of docs/design.md §3: KL(p‖q), cosine of logits, top-1 agreement,
// top-5 overlap, per position, then the mean and a 95 % interval over prompts.
#pragma once

#include <string>
#include <vector>

#include "model/transformer.h"

namespace circulant {

// A metric that cannot be computed is NaN, never a number that looks like a result: all four when
// either model's logits are not finite (an overflow), the cosine when a model's logits are all
// zero (no direction). Where a prompt's are NaN, PromptResult::undefined says why.
struct PositionMetrics {
  double kl = 0;      // nats, KL(teacher ‖ student)
  double cosine = 0;  // of the raw logits
  double top1 = 0;    // 1 when the argmaxes agree
  double top5 = 0;    // |top5(p) ∩ top5(q)| / 5
};

// Log-softmax in double, stable (max subtracted).
PositionMetrics compare_logits(const float* teacher, const float* student, int vocab);

struct Interval {
  double mean = 0, low = 0, high = 0;  // 95 % Student-t interval of the mean over prompts
  std::string undefined;  // why there is no value (mean, low and high NaN); empty when there is
};
// NaN and a generic reason when a value is not finite (summarize gives the specific one).
Interval mean_interval(const std::vector<double>& values);
// The interval of one metric ("kl", "cosine", "top1", "top5"): mean_interval, with the bounds of
// the fractions top1 and top5 clipped to [0, 1] (a t interval of values near 1 reaches past 1).
Interval metric_interval(const std::vector<double>& values, const std::string& metric);

enum class Positions { kLast, kAll };

struct PromptResult {
  std::vector<PositionMetrics> positions;  // (prompt length) in kAll mode, (1) in kLast
  PositionMetrics mean;                    // over positions
  std::string undefined;                   // why some metric is NaN; empty when none is
};

struct Comparison {
  std::vector<PromptResult> prompts;
  Interval kl, cosine, top1, top5;  // over prompts (each prompt's mean over its positions)
};

// Rows of logits (rows, vocab) of the two models for one prompt.
PromptResult compare_prompt(const float* teacher, const float* student, int rows, int vocab);
// Mean and interval over prompts of each prompt's mean.
Comparison summarize(std::vector<PromptResult> prompts);

// Prompts are token ids with BOS; each runs as one batch through both models.
Comparison compare_models(const Transformer& teacher, const Transformer& student,
                          const std::vector<std::vector<int>>& prompts, Positions positions);

}  // namespace circulant
