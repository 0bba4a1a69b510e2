// Random blocks written in the layouts docs/gguf.md and cpp/model/gguf_tensor_types.cc describe.
// Every byte pattern of a block is a valid tensor, so the quants are random bytes; only the
// scales are chosen: each type's RMS per unit of d is computed once below from the distribution of
// its quants and sub-scales, so d = rms / that.
#include "synthetic_tensors.h"

#include <cmath>
#include <cstring>

#include "kernels/half_float.h"

namespace circulant::synthetic {
namespace {

constexpr float kSqrt3 = 1.7320508f;
// Root mean square of a value per unit of d: the quant's standard deviation (uniform over its
// range) times the RMS of the sub-scale (uniform over 32–63: 47.5) where the type has one.
constexpr float kQ8_0Spread = 73.6f;           // int8 uniform over −127…127
constexpr float kQ4_0Spread = 4.61f;           // nibble − 8, nibble uniform over 0…15
constexpr float kQ4_KSpread = 47.5f * 4.61f;   // 4-bit quants
constexpr float kQ5_KSpread = 47.5f * 9.23f;   // 5-bit quants
constexpr float kQ6_KSpread = 47.5f * 18.47f;  // 6-bit quants − 32

void put_half(uint8_t* p, float value) {
  const uint16_t bits = float_to_half_bits(value);
  std::memcpy(p, &bits, 2);
}

void random_bytes(uint8_t* p, size_t n, Rng& rng) {
  for (size_t i = 0; i < n; ++i) p[i] = uint8_t(rng.next() >> 56);
}

uint16_t bf16_bits(float value) {  // rounded to nearest, ties to even
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  return uint16_t((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
}

// Q4_K and Q5_K: 8 sub-blocks with a 6-bit scale s and min m. Each value is d·s·q − dmin·m; with
// dmin = `min_ratio`·d and m ≈ s·(mean quant)/min_ratio the sub-block's mean is near 0.
void k_block(uint8_t* b, float d, float mean_quant, float min_ratio, bool fifth_bits, Rng& rng) {
  put_half(b, d);
  put_half(b + 2, d * min_ratio);
  int scale[8], min[8];
  for (int s = 0; s < 8; ++s) {
    scale[s] = rng.integer(32, 63);
    min[s] = int(std::lround(float(scale[s]) * mean_quant / min_ratio));
  }
  // The packing gguf_tensor_types.cc's six_bit_scale_and_min reads.
  uint8_t* packed = b + 4;
  for (int j = 0; j < 4; ++j) {
    packed[j] = uint8_t(scale[j] | ((scale[j + 4] >> 4) << 6));
    packed[j + 4] = uint8_t(min[j] | ((min[j + 4] >> 4) << 6));
    packed[j + 8] = uint8_t((scale[j + 4] & 0xF) | ((min[j + 4] & 0xF) << 4));
  }
  random_bytes(b + 16, fifth_bits ? 32 + 128 : 128, rng);
}

// Q6_K: 192 bytes of quants, 16 int8 sub-scales of either sign, then d.
void q6_k_block(uint8_t* b, float d, Rng& rng) {
  random_bytes(b, 192, rng);
  for (int s = 0; s < 16; ++s) {
    const int scale = rng.integer(32, 63);
    b[192 + s] = uint8_t(int8_t(rng.next() & 1 ? scale : -scale));
  }
  put_half(b + 208, d);
}

}  // namespace

std::vector<uint8_t> uniform_f32(uint64_t count, float low, float high, Rng& rng) {
  std::vector<uint8_t> out(size_t(count) * 4);
  for (uint64_t i = 0; i < count; ++i) {
    const float v = rng.uniform(low, high);
    std::memcpy(out.data() + 4 * i, &v, 4);
  }
  return out;
}

std::vector<uint8_t> random_tensor(GgufType type, uint64_t count, float rms, Rng& rng) {
  const GgufBlockLayout& layout = *gguf_readable_layout(uint32_t(type));
  const uint64_t blocks = count / layout.block_values;
  std::vector<uint8_t> out(size_t(blocks) * layout.block_bytes);
  const float a = rms * kSqrt3;  // a uniform value over ±a has this RMS
  for (uint64_t i = 0; i < blocks; ++i) {
    uint8_t* b = out.data() + i * layout.block_bytes;
    switch (type) {
      case GgufType::kF32: {
        const float v = rng.uniform(-a, a);
        std::memcpy(b, &v, 4);
        break;
      }
      case GgufType::kF16:
        put_half(b, rng.uniform(-a, a));
        break;
      case GgufType::kBF16: {
        const uint16_t bits = bf16_bits(rng.uniform(-a, a));
        std::memcpy(b, &bits, 2);
        break;
      }
      case GgufType::kQ8_0:
        put_half(b, rms / kQ8_0Spread);
        for (int j = 0; j < 32; ++j) b[2 + j] = uint8_t(int8_t(rng.integer(-127, 127)));
        break;
      case GgufType::kQ4_0:
        put_half(b, rms / kQ4_0Spread);
        random_bytes(b + 2, 16, rng);
        break;
      case GgufType::kQ4_K:
        k_block(b, rms / kQ4_KSpread, 7.5f, 8.0f, false, rng);
        break;
      case GgufType::kQ5_K:
        k_block(b, rms / kQ5_KSpread, 15.5f, 16.0f, true, rng);
        break;
      case GgufType::kQ6_K:
        q6_k_block(b, rms / kQ6_KSpread, rng);
        break;
    }
  }
  return out;
}

}  // namespace circulant::synthetic
