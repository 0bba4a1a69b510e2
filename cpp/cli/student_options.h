// What the student flags (cli/flag_table.cc: the student and distillation groups) describe.
#pragma once

#include <string>
#include <vector>

#include "cli/args.h"
#include "model/tokenizer.h"
#include "student/plan.h"
#include "student/student.h"
#include "student/student_file.h"

namespace circulant {

// Everything but the block size, which compare and sweep take differently (the plan is checked at
// the default B; CheckedPlan::with_block moves it). `distill_only` (the distill command, which
// refuses --projection): the projection is distill.
Result<CheckedPlan> parse_student_plan(const Args& args, const Config& config,
                                       bool distill_only = false);

// Token sequences of --calibration (default models/prompts/calibration.txt), or none when the
// projection does not need them.
Result<std::vector<std::vector<int>>> load_calibration(const Args& args, const StudentPlan& plan,
                                                       const Tokenizer& tokenizer,
                                                       const Config& config);

// --student FILE: the saved students, checked against the teacher. Their plans replace the plan
// flags; a flag given explicitly that disagrees with the file is an error naming both (the flags
// that make a student are refused with --student by the flag table).
Result<std::vector<SavedStudent>> load_student_flag(const Args& args, const Weights& teacher,
                                                    const StudentPlan& flags);
// The saved student at block size B, or an error listing the block sizes the file holds.
Result<const SavedStudent*> saved_at_block(const std::vector<SavedStudent>& saved, int block,
                                           const std::string& file);

// Prints "label: step n/N, batch KL x, s seconds" over itself on stderr when it is a terminal.
DistillProgress terminal_progress(const std::string& label);

}  // namespace circulant
