// Dequantization of the GGUF types we read. Each block layout is written out once, at its decoder,
// from ggml's published block structs; the arithmetic is done in the order ggml's reference
// decoders use (scale times sub-scale first, in float), so a value decodes to the same float.
#include "model/gguf_tensor_types.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>

#include "kernels/half_float.h"

namespace circulant {
namespace {

// ggml's type names by number; "" for the numbers ggml removed before GGUF files stored them.
constexpr const char* kTypeNames[] = {
    "F32",   "F16",        "Q4_0",       "Q4_1",       "",         "",         "Q5_0",
    "Q5_1",  "Q8_0",       "Q8_1",       "Q2_K",       "Q3_K",     "Q4_K",     "Q5_K",
    "Q6_K",  "Q8_K",       "IQ2_XXS",    "IQ2_XS",     "IQ3_XXS",  "IQ1_S",    "IQ4_NL",
    "IQ3_S", "IQ2_S",      "IQ4_XS",     "I8",         "I16",      "I32",      "I64",
    "F64",   "IQ1_M",      "BF16",       "Q4_0_4_4",   "Q4_0_4_8", "Q4_0_8_8", "TQ1_0",
    "TQ2_0", "IQ4_NL_4_4", "IQ4_NL_4_8", "IQ4_NL_8_8", "MXFP4"};

constexpr size_t kSuperBlock = 256;  // values in a K-quant block

struct Readable {
  GgufType type;
  GgufBlockLayout layout;
};
constexpr Readable kReadable[] = {
    {GgufType::kF32, {1, 4}},
    {GgufType::kF16, {1, 2}},
    {GgufType::kBF16, {1, 2}},
    {GgufType::kQ8_0, {32, 34}},
    {GgufType::kQ4_0, {32, 18}},
    {GgufType::kQ4_K, {kSuperBlock, 144}},
    {GgufType::kQ5_K, {kSuperBlock, 176}},
    {GgufType::kQ6_K, {kSuperBlock, 210}},
};

float half_at(const uint8_t* p) {
  uint16_t bits;
  std::memcpy(&bits, p, 2);
  return half_bits_to_float(bits);
}

// BF16 is the upper half of a float32's bits.
float bf16_at(const uint8_t* p) {
  uint16_t half;
  std::memcpy(&half, p, 2);
  const uint32_t bits = uint32_t(half) << 16;
  float v;
  std::memcpy(&v, &bits, 4);
  return v;
}

// Q8_0, 34 bytes: float16 d, then 32 int8 quants q; value i = d·q[i].
void q8_0_block(const uint8_t* b, float* y) {
  const float d = half_at(b);
  for (int i = 0; i < 32; ++i) y[i] = float(int8_t(b[2 + i])) * d;
}

// Q4_0, 18 bytes: float16 d, then 16 bytes whose low nibbles are values 0–15 and high nibbles
// values 16–31, each stored as q + 8; value = (nibble − 8)·d.
void q4_0_block(const uint8_t* b, float* y) {
  const float d = half_at(b);
  const uint8_t* q = b + 2;
  for (int i = 0; i < 16; ++i) {
    y[i] = float(int(q[i] & 0xF) - 8) * d;
    y[i + 16] = float(int(q[i] >> 4) - 8) * d;
  }
}

// Q4_K and Q5_K keep 8 sub-blocks of 32 values, each with a 6-bit scale and a 6-bit min packed
// into 12 bytes: sub-blocks 0–3 in the low 6 bits of bytes 0–3 (scales) and 4–7 (mins);
// sub-blocks 4–7 in the nibbles of bytes 8–11 (scale low, min high), their top 2 bits in the
// top 2 bits of bytes 0–3 (scales) and 4–7 (mins).
void six_bit_scale_and_min(const uint8_t* packed, int sub, int& scale, int& min) {
  if (sub < 4) {
    scale = packed[sub] & 63;
    min = packed[sub + 4] & 63;
  } else {
    scale = (packed[sub + 4] & 0xF) | ((packed[sub - 4] >> 6) << 4);
    min = (packed[sub + 4] >> 4) | ((packed[sub] >> 6) << 4);
  }
}

// Q4_K, 144 bytes: float16 d, float16 dmin, 12 bytes of scales and mins, 128 bytes of quants.
// Quant byte 32·g + l holds value l of sub-block 2g (low nibble) and of 2g + 1 (high nibble);
// value = d·scale·q − dmin·min.
// Q5_K, 176 bytes: the same with 32 bytes of fifth bits before the quants: bit s of byte l is the
// fifth bit (16) of value l of sub-block s.
void q4_k_or_q5_k_block(const uint8_t* b, float* y, bool fifth_bits) {
  const float d = half_at(b), dmin = half_at(b + 2);
  const uint8_t* packed = b + 4;
  const uint8_t* high = fifth_bits ? b + 16 : nullptr;
  const uint8_t* q = b + 16 + (fifth_bits ? 32 : 0);
  for (int sub = 0; sub < 8; ++sub) {
    int scale, min;
    six_bit_scale_and_min(packed, sub, scale, min);
    const float step = d * float(scale), offset = dmin * float(min);
    const uint8_t* bytes = q + 32 * (sub / 2);
    const int shift = (sub % 2) * 4;
    for (int l = 0; l < 32; ++l) {
      int v = (bytes[l] >> shift) & 0xF;
      if (high && ((high[l] >> sub) & 1)) v += 16;
      y[32 * sub + l] = step * float(v) - offset;
    }
  }
}

// Q6_K, 210 bytes: 128 bytes of low 4 bits, 64 bytes of high 2 bits, 16 int8 scales (one per 16
// values), float16 d; value = d·scale·(q − 32). Each half of 128 values uses 64 low bytes, 32 high
// bytes and 8 scales: value 32·k + l (k = 0…3, l = 0…31) takes the low nibble (k = 0, 1) or high
// nibble (k = 2, 3) of low byte l + 32·(k % 2), bits 2k, 2k + 1 of high byte l, and scale
// 2k + l / 16.
void q6_k_block(const uint8_t* b, float* y) {
  const uint8_t* low = b;
  const uint8_t* high = b + 128;
  const int8_t* scales = reinterpret_cast<const int8_t*>(b + 192);
  const float d = half_at(b + 208);
  for (int half = 0; half < 2; ++half, low += 64, high += 32, scales += 8, y += 128)
    for (int k = 0; k < 4; ++k)
      for (int l = 0; l < 32; ++l) {
        const int nibble = (low[l + 32 * (k % 2)] >> (k / 2 * 4)) & 0xF;
        const int q = (nibble | (((high[l] >> (2 * k)) & 3) << 4)) - 32;
        y[32 * k + l] = d * float(scales[2 * k + l / 16]) * float(q);
      }
}

}  // namespace

const char* gguf_type_name(uint32_t type) {
  if (type >= std::size(kTypeNames) || !*kTypeNames[type]) return nullptr;
  return kTypeNames[type];
}

const GgufBlockLayout* gguf_readable_layout(uint32_t type) {
  for (const Readable& r : kReadable)
    if (uint32_t(r.type) == type) return &r.layout;
  return nullptr;
}

const char* gguf_readable_type_names() { return "F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K and Q6_K"; }

void dequantize(uint32_t type, const uint8_t* bytes, uint64_t count, float* values) {
  const GgufBlockLayout* layout = gguf_readable_layout(type);
  if (!layout) return;
  const uint64_t blocks = count / layout->block_values;
  for (uint64_t i = 0; i < blocks; ++i) {
    const uint8_t* b = bytes + i * layout->block_bytes;
    float* y = values + i * layout->block_values;
    switch (GgufType(type)) {
      case GgufType::kF32:
        std::memcpy(y, b, 4);
        break;
      case GgufType::kF16:
        *y = half_at(b);
        break;
      case GgufType::kBF16:
        *y = bf16_at(b);
        break;
      case GgufType::kQ8_0:
        q8_0_block(b, y);
        break;
      case GgufType::kQ4_0:
        q4_0_block(b, y);
        break;
      case GgufType::kQ4_K:
        q4_k_or_q5_k_block(b, y, false);
        break;
      case GgufType::kQ5_K:
        q4_k_or_q5_k_block(b, y, true);
        break;
      case GgufType::kQ6_K:
        q6_k_block(b, y);
        break;
    }
  }
}

bool quantize_q8_0(const float* values, uint64_t count, uint8_t* out) {
  for (uint64_t start = 0; start + 32 <= count; start += 32, out += 34) {
    const float* x = values + start;
    float largest = 0;
    for (int i = 0; i < 32; ++i) largest = std::max(largest, std::fabs(x[i]));
    const float d = largest / 127;
    const uint16_t d_bits = float_to_half_bits(d);
    if (!std::isfinite(half_bits_to_float(d_bits))) return false;
    std::memcpy(out, &d_bits, 2);
    // The quants use d before it is rounded to float16, and its reciprocal, as ggml's reference
    // quantizer does: the same float32 weights give the same bytes.
    const float inverse = d > 0 ? 1.0f / d : 0.0f;
    for (int i = 0; i < 32; ++i) {
      const long q = std::lround(x[i] * inverse);
      out[2 + i] = uint8_t(int8_t(std::clamp(q, -127L, 127L)));
    }
  }
  return true;
}

}  // namespace circulant
