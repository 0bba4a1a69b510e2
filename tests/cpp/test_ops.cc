// The vectorised small blocks against plain double-precision loops: exp within 1e-6 relative over
// the range softmax and SwiGLU use, softmax, SwiGLU and RMSNorm within float rounding; the two
// rotary pairings agree.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kernels/ops.h"
#include "kernels/simd8.h"

namespace circulant {
namespace {

TEST(Ops, VectorExpIsWithinOneMillionthOfStdExp) {
  double worst = 0;
  for (double x = -86.99; x <= 87.99; x += 0.000731) {
    const f32x8 v = splat8(float(x)) + f32x8{0, 1e-4f, -1e-4f, 2e-4f, -2e-4f, 3e-4f, -3e-4f, 0};
    const f32x8 e = exp8(v);
    for (int k = 0; k < 8; ++k) {
      const double reference = std::exp(double(v[k]));
      worst = std::max(worst, std::abs(e[k] - reference) / reference);
    }
  }
  EXPECT_LT(worst, 1e-6);
  // Outside the range it saturates instead of returning NaN or infinity.
  EXPECT_EQ(exp8(splat8(-200.0f))[0], exp8(splat8(-87.0f))[0]);
  EXPECT_TRUE(std::isfinite(exp8(splat8(1000.0f))[0]));
}

TEST(Ops, SoftmaxSwigluAndRmsnormMatchPlainLoops) {
  std::mt19937 rng(2);
  std::normal_distribution<float> normal(0, 3);
  for (int n : {1, 7, 8, 13, 64, 130, 257}) {
    std::vector<float> x(n), up(n), gain(n);
    for (int i = 0; i < n; ++i)
      x[i] = normal(rng), up[i] = normal(rng), gain[i] = 1 + 0.1f * normal(rng);
    std::vector<float> s = x;
    softmax(s.data(), n);
    double max = x[0], sum = 0;
    for (float v : x) max = std::max(max, double(v));
    for (float v : x) sum += std::exp(v - max);
    for (int i = 0; i < n; ++i) EXPECT_NEAR(s[i], std::exp(x[i] - max) / sum, 1e-6) << n;
    std::vector<float> g = x;
    swiglu(g.data(), up.data(), n);
    for (int i = 0; i < n; ++i) {
      const double reference = x[i] / (1 + std::exp(-double(x[i]))) * up[i];
      EXPECT_NEAR(g[i], reference, 1e-5 * (1 + std::abs(reference))) << n;
    }
    std::vector<float> r(n);
    rmsnorm_rows(x.data(), gain.data(), 1, n, 1e-5f, r.data());
    double ss = 0;
    for (float v : x) ss += double(v) * v;
    for (int i = 0; i < n; ++i)
      EXPECT_NEAR(r[i], gain[i] * x[i] / std::sqrt(ss / n + 1e-5), 1e-5) << n;
  }
}

// The joint horizontal sum must be sum8's, bit for bit, lane by lane: decode's matrix-vector
// product and attention use it and promise the same numbers as one row at a time.
TEST(Ops, EightHorizontalSumsAtOnceAreSum8BitForBit) {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0, 1);
  int differing = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    f32x8 v[8];
    for (auto& vector : v)
      for (int k = 0; k < 8; ++k) vector[k] = normal(rng) * (k % 3 ? 1e-4f : 1e3f);
    const f32x8 sums = sum8_each(v);
    for (int j = 0; j < 8; ++j) differing += sums[j] != sum8(v[j]);
  }
  EXPECT_EQ(differing, 0);
}

// Attention's batched kernels against one key and one row at a time (dot(), a plain loop), for
// head sizes with and without a tail and key counts around the batch sizes.
TEST(Ops, AttentionScoresAndWeightedSumMatchOneKeyAtATime) {
  std::mt19937 rng(6);
  std::normal_distribution<float> normal(0, 1);
  for (int size : {8, 12, 64, 70}) {
    for (int n : {1, 3, 4, 7, 8, 9, 13, 130}) {
      const size_t stride = size_t(size) * 3;  // three heads; read the middle one
      std::vector<float> q(size), keys(n * stride), values(n * stride), scores(n), out(size);
      for (float& x : q) x = normal(rng);
      for (float& x : keys) x = normal(rng);
      for (float& x : values) x = normal(rng);
      attention_scores(q.data(), keys.data() + size, stride, n, size, 8.0f, scores.data());
      for (int s = 0; s < n; ++s)
        EXPECT_NEAR(scores[s], dot(q.data(), keys.data() + size + s * stride, size) / 8.0f,
                    1e-5f * size)
            << size << " " << n << " " << s;
      weighted_rows_sum(scores.data(), n, values.data() + size, stride, size, out.data());
      for (int i = 0; i < size; ++i) {
        double expected = 0;
        for (int s = 0; s < n; ++s) expected += double(scores[s]) * values[size + s * stride + i];
        EXPECT_NEAR(out[i], expected, 1e-4 * n) << size << " " << n << " " << i;
      }
    }
  }
}

// The two rotary pairings are one rotation on differently ordered dimensions: llama.cpp's "neox"
// rope of a head equals the interleaved one of the head with its halves interleaved (to rounding:
// the compiler may fuse a multiply-add in one loop and not in the other).
TEST(Ops, RopeOnHalvesIsRopeOnAdjacentPairsOfInterleavedHalves) {
  const int rows = 3, heads = 2, head_size = 12, pairs = head_size / 2;
  std::vector<float> cos(rows * pairs), sin(rows * pairs);
  rope_angles(rows, 5, head_size, 1e6f, cos.data(), sin.data());
  EXPECT_NEAR(cos[2 * pairs + 1], std::cos(7 / std::pow(1e6, 2.0 / head_size)), 1e-6);
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0, 1);
  std::vector<float> halves(rows * heads * head_size), interleaved(halves.size());
  for (float& x : halves) x = normal(rng);
  auto interleaved_index = [&](size_t i) {  // of halves' element i
    const size_t head = i / head_size * head_size, d = i % head_size;
    return head + (d < size_t(pairs) ? 2 * d : 2 * (d - pairs) + 1);
  };
  for (size_t i = 0; i < halves.size(); ++i) interleaved[interleaved_index(i)] = halves[i];
  rope_halves(halves.data(), rows, cos.data(), sin.data(), heads, head_size);
  rope_adjacent_pairs(interleaved.data(), rows, cos.data(), sin.data(), heads, head_size);
  for (size_t i = 0; i < halves.size(); ++i)
    EXPECT_NEAR(halves[i], interleaved[interleaved_index(i)], 1e-6) << i;
}

}  // namespace
}  // namespace circulant
