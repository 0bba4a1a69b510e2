// IEEE 754 binary16 (float16) by plain bit manipulation, so the WebAssembly build has it too (no
// _Float16): what storing a float in float16 keeps of it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace circulant {

// Rounds to the nearest float16, ties to even. Magnitudes from 65520 up (halfway to 2^16) become
// ±inf; below 2^-14 the result is subnormal (steps of 2^-24), and from 2^-25 down (that halfway
// point included, ties to even) it is ±0 with the sign kept. NaN stays NaN (quiet, sign kept).
uint16_t float_to_half_bits(float value);

// Exact: every float16 is a float.
float half_bits_to_float(uint16_t bits);

// out[i] ← half_bits_to_float of the i-th little-endian float16 at `halves` (count of them), the
// same bits, without branches: a model's weights widen as it loads.
void half_bits_to_floats(const uint8_t* halves, size_t count, float* out);

// float → float16 → float.
inline float round_to_half(float value) { return half_bits_to_float(float_to_half_bits(value)); }

// values (count) ← round_to_half(values), in place.
void round_to_half(float* values, size_t count);

}  // namespace circulant
