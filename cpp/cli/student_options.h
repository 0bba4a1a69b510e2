// Flags that describe a student (--layers, --matrices, --block, --projection, --lambda,
// --calibration, --no-cache) and the calibration prompts they imply.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "cli/args.h"
#include "model/tokenizer.h"
#include "student/plan.h"

namespace circulant {

extern const std::set<std::string> kStudentFlags;

// Everything but the block size, which compare and sweep take differently.
Result<StudentPlan> parse_student_plan(const Args& args, const Config& config);

// Token sequences of --calibration (default models/prompts/calibration.txt), or none when the
// projection does not need them.
Result<std::vector<std::vector<int>>> load_calibration(const Args& args, const StudentPlan& plan,
                                                       const Tokenizer& tokenizer, const Config& config);

}  // namespace circulant
