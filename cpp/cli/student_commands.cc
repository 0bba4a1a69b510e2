// Subcommands over teacher and student: compare, sweep, perplexity.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/student_options.h"
#include "cli/table.h"
#include "eval/perplexity.h"
#include "eval/prompt_set.h"
#include "student/student.h"

namespace circulant {

Result<std::vector<int>> parse_blocks(const std::string& list) {
  std::vector<int> blocks;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) {
    char* end = nullptr;
    errno = 0;
    const long long b = std::strtoll(item.c_str(), &end, 10);
    if (item.empty() || *end != '\0') return Error{"--blocks: '" + item + "' is not a number"};
    if (errno == ERANGE) return Error{"--blocks: " + item + " is far out of range"};
    Status ok = check_block_size(b);
    RETURN_IF_ERROR(ok);
    blocks.push_back(int(b));
  }
  if (blocks.empty()) return Error{"--blocks needs a comma list such as 1,2,4,8,16,32,64,128,256"};
  return blocks;
}

namespace {

// The plan of the flags, the saved students of --student (then the block sizes default to theirs),
// and the calibration set the plan needs.
struct StudentSetup {
  CheckedPlan plan;
  std::vector<SavedStudent> saved;
  std::vector<std::vector<int>> calibration;
};

Result<StudentSetup> student_setup(const Args& args, const LoadedModel& loaded) {
  const Config& c = loaded.weights->config;
  auto plan = parse_student_plan(args, c);
  RETURN_IF_ERROR(plan);
  StudentSetup setup{std::move(plan.value()), {}, {}};
  if (args.has("student")) {
    auto saved = load_student_flag(args, *loaded.weights, *setup.plan);
    RETURN_IF_ERROR(saved);
    setup.saved = std::move(saved.value());
    return setup;
  }
  auto calibration = load_calibration(args, *setup.plan, loaded.tokenizer, c);
  RETURN_IF_ERROR(calibration);
  setup.calibration = std::move(calibration.value());
  return setup;
}

Result<int> block_flag(const Args& args, const StudentSetup& setup) {
  if (!args.has("block") && setup.saved.size() == 1) return setup.saved.front().plan->block;
  auto block = args.whole("block");
  RETURN_IF_ERROR(block);
  Status ok = check_block_size(block.value());  // before it is narrowed to int
  RETURN_IF_ERROR(ok);
  return int(block.value());
}

Status run_table(const Args& args, bool sweep) {
  auto loaded = load_model_and_tokenizer(args);
  RETURN_IF_ERROR(loaded);
  const Transformer teacher(loaded->weights);
  const Config& c = teacher.config();
  auto setup = student_setup(args, loaded.value());
  RETURN_IF_ERROR(setup);
  std::vector<int> blocks;
  if (sweep && !args.has("blocks") && !setup->saved.empty()) {
    for (const SavedStudent& s : setup->saved) blocks.push_back(s.plan->block);
  } else if (sweep) {
    auto list = parse_blocks(args.text("blocks"));
    RETURN_IF_ERROR(list);
    blocks = list.value();
  } else {
    auto block = block_flag(args, setup.value());
    RETURN_IF_ERROR(block);
    blocks = {block.value()};
  }
  for (int b : blocks)
    if (!setup->saved.empty()) {
      auto found = saved_at_block(setup->saved, b, args.text("student"));
      RETURN_IF_ERROR(found);
    }
  auto lines = read_lines(args.file("prompts"));
  if (!lines.ok()) return Error{"prompts: " + lines.error()};
  auto prompts = encode_lines(loaded->prompt_texts(lines.value()), loaded->tokenizer, c,
                              LongLines::kError, loaded->parse_specials());
  if (!prompts.ok()) return Error{"prompts: " + prompts.error()};
  auto positions = args.choice("positions");
  RETURN_IF_ERROR(positions);
  auto runs = args.whole("runs");
  RETURN_IF_ERROR(runs);

  ExperimentSettings settings;
  settings.positions = positions.value() == "all" ? Positions::kAll : Positions::kLast;
  settings.measure_speed = runs.value() > 0;
  settings.speed.runs = int(runs.value());
  if (!setup->saved.empty()) settings.saved = &setup->saved;
  settings.distill_progress = [](int block) {
    return terminal_progress("distill B=" + std::to_string(block));
  };
  auto rows =
      run_experiment(teacher, setup->plan, blocks, prompts.value(), setup->calibration, settings);
  RETURN_IF_ERROR(rows);
  const TableFormat format = args.has("json")  ? TableFormat::kJson
                             : args.has("csv") ? TableFormat::kCsv
                                               : TableFormat::kMarkdown;
  print_text(render_table(rows.value(), c, format));
  return ok_status();
}

}  // namespace

Status run_compare(const Args& args) { return run_table(args, false); }

Status run_sweep(const Args& args) { return run_table(args, true); }

Status run_perplexity(const Args& args) {
  auto loaded = load_model_and_tokenizer(args);
  RETURN_IF_ERROR(loaded);
  const Transformer teacher(loaded->weights);
  const Config& c = teacher.config();
  auto lines = read_lines(args.text("text"));
  RETURN_IF_ERROR(lines);
  auto max_lines = args.whole("max-lines");
  RETURN_IF_ERROR(max_lines);
  // Compared in 64 bits: size_t is 32 bits in WebAssembly.
  if (max_lines.value() > 0 && uint64_t(max_lines.value()) < uint64_t(lines->size()))
    lines->resize(size_t(max_lines.value()));
  auto lines_tokens = encode_lines(lines.value(), loaded->tokenizer, c, LongLines::kKeep);
  RETURN_IF_ERROR(lines_tokens);
  // The student's plan, file and block size are checked before the teacher's pass, which is long.
  const bool with_student = args.has("block") || args.has("student");
  Result<StudentSetup> setup = Error{"no student"};
  Result<CheckedPlan> plan = Error{"no student"};
  const SavedStudent* saved = nullptr;
  if (with_student) {
    setup = student_setup(args, loaded.value());
    RETURN_IF_ERROR(setup);
    auto block = block_flag(args, setup.value());
    RETURN_IF_ERROR(block);
    plan = setup->plan.with_block(block.value());
    RETURN_IF_ERROR(plan);
    if (!setup->saved.empty()) {
      auto found = saved_at_block(setup->saved, block.value(), args.text("student"));
      RETURN_IF_ERROR(found);
      saved = found.value();
      plan = saved->plan;
    }
  }
  // As in training: lines joined with their BOS, read in windows of the model's context.
  const auto windows = stream_windows(lines_tokens.value(), c.seq_len);
  const PerplexityResult t = perplexity(teacher, windows);
  if (!t.undefined.empty())
    return Error{"the teacher's perplexity is undefined: " + t.undefined +
                 "; check the model's weights"};
  print("teacher  perplexity %.3f  (%.4f nats/token over %lld predicted tokens)\n", t.perplexity,
        t.mean_nll, (long long)t.predicted_tokens);
  if (!with_student) return ok_status();
  const StudentPlan& p = *plan.value();
  Result<Transformer> student =
      saved ? assemble_student(teacher, plan.value(), saved->parameters)
            : build_student(teacher, plan.value(), setup->calibration,
                            terminal_progress("distill B=" + std::to_string(p.block)));
  RETURN_IF_ERROR(student);
  const PerplexityResult s = perplexity(student.value(), windows);
  if (!s.undefined.empty())
    return Error{"the student's perplexity is undefined: " + s.undefined +
                 "; check the student's parameters (a smaller --lr, or another student file)"};
  print("student  perplexity %.3f  (%.4f nats/token; B=%d, layers %s, %s, %s, %s)\n", s.perplexity,
        s.mean_nll, p.block, layers_spec(p.layers, c.n_layers).c_str(),
        matrix_names(p.matrices).c_str(), structure_name(p.structure).c_str(),
        method_name(p).c_str());
  print("ratio    %.3f  (student / teacher)\n", s.perplexity / t.perplexity);
  return ok_status();
}

}  // namespace circulant
