// Builds each student, compares it with the teacher, then times all models interleaved.
#include "eval/experiment.h"

#include "student/student.h"

namespace circulant {

Result<std::vector<ExperimentRow>> run_experiment(const Transformer& teacher,
                                                  const CheckedPlan& plan,
                                                  const std::vector<int>& blocks,
                                                  const std::vector<std::vector<int>>& prompts,
                                                  const std::vector<std::vector<int>>& calibration,
                                                  const ExperimentSettings& settings) {
  std::vector<ExperimentRow> rows(1);
  std::vector<Transformer> students;
  students.reserve(blocks.size());
  rows[0].teacher = true;
  rows[0].plan.block = 0;
  rows[0].plan.layers.clear();
  rows[0].plan.matrices.clear();
  // The teacher against itself is the identity by definition: no need to run it twice per prompt.
  PromptResult identical;
  identical.mean = {0.0, 1.0, 1.0, 1.0};
  identical.positions = {identical.mean};
  rows[0].metrics = summarize(std::vector<PromptResult>(prompts.size(), identical));
  rows[0].params_mlp = teacher.mlp_parameters();
  rows[0].params_total = teacher.total_parameters();
  std::vector<CheckedPlan> plans;
  for (int block : blocks) {
    auto p = plan.with_block(block);
    RETURN_IF_ERROR(p);
    plans.push_back(std::move(p.value()));
  }
  SvdCache svd_cache;  // a low-rank sweep truncates each matrix's one SVD at every rank
  for (CheckedPlan& p : plans) {
    const int block = p->block;
    Result<Transformer> student = Error{"no student"};
    if (settings.saved) {
      const SavedStudent* saved = nullptr;
      for (const SavedStudent& s : *settings.saved)
        if (s.plan->block == block) saved = &s;
      if (!saved) return Error{"no saved student at B = " + std::to_string(block)};
      p = saved->plan;
      student = assemble_student(teacher, p, saved->parameters);
    } else {
      student = build_student(
          teacher, p, calibration,
          settings.distill_progress ? settings.distill_progress(block) : nullptr, &svd_cache);
    }
    RETURN_IF_ERROR(student);
    students.push_back(std::move(student.value()));
    ExperimentRow row;
    row.plan = *p;
    row.metrics = compare_models(teacher, students.back(), prompts, settings.positions);
    row.params_mlp = students.back().mlp_parameters();
    row.params_total = students.back().total_parameters();
    rows.push_back(std::move(row));
  }
  if (settings.measure_speed) {
    std::vector<const Transformer*> models = {&teacher};
    for (const Transformer& s : students) models.push_back(&s);
    const std::vector<Throughput> speed = measure_throughput(models, settings.speed);
    for (size_t i = 0; i < rows.size(); ++i) rows[i].throughput = speed[i], rows[i].timed = true;
  }
  return rows;
}

}  // namespace circulant
