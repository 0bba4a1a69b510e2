// Parsing of the student flags shared by compare, sweep and perplexity.
#include "cli/student_options.h"

#include "eval/prompt_set.h"

namespace circulant {

const std::set<std::string> kStudentFlags = {"layers", "matrices", "projection", "lambda", "calibration"};

Result<StudentPlan> parse_student_plan(const Args& args, const Config& config) {
  StudentPlan plan;
  auto layers = parse_layers(args.get("layers", "all"), config.n_layers);
  if (!layers.ok()) return Error{layers.error()};
  auto matrices = parse_matrices(args.get("matrices", "gate,up,down"));
  if (!matrices.ok()) return Error{matrices.error()};
  auto projection = parse_projection(args.get("projection", "frobenius"));
  if (!projection.ok()) return Error{projection.error()};
  auto lambda = args.get_double("lambda", 0.01, 0.0, 1e12);
  if (!lambda.ok()) return Error{lambda.error()};
  plan.layers = layers.value();
  plan.matrices = matrices.value();
  plan.projection = projection.value();
  plan.lambda = lambda.value();
  plan.spectrum_cache = !args.has("no-cache");
  return plan;
}

Result<std::vector<std::vector<int>>> load_calibration(const Args& args, const StudentPlan& plan,
                                                       const Tokenizer& tokenizer, const Config& config) {
  if (plan.projection == Projection::kFrobenius) return std::vector<std::vector<int>>{};
  auto lines = read_lines(args.get("calibration", std::string(CIRCULANT_MODELS_DIR) + "/prompts/calibration.txt"));
  if (!lines.ok()) return Error{"calibration set: " + lines.error()};
  return encode_lines(lines.value(), tokenizer, config, /*truncate=*/true);
}

}  // namespace circulant
