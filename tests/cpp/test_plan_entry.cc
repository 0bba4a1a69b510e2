// A plan is checked once, by check_plan, wherever it enters (issue 22): the same impossible plan,
// typed as flags or read from a student file, is refused in check_plan's own words.
// tests/js/bindings.test.js holds the page's entrance to the same words.
#include <gtest/gtest.h>

#include <cstring>

#include "cli_runner.h"
#include "student/plan.h"
#include "student/student.h"
#include "student/student_file.h"
#include "test_util.h"

namespace circulant {
namespace {

// Where the first student's projection code lies in any student file (student_file.h): after the
// 28-byte preamble, the teacher's 7 dims, its fingerprint, the count and the structure code.
constexpr size_t kProjectionAt = 72;

TEST(OnePlanCheck, FlagsAndAStudentFileGetCheckPlansWords) {
  auto weights = load_checkpoint(testing::source_path("models/default.bin"));
  ASSERT_TRUE(weights.ok()) << weights.error();
  const int n_layers = weights.value()->config.n_layers;
  StudentPlan plan;  // a low-rank student fitted loss-aware: the loss-aware fit is circulant's
  plan.layers = {0};
  plan.matrices = {MlpMatrix::kGate};
  plan.block = 8;
  plan.structure = Structure::kLowRank;
  plan.projection = Projection::kLossAware;
  auto refused = check_plan(plan, n_layers);
  ASSERT_FALSE(refused.ok());
  const std::string words = refused.error();

  const std::string model = "--model " + testing::source_path("models/default.bin") +
                            " --tokenizer " + testing::source_path("models/tokenizer.bin");
  testing::expect_clear_failure("compare " + model +
                                    " --layers 0 --matrices gate --block 8 --structure low-rank "
                                    "--projection loss-aware --runs 0",
                                words);

  // The same plan in a file: a valid low-rank student whose projection code is then changed.
  StudentPlan valid = plan;
  valid.projection = Projection::kFrobenius;
  const CheckedPlan checked = testing::checked(valid, n_layers);
  auto parameters = project_student(Transformer(weights.value()), checked);
  ASSERT_TRUE(parameters.ok()) << parameters.error();
  std::vector<uint8_t> bytes =
      serialize_students(*weights.value(), {{checked, parameters.value()}});
  const uint32_t loss_aware = uint32_t(Projection::kLossAware);
  std::memcpy(bytes.data() + kProjectionAt, &loss_aware, 4);
  reseal_student_file(bytes);
  auto parsed = parse_students(bytes.data(), bytes.size(), "bad.students", *weights.value());
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().find(words), std::string::npos) << parsed.error();
  const std::string file = testing::temp_path("low_rank_loss_aware.students");
  testing::write_file(file, bytes);
  testing::expect_clear_failure("compare " + model + " --student " + file + " --runs 0", words);
}

}  // namespace
}  // namespace circulant
