// `circulant distill`: trains students against the teacher and saves them to a student file.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/student_options.h"
#include "eval/metrics.h"
#include "eval/prompt_set.h"
#include "student/distill.h"
#include "util/files.h"

namespace circulant {
namespace {

using Clock = std::chrono::steady_clock;

// All-positions KL of a student on the held-out prompts (the lecture prompts by default).
double held_out_kl(const Transformer& teacher, const Transformer& student,
                   const std::vector<std::vector<int>>& prompts) {
  return compare_models(teacher, student, prompts, Positions::kAll).kl.mean;
}

// The KL of a diverged run is NaN or infinite: never printed as a number.
std::string kl_text(double kl) {
  if (!std::isfinite(kl)) return "undefined";
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", kl);
  return text;
}

bool all_finite(const StudentParameters& parameters) {
  for (const auto* tensors : {&parameters.matrices, &parameters.ffn_norms})
    for (const std::vector<float>& tensor : *tensors)
      for (float v : tensor)
        if (!std::isfinite(v)) return false;
  return true;
}

}  // namespace

Status run_distill(const Args& args) {
  // A folder that is missing or not writable is found first, not after all the training.
  Status writable = check_writable(args.text("out"));
  if (!writable.ok()) return Error{"--out " + writable.error()};
  auto loaded = load_model_and_tokenizer(args);
  RETURN_IF_ERROR(loaded);
  const Transformer teacher(loaded->weights);
  const Config& c = teacher.config();
  auto plan = parse_student_plan(args, c, /*distill_only=*/true);
  RETURN_IF_ERROR(plan);
  std::vector<int> blocks;
  if (args.has("blocks")) {
    auto list = parse_blocks(args.text("blocks"));
    RETURN_IF_ERROR(list);
    blocks = list.value();
  } else {
    auto block = args.whole("block");
    RETURN_IF_ERROR(block);
    Status valid = check_block_size(block.value());  // before it is narrowed to int
    RETURN_IF_ERROR(valid);
    blocks = {int(block.value())};
  }
  auto calibration = load_calibration(args, *plan.value(), loaded->tokenizer, c);
  RETURN_IF_ERROR(calibration);
  auto lines = read_lines(args.file("prompts"));
  if (!lines.ok()) return Error{"prompts: " + lines.error()};
  auto prompts = encode_lines(loaded->prompt_texts(lines.value()), loaded->tokenizer, c,
                              LongLines::kError, loaded->parse_specials());
  if (!prompts.ok()) return Error{"prompts: " + prompts.error()};

  std::vector<CheckedPlan> plans;  // every plan is checked before the first one trains
  for (int block : blocks) {
    auto at_block = plan->with_block(block);
    RETURN_IF_ERROR(at_block);
    plans.push_back(std::move(at_block.value()));
  }
  std::vector<SavedStudent> saved;
  print(
      "| B | structure | trainable parameters | steps | calibration KL, first 10 → last 10 steps | "
      "held-out KL, start → distilled | seconds per step |\n|---:|---|---:|---:|---|---|---:|\n");
  for (const CheckedPlan& checked : plans) {
    const StudentPlan& p = *checked;
    const int block = p.block;
    auto distiller = Distiller::create(teacher, checked, calibration.value());
    RETURN_IF_ERROR(distiller);
    Distiller& d = *distiller.value();
    auto start = d.student();
    RETURN_IF_ERROR(start);
    const double before = held_out_kl(teacher, start.value(), prompts.value());
    const DistillProgress progress = terminal_progress("distill B=" + std::to_string(block));
    std::vector<double> losses;
    const auto began = Clock::now();
    while (d.steps_done() < p.distill.steps) {
      losses.push_back(d.step());
      if (progress) progress(d.steps_done(), p.distill.steps, losses.back());
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - began).count();
    auto student = d.student();
    RETURN_IF_ERROR(student);
    const double after = held_out_kl(teacher, student.value(), prompts.value());
    const size_t k = std::min<size_t>(10, losses.size());
    const double first = std::accumulate(losses.begin(), losses.begin() + k, 0.0) / k;
    const double last = std::accumulate(losses.end() - k, losses.end(), 0.0) / k;
    print("| %d | %s | %lld | %d | %s → %s | %s → %s | %.3f |\n", block,
          structure_name(p.structure).c_str(), (long long)d.trainable_parameters(), p.distill.steps,
          kl_text(first).c_str(), kl_text(last).c_str(), kl_text(before).c_str(),
          kl_text(after).c_str(), seconds / p.distill.steps);
    flush_output();
    saved.push_back({checked, d.parameters()});
    // A file of such values would be refused on load: say so now, and write nothing.
    if (!all_finite(saved.back().parameters)) {
      char lr[32];
      std::snprintf(lr, sizeof lr, "%g", p.distill.learning_rate);
      return Error{"the distillation at B = " + std::to_string(block) +
                   " diverged (a parameter is not finite), so nothing was saved; try a smaller "
                   "--lr than " +
                   std::string(lr)};
    }
  }
  Status written = save_students(args.text("out"), *loaded->weights, saved, args.has("float16"));
  RETURN_IF_ERROR(written);
  print("\nsaved %zu student%s to %s\n", saved.size(), saved.size() == 1 ? "" : "s",
        args.text("out").c_str());
  return ok_status();
}

}  // namespace circulant
