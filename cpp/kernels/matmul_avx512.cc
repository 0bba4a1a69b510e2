// matvec with AVX-512: rows of up to 256 floats (the shipped model's width: every shape but down)
// against x held in 16 of the 32 registers, so the loop loads weights only. Natively only.
#if defined(__AVX512F__) && !defined(__wasm_simd128__)

#include "kernels/matmul_avx512.h"

#include <array>
#include <cstddef>
#include <cstring>
#include <utility>

#include "kernels/simd8.h"

namespace circulant {
namespace {

typedef float f32x16 __attribute__((vector_size(64)));

inline f32x16 load16(const float* p) { return load_lanes<f32x16>(p); }

// A row of 16·Chunks floats against x held in registers (Chunks ≤ 16 of AVX-512's 32). x stays
// in registers because loading it beside each weight made the speed hang on where the caller's x
// and y happen to lie; held, it does not (docs/speed.md).
template <int Chunks>
inline f32x8 row_partial_x_held(const float* row, const f32x16 (&x)[Chunks]) {
  f32x16 a[4] = {};
  for (int k = 0; k < Chunks; ++k) a[k % 4] += load16(row + 16 * k) * x[k];
  const f32x16 s = (a[0] + a[1]) + (a[2] + a[3]);
  return __builtin_shufflevector(s, s, 0, 1, 2, 3, 4, 5, 6, 7) +
         __builtin_shufflevector(s, s, 8, 9, 10, 11, 12, 13, 14, 15);
}

template <int Chunks>
void matvec_chunks(const float* x, const float* weight, int out, float* y) {
  constexpr int in = 16 * Chunks;
  f32x16 xr[Chunks];
  for (int k = 0; k < Chunks; ++k) xr[k] = load16(x + 16 * k);
  int o = 0;
  for (; o + 8 <= out; o += 8) {
    f32x8 partial[8];
    for (int r = 0; r < 8; ++r) partial[r] = row_partial_x_held(weight + size_t(o + r) * in, xr);
    store8(y + o, sum8_each(partial));
  }
  for (; o < out; ++o) y[o] = sum8(row_partial_x_held(weight + size_t(o) * in, xr));
}

using HeldKernel = void (*)(const float*, const float*, int, float*);
template <size_t... C>
constexpr std::array<HeldKernel, sizeof...(C)> held_kernels(std::index_sequence<C...>) {
  return {&matvec_chunks<int(C) + 1>...};
}
constexpr auto kHeldKernels = held_kernels(std::make_index_sequence<16>());

}  // namespace

bool matvec_x_held(const float* x, const float* weight, int out, int in, float* y) {
  if (in <= 0 || in % 16 != 0 || in / 16 > int(kHeldKernels.size())) return false;
  kHeldKernels[in / 16 - 1](x, weight, out, y);
  return true;
}

}  // namespace circulant

#endif  // __AVX512F__ && !__wasm_simd128__
