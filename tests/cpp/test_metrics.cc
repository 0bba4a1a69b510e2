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

}  // namespace
}  // namespace circulant
