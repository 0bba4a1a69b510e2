// Eight floats as one GCC/Clang generic vector: one AVX register natively, two simd128 registers
// in WebAssembly, no intrinsics. The kernels' shared vocabulary: loads, stores, sums, exp.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace circulant {

typedef float f32x8 __attribute__((vector_size(32)));
typedef int32_t i32x8 __attribute__((vector_size(32)));

// Any generic float vector from memory of any alignment.
template <class V>
inline V load_lanes(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline f32x8 load8(const float* p) { return load_lanes<f32x8>(p); }
inline void store8(float* p, f32x8 v) { std::memcpy(p, &v, sizeof v); }
inline f32x8 splat8(float x) { return f32x8{x, x, x, x, x, x, x, x}; }

// Sum of the lanes in a fixed order (pairs, then pairs of pairs), the same on every machine.
inline float sum8(f32x8 v) {
  return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}

// sum8 of eight vectors at once, lane j holding sum8(v[j]) bit for bit: the same tree of adds
// (halves, then pairs, then the two pair sums), done across vectors by shuffles, so eight
// horizontal sums cost 7 vector adds instead of 56 scalar ones.
inline f32x8 sum8_each(const f32x8 v[8]) {
  f32x8 h[4];  // h[k] = lanes 0-3: low half + high half of v[2k]; lanes 4-7: the same of v[2k+1]
  for (int k = 0; k < 4; ++k)
    h[k] = __builtin_shufflevector(v[2 * k], v[2 * k + 1], 0, 1, 2, 3, 8, 9, 10, 11) +
           __builtin_shufflevector(v[2 * k], v[2 * k + 1], 4, 5, 6, 7, 12, 13, 14, 15);
  // Lanes 2j, 2j+1 of p[0] (vectors 0-3) and p[1] (4-7): (l0 + l1) and (l2 + l3) of each.
  const f32x8 p[2] = {__builtin_shufflevector(h[0], h[1], 0, 2, 4, 6, 8, 10, 12, 14) +
                          __builtin_shufflevector(h[0], h[1], 1, 3, 5, 7, 9, 11, 13, 15),
                      __builtin_shufflevector(h[2], h[3], 0, 2, 4, 6, 8, 10, 12, 14) +
                          __builtin_shufflevector(h[2], h[3], 1, 3, 5, 7, 9, 11, 13, 15)};
  return __builtin_shufflevector(p[0], p[1], 0, 2, 4, 6, 8, 10, 12, 14) +
         __builtin_shufflevector(p[0], p[1], 1, 3, 5, 7, 9, 11, 13, 15);
}

// Four floats: one simd128 register. Node 20's V8 streams faster through four of these
// accumulators than through four f32x8 (eight registers); Chromium's runs both alike. The
// WebAssembly build's streaming loops use them.
typedef float f32x4 __attribute__((vector_size(16)));
inline f32x4 load4(const float* p) { return load_lanes<f32x4>(p); }

// One row's products with x through four independent accumulators of V (f32x8 or f32x4) over
// its whole 4-vector chunks, then its whole vectors in the first, added (a0 + a1) + (a2 + a3): the
// fixed order of every dense dot product, whatever the vector width. The floats past the last
// whole vector are the caller's, after its horizontal sum.
template <class V>
inline V dot_partial(const float* row, const float* x, int in) {
  constexpr int w = int(sizeof(V) / sizeof(float));
  V a0 = {}, a1 = {}, a2 = {}, a3 = {};
  int i = 0;
  for (; i + 4 * w <= in; i += 4 * w) {
    a0 += load_lanes<V>(row + i) * load_lanes<V>(x + i);
    a1 += load_lanes<V>(row + i + w) * load_lanes<V>(x + i + w);
    a2 += load_lanes<V>(row + i + 2 * w) * load_lanes<V>(x + i + 2 * w);
    a3 += load_lanes<V>(row + i + 3 * w) * load_lanes<V>(x + i + 3 * w);
  }
  for (; i + w <= in; i += w) a0 += load_lanes<V>(row + i) * load_lanes<V>(x + i);
  return (a0 + a1) + (a2 + a3);
}

inline f32x8 min8(f32x8 a, f32x8 b) { return a < b ? a : b; }
inline f32x8 max8(f32x8 a, f32x8 b) {
#ifdef __wasm_simd128__
  // f32x4.pmax(b, a) is `b < a ? a : b`, the same as below for every input, in one instruction
  // where clang's compare and select take four in V8.
  const f32x4 lo = __builtin_wasm_pmax_f32x4(__builtin_shufflevector(b, b, 0, 1, 2, 3),
                                             __builtin_shufflevector(a, a, 0, 1, 2, 3));
  const f32x4 hi = __builtin_wasm_pmax_f32x4(__builtin_shufflevector(b, b, 4, 5, 6, 7),
                                             __builtin_shufflevector(a, a, 4, 5, 6, 7));
  return __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7);
#else
  return a > b ? a : b;
#endif
}

// Largest whole number ≤ x, for |x| < 2^31. WebAssembly has it as one instruction (f32x4.floor);
// elsewhere conversion truncates toward zero, then steps down.
inline f32x8 floor8(f32x8 x) {
#ifdef __wasm_simd128__
  const f32x4 lo = __builtin_wasm_floor_f32x4(__builtin_shufflevector(x, x, 0, 1, 2, 3));
  const f32x4 hi = __builtin_wasm_floor_f32x4(__builtin_shufflevector(x, x, 4, 5, 6, 7));
  return __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7);
#else
  const f32x8 t = __builtin_convertvector(__builtin_convertvector(x, i32x8), f32x8);
  return t > x ? t - splat8(1.0f) : t;
#endif
}

// e^x for each lane: x = n·ln 2 + r with |r| ≤ ln 2 / 2, e^r by its degree-6 Taylor polynomial
// (Horner), 2^n assembled in the exponent bits. Relative error ≤ 2e-7 for x in [−87, 88]
// (tests/cpp/test_ops.cc checks against std::exp); below −87 it gives 0, above 88 it saturates
// at e^88 (softmax subtracts the maximum first, so its arguments are ≤ 0).
inline f32x8 exp8(f32x8 x) {
  x = max8(min8(x, splat8(88.0f)), splat8(-87.0f));
  const f32x8 n = floor8(x * splat8(1.44269504088896341f) + splat8(0.5f));
  // ln 2 in two parts, so n·ln 2 is exact enough for r.
  const f32x8 r = (x - n * splat8(0.693359375f)) + n * splat8(2.12194440e-4f);
  f32x8 p = splat8(1.0f / 720);
  p = p * r + splat8(1.0f / 120);
  p = p * r + splat8(1.0f / 24);
  p = p * r + splat8(1.0f / 6);
  p = p * r + splat8(0.5f);
  p = p * r + splat8(1.0f);
  p = p * r + splat8(1.0f);
  // 2^n built without a float-to-int conversion (eight instructions a vector in V8): n + 127 +
  // 2^23 is exact and leaves n + 127 in the low mantissa bits, which the shift moves into the
  // exponent while pushing out the rest; the same bits the conversion gave.
  const f32x8 biased = n + splat8(8388608.0f + 127.0f);
  i32x8 bits;
  std::memcpy(&bits, &biased, sizeof bits);
  bits <<= 23;
  f32x8 scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

}  // namespace circulant
