// Metrics against hand-computed values (DESIGN §3 definitions).
#include <gtest/gtest.h>

#include <cmath>

#include "eval/metrics.h"

namespace circulant {
namespace {

TEST(Metrics, IdenticalLogitsGiveZeroKlAndFullAgreement) {
  const float z[6] = {1, 2, 3, 4, 5, 6};
  const PositionMetrics m = compare_logits(z, z, 6);
  EXPECT_EQ(m.kl, 0.0);
  EXPECT_NEAR(m.cosine, 1.0, 1e-12);
  EXPECT_EQ(m.top1, 1.0);
  EXPECT_EQ(m.top5, 1.0);
}

TEST(Metrics, KlMatchesTheDefinitionOnTwoTokens) {
  const float t[2] = {0.0f, 0.0f};            // p = (0.5, 0.5)
  const float s[2] = {std::log(3.0f), 0.0f};  // q = (0.75, 0.25)
  const double expected = 0.5 * std::log(0.5 / 0.75) + 0.5 * std::log(0.5 / 0.25);
  EXPECT_NEAR(compare_logits(t, s, 2).kl, expected, 1e-7);
}

TEST(Metrics, TopKAgreementCountsSharedTokens) {
  const float t[7] = {7, 6, 5, 4, 3, 2, 1};  // top5: 0..4
  const float s[7] = {6, 7, 5, 4, 1, 3, 2};  // top1 1, top5: {1,0,2,3,5}
  const PositionMetrics m = compare_logits(t, s, 7);
  EXPECT_EQ(m.top1, 0.0);
  EXPECT_DOUBLE_EQ(m.top5, 4.0 / 5.0);
}

TEST(Metrics, CosineIsOfRawLogitsNotProbabilities) {
  const float t[3] = {1, 0, 0}, s[3] = {0, 1, 0};
  EXPECT_NEAR(compare_logits(t, s, 3).cosine, 0.0, 1e-12);
}

TEST(Metrics, IntervalUsesStudentTOverPrompts) {
  const Interval i = mean_interval({1.0, 2.0, 3.0});
  EXPECT_DOUBLE_EQ(i.mean, 2.0);
  EXPECT_NEAR(i.high - i.mean, 4.303 * 1.0 / std::sqrt(3.0), 1e-9);  // sd 1, n 3, t(2) 4.303
  const Interval single = mean_interval({0.4});
  EXPECT_EQ(single.low, 0.4);
  EXPECT_EQ(single.high, 0.4);
}

// Issue 21, item 5: std::max(0.0, NaN) turned an overflowed student's KL into 0.000.
TEST(Metrics, NonFiniteLogitsLeaveEveryMetricUndefinedNeverZero) {
  const float t[3] = {1, 2, 3}, s[3] = {1, NAN, 3}, big[3] = {1, INFINITY, 3};
  for (const float* student : {s, big}) {
    const PositionMetrics m = compare_logits(t, student, 3);
    EXPECT_TRUE(std::isnan(m.kl));
    EXPECT_TRUE(std::isnan(m.cosine));
    EXPECT_TRUE(std::isnan(m.top1));
    EXPECT_TRUE(std::isnan(m.top5));
  }
  const float rows_t[6] = {1, 2, 3, 1, 2, 3}, rows_s[6] = {1, 2, 3, 1, NAN, 3};
  PromptResult fine = compare_prompt(rows_t, rows_t, 2, 3);
  PromptResult broken = compare_prompt(rows_t, rows_s, 2, 3);
  EXPECT_TRUE(fine.undefined.empty());
  EXPECT_NE(broken.undefined.find("the student's logits are not finite"), std::string::npos)
      << broken.undefined;
  const Comparison c = summarize({fine, broken});
  for (const Interval* i : {&c.kl, &c.cosine, &c.top1, &c.top5}) {
    EXPECT_TRUE(std::isnan(i->mean) && std::isnan(i->low) && std::isnan(i->high));
    EXPECT_NE(i->undefined.find("not finite (its numbers overflow) (prompt 2)"), std::string::npos)
        << i->undefined;
  }
}

// The shipped model's weights all zero: its logits are zero, whose cosine has no direction; the
// KL of two uniform distributions is still 0.
TEST(Metrics, AllZeroLogitsLeaveOnlyTheCosineUndefined) {
  const float zero[4] = {0, 0, 0, 0}, other[4] = {1, 0, 0, 0};
  const PositionMetrics m = compare_logits(zero, other, 4);
  EXPECT_TRUE(std::isnan(m.cosine));
  EXPECT_TRUE(std::isfinite(m.kl));
  const Comparison c = summarize({compare_prompt(zero, zero, 1, 4)});
  EXPECT_EQ(c.kl.mean, 0.0);
  EXPECT_TRUE(c.kl.undefined.empty());
  EXPECT_TRUE(std::isnan(c.cosine.mean));
  EXPECT_NE(c.cosine.undefined.find("the teacher's logits are all zero"), std::string::npos)
      << c.cosine.undefined;
  EXPECT_FALSE(mean_interval({1.0, NAN}).undefined.empty());
}

// Issue 21, item 9: top1_high reached 1.05 (19 prompts agree, one does not).
TEST(Metrics, IntervalsOfFractionsStayWithinZeroAndOne) {
  std::vector<PromptResult> prompts(20);
  for (size_t i = 0; i < prompts.size(); ++i) {
    const double agree = i == 0 ? 0.0 : 1.0;
    prompts[i].mean = {0.1 * double(i), 0.9, agree, i == 1 ? 0.0 : 1.0};
  }
  const Comparison c = summarize(prompts);
  for (const Interval* i : {&c.top1, &c.top5}) {
    EXPECT_DOUBLE_EQ(i->mean, 0.95);
    EXPECT_EQ(i->high, 1.0);
    EXPECT_GE(i->low, 0.0);
    EXPECT_LT(i->low, 0.95);
  }
  EXPECT_GT(c.kl.high - c.kl.mean, 0.0) << "other metrics keep their t interval";
  EXPECT_EQ(metric_interval({0.0, 0.0, 1.0}, "top5").low, 0.0);
  EXPECT_LT(metric_interval({0.0, 0.0, 1.0}, "kl").low, 0.0) << "only fractions are clipped";
}

}  // namespace
}  // namespace circulant
