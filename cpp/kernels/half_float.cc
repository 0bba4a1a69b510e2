// float ↔ float16 through the bit patterns: sign (1), exponent (5, bias 15), mantissa (10).
#include "kernels/half_float.h"

#include <cstring>

namespace circulant {
namespace {

uint32_t bits_of(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

float float_of(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// value >> shift rounded to nearest, ties to even (0 < shift < 32).
uint32_t shift_right_rounded(uint32_t value, int shift) {
  const uint32_t kept = value >> shift, rest = value & ((1u << shift) - 1),
                 half = 1u << (shift - 1);
  return kept + (rest > half || (rest == half && (kept & 1)));
}

}  // namespace

uint16_t float_to_half_bits(float value) {
  const uint32_t f = bits_of(value);
  const uint16_t sign = uint16_t((f >> 16) & 0x8000);
  const uint32_t magnitude = f & 0x7FFFFFFF;
  if (magnitude > 0x7F800000)  // NaN: the top of its payload, with the quiet bit set
    return uint16_t(sign | 0x7E00 | ((magnitude >> 13) & 0x3FF));
  if (magnitude >= 0x477FF000) return uint16_t(sign | 0x7C00);  // ≥ 65520 (and inf): ±inf
  if (magnitude >= 0x38800000) {  // ≥ 2^-14: normal; a carry out of the mantissa bumps the exponent
    const uint32_t rebiased = magnitude - ((127u - 15u) << 23);
    return uint16_t(sign | shift_right_rounded(rebiased, 13));
  }
  if (magnitude <= 0x33000000) return sign;  // ≤ 2^-25: rounds to zero (2^-25 itself ties to even)
  // Subnormal: the value in steps of 2^-24 is mantissa·2^(e−150)/2^-24 = mantissa >> (126 − e);
  // rounding up from 0x3FF gives 0x400, the smallest normal, as it should.
  const int exponent = int(magnitude >> 23);
  const uint32_t mantissa = (magnitude & 0x7FFFFF) | 0x800000;
  return uint16_t(sign | shift_right_rounded(mantissa, 126 - exponent));
}

void half_bits_to_floats(const uint8_t* halves, size_t count, float* out) {
  // Exponent and mantissa shifted into place and rebiased; a float16 exponent of 31 (inf, NaN)
  // needs the rest of the way to 255, and one of 0 (zero, subnormal) is renormalised by
  // subtracting 2^-14 from 2^-14·(1 + m/1024), which leaves m·2^-24 exactly.
  const float two_to_minus_14 = 6.103515625e-05f;
  for (size_t i = 0; i < count; ++i) {
    uint16_t h;
    std::memcpy(&h, halves + 2 * i, 2);
    const uint32_t shifted = uint32_t(h & 0x7FFF) << 13, exponent = shifted & 0x0F800000;
    uint32_t bits = shifted + ((127u - 15u) << 23);
    bits += exponent == 0x0F800000 ? (128u - 16u) << 23 : 0u;
    bits += exponent == 0 ? 1u << 23 : 0u;
    const float renormalised = float_of(bits) - two_to_minus_14;
    const uint32_t magnitude = exponent == 0 ? bits_of(renormalised) : bits;
    out[i] = float_of(magnitude | (uint32_t(h & 0x8000) << 16));
  }
}

float half_bits_to_float(uint16_t bits) {
  const uint32_t sign = uint32_t(bits & 0x8000) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1F, mantissa = bits & 0x3FF;
  if (exponent == 0x1F) return float_of(sign | 0x7F800000 | (mantissa << 13));  // inf, NaN
  if (exponent != 0) return float_of(sign | ((exponent + 127 - 15) << 23) | (mantissa << 13));
  const float subnormal = float(mantissa) * 5.9604644775390625e-8f;  // mantissa · 2^-24, exact
  return sign ? -subnormal : subnormal;
}

void round_to_half(float* values, size_t count) {
  for (size_t i = 0; i < count; ++i) values[i] = round_to_half(values[i]);
}

}  // namespace circulant
