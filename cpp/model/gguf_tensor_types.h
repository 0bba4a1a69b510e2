// GGUF's tensor types: every ggml type's name, the block layouts of the ones we read, their
// dequantization to float32, and the encoders `circulant convert` writes with.
#pragma once

#include <cstddef>
#include <cstdint>

namespace circulant {

// ggml's type numbers as a GGUF tensor directory stores them (the ones this engine writes or
// reads; every other number is only named, by gguf_type_name).
enum class GgufType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ8_0 = 8,
  kQ4_K = 12,
  kQ5_K = 13,
  kQ6_K = 14,
  kBF16 = 30,
};

// A type we read: `block_values` values are stored in `block_bytes` bytes, and a tensor's rows
// (its first dimension) hold whole blocks.
struct GgufBlockLayout {
  uint32_t block_values;
  uint32_t block_bytes;
};

// ggml's name of type number `type` ("Q4_K"), or null for a number no ggml type ever had.
const char* gguf_type_name(uint32_t type);
// The layout of a type we dequantize; null for any other (a type we refuse by its name).
const GgufBlockLayout* gguf_readable_layout(uint32_t type);
// "F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K and Q6_K", for messages.
const char* gguf_readable_type_names();

// values (count) ← the `count` values stored as `type` at `bytes`. `type` is readable, count is a
// whole number of its blocks, and `bytes` holds count / block_values blocks (the caller checked
// both against the file).
void dequantize(uint32_t type, const uint8_t* bytes, uint64_t count, float* values);

// Q8_0: blocks of 32 values, each a float16 scale d = max|x| / 127 and 32 int8 quants
// q = round(x / d) (to nearest, ties away from zero), so x ≈ d·q. `count` is a multiple of 32;
// `out` receives count / 32 blocks of 34 bytes. Returns false when a block's scale is beyond
// float16's range (a weight above 127 · 65504 in magnitude).
bool quantize_q8_0(const float* values, uint64_t count, uint8_t* out);

}  // namespace circulant
