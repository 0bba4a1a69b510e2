// float ↔ float16 against known IEEE 754 binary16 bit patterns: exact values, rounding to nearest
// even, overflow to infinity, subnormals, signed zero and NaN.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/half_float.h"

namespace circulant {
namespace {

TEST(HalfFloat, KnownBitPatterns) {
  EXPECT_EQ(float_to_half_bits(1.0f), 0x3C00);
  EXPECT_EQ(float_to_half_bits(-2.0f), 0xC000);
  EXPECT_EQ(float_to_half_bits(65504.0f), 0x7BFF);  // the largest float16
  EXPECT_EQ(float_to_half_bits(1.0f / 3), 0x3555);  // 0.333251953125
  EXPECT_EQ(float_to_half_bits(0.0f), 0x0000);
  EXPECT_EQ(float_to_half_bits(-0.0f), 0x8000);
  EXPECT_EQ(float_to_half_bits(std::ldexp(1.0f, -14)), 0x0400);  // the smallest normal
  EXPECT_EQ(half_bits_to_float(0x3555), 0.333251953125f);
  EXPECT_EQ(half_bits_to_float(0x7BFF), 65504.0f);
  EXPECT_EQ(half_bits_to_float(0xC000), -2.0f);
  EXPECT_EQ(round_to_half(1.0f / 3), 0.333251953125f);
}

TEST(HalfFloat, OverflowsToInfinityFromHalfwayPast65504) {
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(float_to_half_bits(65519.0f), 0x7BFF);  // below the halfway point: stays finite
  EXPECT_EQ(float_to_half_bits(65520.0f), 0x7C00);  // halfway to 2^16: ties to even, inf
  EXPECT_EQ(float_to_half_bits(-70000.0f), 0xFC00);
  EXPECT_EQ(float_to_half_bits(inf), 0x7C00);
  EXPECT_EQ(round_to_half(65520.0f), inf);
  EXPECT_EQ(round_to_half(-inf), -inf);
}

TEST(HalfFloat, RoundsToNearestEven) {
  const float ulp = std::ldexp(1.0f, -10);                           // float16's step at 1
  EXPECT_EQ(float_to_half_bits(1.0f + ulp / 2), 0x3C00);             // tie, 0x3C00 is even
  EXPECT_EQ(float_to_half_bits(1.0f + 3 * ulp / 2), 0x3C02);         // tie, up to even
  EXPECT_EQ(float_to_half_bits(1.0f + ulp / 2 + ulp / 64), 0x3C01);  // past the tie
  EXPECT_EQ(float_to_half_bits(2047.0f), 0x67FF);
  EXPECT_EQ(float_to_half_bits(2049.0f), 0x6800);  // 2048 and 2050 are neighbours: tie to 2048
  EXPECT_EQ(float_to_half_bits(2051.0f), 0x6802);  // tie between 2050 and 2052: to 2052
}

TEST(HalfFloat, KeepsSubnormals) {
  const float tiny = std::ldexp(1.0f, -24);  // the smallest subnormal, 5.96e-8
  EXPECT_EQ(float_to_half_bits(6e-8f), 0x0001);
  EXPECT_EQ(half_bits_to_float(0x0001), tiny);
  EXPECT_EQ(half_bits_to_float(0x8003), -3 * tiny);
  EXPECT_EQ(half_bits_to_float(0x03FF), 1023 * tiny);  // the largest subnormal
  EXPECT_EQ(float_to_half_bits(tiny / 2), 0x0000);     // tie between 0 and 2^-24: to 0
  EXPECT_EQ(float_to_half_bits(-tiny / 2), 0x8000);
  EXPECT_EQ(float_to_half_bits(tiny * 0.51f), 0x0001);
  EXPECT_EQ(float_to_half_bits(3 * tiny / 2), 0x0002);            // tie, to even
  EXPECT_EQ(float_to_half_bits(1023.7f * tiny), 0x0400);          // rounds up into the normals
  EXPECT_EQ(float_to_half_bits(std::ldexp(1.0f, -130)), 0x0000);  // a float subnormal
}

TEST(HalfFloat, NanStaysNan) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const uint16_t bits = float_to_half_bits(nan);
  EXPECT_EQ(bits & 0x7C00, 0x7C00);
  EXPECT_NE(bits & 0x03FF, 0);
  EXPECT_TRUE(std::isnan(round_to_half(nan)));
  EXPECT_TRUE(std::isnan(round_to_half(-std::numeric_limits<float>::signaling_NaN())));
}

TEST(HalfFloat, EveryHalfSurvivesTheRoundTrip) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = half_bits_to_float(uint16_t(h));
    if (std::isnan(f)) continue;
    ASSERT_EQ(float_to_half_bits(f), h) << std::hex << h;
  }
}

// The loader's widening (a model's float16 weights) gives the same bits as the one-value
// conversion for every pattern, NaN payloads and both zeros included.
TEST(HalfFloat, WideningAnArrayGivesEveryPatternsBits) {
  std::vector<uint8_t> halves(2 * 0x10000);
  for (uint32_t h = 0; h < 0x10000; ++h) std::memcpy(&halves[2 * h], &h, 2);
  std::vector<float> out(0x10000);
  half_bits_to_floats(halves.data(), out.size(), out.data());
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float one = half_bits_to_float(uint16_t(h));
    uint32_t expected, got;
    std::memcpy(&expected, &one, 4);
    std::memcpy(&got, &out[h], 4);
    ASSERT_EQ(got, expected) << std::hex << h;
  }
}

TEST(HalfFloat, RoundsArraysInPlace) {
  float values[] = {1.0f / 3, 65520.0f, 1e-9f, -1.0f};
  round_to_half(values, 4);
  EXPECT_EQ(values[0], 0.333251953125f);
  EXPECT_TRUE(std::isinf(values[1]));
  EXPECT_EQ(values[2], 0.0f);
  EXPECT_EQ(values[3], -1.0f);
}

}  // namespace
}  // namespace circulant
