// Students built from real teachers: B = 1 is the teacher, loss-aware beats Frobenius on prompts
// it never saw, weights are shared, and parameter counts shrink by B.
#include <gtest/gtest.h>

#include "eval/metrics.h"
#include "eval/prompt_set.h"
#include "peer_fixture.h"
#include "student/student.h"
#include "test_util.h"

namespace circulant {
namespace {

class PeerStudent : public testing::PeerModel {
 protected:
  StudentPlan plan(int block, Projection projection) {
    return testing::every_layer_plan(teacher_->config().n_layers, block, projection);
  }
  CheckedPlan check(const StudentPlan& p) const {
    return testing::checked(p, teacher_->config().n_layers);
  }
};

TEST_F(PeerStudent, BlockSizeOneIsTheTeacherOnEveryLecturePrompt) {
  auto student = build_student(*teacher_, check(plan(1, Projection::kFrobenius)));
  ASSERT_TRUE(student.ok()) << student.error();
  const Comparison c = compare_models(*teacher_, student.value(), lecture_, Positions::kLast);
  ASSERT_EQ(c.prompts.size(), 20u);
  for (const PromptResult& p : c.prompts) {
    EXPECT_LT(p.mean.kl, 1e-6);
    EXPECT_EQ(p.mean.top1, 1.0);
  }
}

TEST_F(PeerStudent, LossAwareBeatsFrobeniusOnPromptsNotUsedForCalibration) {
  // Calibrated on models/prompts/calibration.txt, evaluated on the lecture prompts.
  auto frobenius = build_student(*teacher_, check(plan(16, Projection::kFrobenius)));
  auto loss_aware = build_student(*teacher_, check(plan(16, Projection::kLossAware)), calibration_);
  ASSERT_TRUE(frobenius.ok()) << frobenius.error();
  ASSERT_TRUE(loss_aware.ok()) << loss_aware.error();
  const double kl_frobenius =
      compare_models(*teacher_, frobenius.value(), lecture_, Positions::kAll).kl.mean;
  const double kl_loss_aware =
      compare_models(*teacher_, loss_aware.value(), lecture_, Positions::kAll).kl.mean;
  EXPECT_GT(kl_frobenius, 0.0);
  EXPECT_LT(kl_loss_aware, kl_frobenius);
  std::printf("B=16, all layers: KL frobenius %.4f, loss-aware %.4f\n", kl_frobenius,
              kl_loss_aware);
}

TEST_F(PeerStudent, SequentialCalibrationDiffersOnlyWhereStudentInputsDiffer) {
  // Layer 0's gate and up read the embedding, the same in teacher and student: both modes agree.
  StudentPlan p = plan(8, Projection::kLossAware);
  p.layers = {0};
  p.matrices = {MlpMatrix::kGate, MlpMatrix::kUp};
  auto shared = build_student(*teacher_, check(p), calibration_);
  p.projection = Projection::kLossAwareSequential;
  auto sequential = build_student(*teacher_, check(p), calibration_);
  ASSERT_TRUE(shared.ok() && sequential.ok());
  const double kl_a = compare_models(*teacher_, shared.value(), lecture_, Positions::kLast).kl.mean;
  const double kl_b =
      compare_models(*teacher_, sequential.value(), lecture_, Positions::kLast).kl.mean;
  EXPECT_EQ(kl_a, kl_b);
  // Down reads what the patched gate and up produce, so sequential fits it to other inputs.
  p.matrices = parse_matrices("all").value();
  auto sequential_all = build_student(*teacher_, check(p), calibration_);
  p.projection = Projection::kLossAware;
  auto shared_all = build_student(*teacher_, check(p), calibration_);
  ASSERT_TRUE(shared_all.ok() && sequential_all.ok());
  EXPECT_NE(compare_models(*teacher_, shared_all.value(), lecture_, Positions::kLast).kl.mean,
            compare_models(*teacher_, sequential_all.value(), lecture_, Positions::kLast).kl.mean);
}

TEST_F(PeerStudent, SharesUnpatchedWeightsAndCountsParameters) {
  StudentPlan p = plan(4, Projection::kFrobenius);
  p.layers = {1};
  p.matrices = {MlpMatrix::kUp};
  auto student = build_student(*teacher_, check(p));
  ASSERT_TRUE(student.ok()) << student.error();
  const Transformer& s = student.value();
  EXPECT_EQ(&s.weights(), &teacher_->weights());
  EXPECT_EQ(s.layer(1).w1, teacher_->layer(1).w1);  // the same operator object
  EXPECT_NE(s.layer(1).w3, teacher_->layer(1).w3);
  EXPECT_EQ(s.layer(0).w3, teacher_->layer(0).w3);
  const Config& c = teacher_->config();
  const int64_t dense_up = int64_t(c.hidden_dim) * c.dim;  // 172 × 64
  const int64_t circulant_up =
      int64_t((c.hidden_dim + 3) / 4) * (c.dim / 4) * 4;  // padded to 176 rows
  EXPECT_EQ(teacher_->mlp_parameters() - s.mlp_parameters(), dense_up - circulant_up);
  EXPECT_EQ(teacher_->total_parameters() - s.total_parameters(), dense_up - circulant_up);
}

TEST_F(PeerStudent, TooFewCalibrationTokensIsAClearError) {
  std::vector<std::vector<int>> tiny = {calibration_.front()};
  tiny.front().resize(20);
  auto student = build_student(*teacher_, check(plan(4, Projection::kLossAware)), tiny);
  ASSERT_FALSE(student.ok());
  // down reads hidden 172 = 43 blocks of 4: its q×q Gram matrices need 43 tokens.
  EXPECT_NE(student.error().find("needs at least 43 calibration tokens"), std::string::npos)
      << student.error();
}

}  // namespace
}  // namespace circulant
