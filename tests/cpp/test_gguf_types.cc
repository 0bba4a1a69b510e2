// GGUF's tensor types against blocks built by hand from the published block layouts, with known
// scales and quants: each decoded value is the layout's formula; and our Q8_0 quantizer.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/half_float.h"
#include "model/gguf_tensor_types.h"

namespace circulant {
namespace {

void put_half(std::vector<uint8_t>& block, size_t at, float value) {
  const uint16_t bits = float_to_half_bits(value);
  std::memcpy(block.data() + at, &bits, 2);
}

std::vector<float> decoded(GgufType type, const std::vector<uint8_t>& bytes, size_t count) {
  std::vector<float> values(count, -999.0f);
  dequantize(uint32_t(type), bytes.data(), count, values.data());
  return values;
}

TEST(GgufTypes, NamesAndBlockSizesFollowTheSpec) {
  EXPECT_STREQ(gguf_type_name(0), "F32");
  EXPECT_STREQ(gguf_type_name(12), "Q4_K");
  EXPECT_STREQ(gguf_type_name(30), "BF16");
  EXPECT_EQ(gguf_type_name(4), nullptr);  // Q4_2: removed before GGUF
  EXPECT_EQ(gguf_type_name(40), nullptr);
  EXPECT_EQ(gguf_readable_layout(10), nullptr);  // Q2_K is named, not read
  // d + quants; d + dmin + 12 bytes of scales + 128 of quants; … + 32 of fifth bits; 128 + 64
  // + 16 scales + d.
  const std::pair<GgufType, GgufBlockLayout> expected[] = {
      {GgufType::kQ8_0, {32, 2 + 32}},
      {GgufType::kQ4_0, {32, 2 + 16}},
      {GgufType::kQ4_K, {256, 4 + 12 + 128}},
      {GgufType::kQ5_K, {256, 4 + 12 + 32 + 128}},
      {GgufType::kQ6_K, {256, 128 + 64 + 16 + 2}},
      {GgufType::kF16, {1, 2}},
      {GgufType::kBF16, {1, 2}},
      {GgufType::kF32, {1, 4}}};
  for (const auto& [type, layout] : expected) {
    const GgufBlockLayout* l = gguf_readable_layout(uint32_t(type));
    ASSERT_NE(l, nullptr) << gguf_type_name(uint32_t(type));
    EXPECT_EQ(l->block_values, layout.block_values) << gguf_type_name(uint32_t(type));
    EXPECT_EQ(l->block_bytes, layout.block_bytes) << gguf_type_name(uint32_t(type));
  }
}

TEST(GgufTypes, PlainFloatsDecodeExactly) {
  const std::vector<uint8_t> f16 = {0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00};
  EXPECT_EQ(decoded(GgufType::kF16, f16, 4),
            (std::vector<float>{1, -2, 65504, std::ldexp(1.0f, -24)}));
  // BF16 is a float32's upper half: 0x3F80 is 1, 0xC0A0 is -5, 0x4049 is 3.140625.
  const std::vector<uint8_t> bf16 = {0x80, 0x3F, 0xA0, 0xC0, 0x49, 0x40};
  EXPECT_EQ(decoded(GgufType::kBF16, bf16, 3), (std::vector<float>{1, -5, 3.140625f}));
  const float f32[2] = {0.1f, -7e30f};
  std::vector<uint8_t> bytes(8);
  std::memcpy(bytes.data(), f32, 8);
  EXPECT_EQ(decoded(GgufType::kF32, bytes, 2), (std::vector<float>{0.1f, -7e30f}));
}

TEST(GgufTypes, Q8_0IsScaleTimesSignedQuant) {
  std::vector<uint8_t> block(34);
  put_half(block, 0, 0.5f);
  for (int i = 0; i < 32; ++i) block[2 + i] = uint8_t(int8_t(i * 8 - 127));
  const auto y = decoded(GgufType::kQ8_0, block, 32);
  for (int i = 0; i < 32; ++i) EXPECT_EQ(y[i], 0.5f * float(i * 8 - 127)) << i;
}

TEST(GgufTypes, Q4_0KeepsLowNibblesFirstAndOffsetsByEight) {
  std::vector<uint8_t> block(18);
  put_half(block, 0, 0.25f);
  for (int j = 0; j < 16; ++j) block[2 + j] = uint8_t(j | ((15 - j) << 4));
  const auto y = decoded(GgufType::kQ4_0, block, 32);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 0.25f * float(j - 8)) << j;
    EXPECT_EQ(y[j + 16], 0.25f * float(15 - j - 8)) << j;
  }
}

// The 6-bit scales and mins of the 8 sub-blocks, packed into 12 bytes as the layout says.
std::vector<uint8_t> packed_scales(const int scale[8], const int min[8]) {
  std::vector<uint8_t> p(12, 0);
  for (int j = 0; j < 4; ++j) {
    p[j] = uint8_t(scale[j] | ((scale[j + 4] >> 4) << 6));
    p[j + 4] = uint8_t(min[j] | ((min[j + 4] >> 4) << 6));
    p[j + 8] = uint8_t((scale[j + 4] & 0xF) | ((min[j + 4] & 0xF) << 4));
  }
  return p;
}

// Scales and mins that use all six bits, in the low and the high sub-blocks.
constexpr int kScale[8] = {1, 5, 17, 33, 63, 40, 2, 19};
constexpr int kMin[8] = {0, 3, 63, 7, 35, 1, 50, 16};

// A Q4_K or Q5_K super-block: d = 0.5, dmin = 0.25, quant (sub-block s, value l) = q(s, l).
template <class Quant>
std::vector<uint8_t> k_block(bool fifth_bits, Quant q) {
  std::vector<uint8_t> b(fifth_bits ? 176 : 144, 0);
  put_half(b, 0, 0.5f);
  put_half(b, 2, 0.25f);
  const auto scales = packed_scales(kScale, kMin);
  std::copy(scales.begin(), scales.end(), b.begin() + 4);
  uint8_t* high = b.data() + 16;
  uint8_t* low = b.data() + 16 + (fifth_bits ? 32 : 0);
  for (int s = 0; s < 8; ++s)
    for (int l = 0; l < 32; ++l) {
      const int v = q(s, l);
      low[32 * (s / 2) + l] |= uint8_t((v & 0xF) << (4 * (s % 2)));
      if (fifth_bits) high[l] |= uint8_t(((v >> 4) & 1) << s);
    }
  return b;
}

TEST(GgufTypes, Q4_KIsSubScaleTimesQuantMinusSubMin) {
  auto q = [](int s, int l) { return (s * 7 + l * 3) % 16; };
  const auto y = decoded(GgufType::kQ4_K, k_block(false, q), 256);
  for (int s = 0; s < 8; ++s)
    for (int l = 0; l < 32; ++l)
      EXPECT_FLOAT_EQ(y[32 * s + l], 0.5f * kScale[s] * q(s, l) - 0.25f * kMin[s]) << s << " " << l;
}

TEST(GgufTypes, Q5_KAddsTheFifthBit) {
  auto q = [](int s, int l) { return (s * 11 + l * 5) % 32; };
  const auto y = decoded(GgufType::kQ5_K, k_block(true, q), 256);
  for (int s = 0; s < 8; ++s)
    for (int l = 0; l < 32; ++l)
      EXPECT_FLOAT_EQ(y[32 * s + l], 0.5f * kScale[s] * q(s, l) - 0.25f * kMin[s]) << s << " " << l;
}

TEST(GgufTypes, Q6_KIsScaleTimesQuantMinus32) {
  // 6-bit quants q(i), one int8 scale per 16 values (negative ones too), d = 0.125.
  auto q = [](int i) { return (i * 37 + 11) % 64; };
  auto scale = [](int group) { return group * 9 - 70; };
  std::vector<uint8_t> b(210, 0);
  for (int i = 0; i < 256; ++i) {
    const int half = i / 128, k = i % 128 / 32, l = i % 32;
    b[64 * half + l + 32 * (k % 2)] |= uint8_t((q(i) & 0xF) << (4 * (k / 2)));
    b[128 + 32 * half + l] |= uint8_t((q(i) >> 4) << (2 * k));
  }
  for (int g = 0; g < 16; ++g) b[192 + g] = uint8_t(int8_t(scale(g)));
  put_half(b, 208, 0.125f);
  const auto y = decoded(GgufType::kQ6_K, b, 256);
  for (int i = 0; i < 256; ++i) EXPECT_FLOAT_EQ(y[i], 0.125f * scale(i / 16) * (q(i) - 32)) << i;
}

TEST(GgufTypes, Q8_0QuantizerRoundsToNearestWithTheScaleOfTheLargestValue) {
  std::vector<float> x(64);
  for (int i = 0; i < 32; ++i) x[i] = float(i - 16) / 4;  // largest |x|: 4 → d = 4 / 127
  for (int i = 32; i < 64; ++i) x[i] = 0;                 // a block of zeros: d = 0
  std::vector<uint8_t> out(2 * 34);
  ASSERT_TRUE(quantize_q8_0(x.data(), 64, out.data()));
  uint16_t d_bits;
  std::memcpy(&d_bits, out.data(), 2);
  EXPECT_EQ(d_bits, float_to_half_bits(4.0f / 127));
  EXPECT_EQ(int8_t(out[2]), -127);  // x = -4
  EXPECT_EQ(int8_t(out[2 + 16]), 0);
  EXPECT_EQ(int8_t(out[2 + 17]), 8);  // x = 0.25: 0.25 / (4 / 127) = 7.94, to nearest
  const auto y = decoded(GgufType::kQ8_0, out, 64);
  const float d = half_bits_to_float(d_bits);
  for (int i = 0; i < 32; ++i) EXPECT_NEAR(y[i], x[i], d / 2 + 1e-3f * d) << i;
  for (int i = 32; i < 64; ++i) EXPECT_EQ(y[i], 0.0f);
  std::vector<float> huge(32, 1e10f);
  EXPECT_FALSE(quantize_q8_0(huge.data(), 32, out.data()));  // d beyond float16
}

}  // namespace
}  // namespace circulant
