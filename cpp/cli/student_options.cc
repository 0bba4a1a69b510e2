// Parsing of the student flags shared by compare, sweep, perplexity and distill.
#include "cli/student_options.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "eval/prompt_set.h"

namespace circulant {

namespace {

// plan.distill, and for a distill plan its starting projection (--init).
Status parse_distill(const Args& args, StudentPlan& plan) {
  DistillSettings& d = plan.distill;
  auto steps = args.whole("steps");
  RETURN_IF_ERROR(steps);
  auto lr = args.number("lr");
  RETURN_IF_ERROR(lr);
  auto batch = args.whole("batch");
  RETURN_IF_ERROR(batch);
  auto seed = args.whole("seed");
  RETURN_IF_ERROR(seed);
  auto init_name = args.choice("init");
  RETURN_IF_ERROR(init_name);
  auto init = parse_projection(init_name.value());
  RETURN_IF_ERROR(init);
  d.steps = int(steps.value()), d.learning_rate = lr.value(), d.batch = int(batch.value());
  d.seed = uint64_t(seed.value()), d.train_norms = args.has("train-norms");
  if (plan.method == Method::kDistill) plan.projection = init.value();
  return ok_status();
}

}  // namespace

Result<CheckedPlan> parse_student_plan(const Args& args, const Config& config, bool distill_only) {
  StudentPlan plan;
  auto layers = parse_layers(args.text("layers"), config.n_layers);
  RETURN_IF_ERROR(layers);
  auto matrices = parse_matrices(args.text("matrices"));
  RETURN_IF_ERROR(matrices);
  auto structure = parse_structure(args.text("structure"));
  RETURN_IF_ERROR(structure);
  Status method = parse_method(distill_only ? "distill" : args.text("projection"), plan);
  RETURN_IF_ERROR(method);
  auto lambda = args.number("lambda");
  RETURN_IF_ERROR(lambda);
  Status distill = parse_distill(args, plan);
  RETURN_IF_ERROR(distill);
  plan.layers = layers.value();
  plan.matrices = matrices.value();
  plan.structure = structure.value();
  plan.lambda = lambda.value();
  plan.spectrum_cache = !args.has("no-cache");
  return check_plan(std::move(plan), config.n_layers);
}

Result<std::vector<std::vector<int>>> load_calibration(const Args& args, const StudentPlan& plan,
                                                       const Tokenizer& tokenizer,
                                                       const Config& config) {
  if (plan.method == Method::kProject && plan.projection == Projection::kFrobenius)
    return std::vector<std::vector<int>>{};
  auto lines = read_lines(args.file("calibration"));
  if (!lines.ok()) return Error{"calibration set: " + lines.error()};
  return encode_lines(lines.value(), tokenizer, config, LongLines::kTruncate);
}

Result<std::vector<SavedStudent>> load_student_flag(const Args& args, const Weights& teacher,
                                                    const StudentPlan& flags) {
  const std::string file = args.text("student");
  auto saved = load_students(file, teacher);
  RETURN_IF_ERROR(saved);
  const Config& c = teacher.config;
  for (const SavedStudent& s : saved.value()) {
    const StudentPlan& p = *s.plan;
    auto differs = [&](const char* flag, const std::string& theirs,
                       const std::string& ours) -> Status {
      if (args.has(flag) && theirs != ours)
        return Error{"--" + std::string(flag) + " " + ours + " disagrees with " + file +
                     ", whose student has " + theirs + "; drop the flag to use the file's"};
      return ok_status();
    };
    for (Status st :
         {differs("layers", layers_spec(p.layers, c.n_layers),
                  layers_spec(flags.layers, c.n_layers)),
          differs("matrices", matrix_names(p.matrices), matrix_names(flags.matrices)),
          differs("structure", structure_name(p.structure), structure_name(flags.structure))})
      RETURN_IF_ERROR(st);
  }
  for (SavedStudent& s : saved.value()) s.plan.set_spectrum_cache(flags.spectrum_cache);
  return saved;
}

Result<const SavedStudent*> saved_at_block(const std::vector<SavedStudent>& saved, int block,
                                           const std::string& file) {
  std::string blocks;
  for (const SavedStudent& s : saved) {
    if (s.plan->block == block) return &s;
    blocks += (blocks.empty() ? "" : ",") + std::to_string(s.plan->block);
  }
  return Error{file + " holds students at B = " + blocks + ", none at B = " +
               std::to_string(block) + "; choose one of those block sizes or distill that one"};
}

DistillProgress terminal_progress(const std::string& label) {
  if (!isatty(STDERR_FILENO)) return nullptr;
  const auto start =
      std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  return [label, start](int step, int steps, double kl) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - *start).count();
    std::fprintf(stderr, "\r%s: step %d/%d, batch KL %.3f, %.1f s   ", label.c_str(), step, steps,
                 kl, seconds);
    if (step == steps) std::fputc('\n', stderr);
    std::fflush(stderr);
  };
}

}  // namespace circulant
