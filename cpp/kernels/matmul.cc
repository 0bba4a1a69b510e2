// Dense matmul kernels. One row (decode): matvec, streaming the weights. More rows natively
// Eigen's GEMM; Eigen 3.4 has no wasm SIMD backend, so the WebAssembly build uses an explicit
// simd128 kernel (four output rows share each input load).
#include "kernels/matmul.h"

#include <Eigen/Core>
#include <array>
#include <utility>

#include "kernels/aligned_floats.h"
#include "kernels/simd8.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

namespace circulant {

void matmul_rows_reference(const float* x, int rows, const float* weight, int out, int in,
                           float* y) {
  for (int t = 0; t < rows; ++t) {
    for (int o = 0; o < out; ++o) {
      double sum = 0;
      for (int i = 0; i < in; ++i)
        sum += double(weight[size_t(o) * in + i]) * x[size_t(t) * in + i];
      y[size_t(t) * out + o] = float(sum);
    }
  }
}

namespace {

#ifdef __wasm_simd128__
// One row through four 4-wide accumulators, added into one vector: under Node 20 (V8 11.3)
// 1.2–1.3× the speed of four 8-wide ones (eight registers), measured with bench_gemv_wasm's pairs;
// Chromium 156 runs the two alike. The floats past the last whole 4 come after its sum.
inline f32x4 row_partial4(const float* row, const float* x, int in) {
  f32x4 a0 = {}, a1 = {}, a2 = {}, a3 = {};
  int i = 0;
  for (; i + 16 <= in; i += 16) {
    a0 += load4(row + i) * load4(x + i);
    a1 += load4(row + i + 4) * load4(x + i + 4);
    a2 += load4(row + i + 8) * load4(x + i + 8);
    a3 += load4(row + i + 12) * load4(x + i + 12);
  }
  for (; i + 4 <= in; i += 4) a0 += load4(row + i) * load4(x + i);
  return (a0 + a1) + (a2 + a3);
}

inline float row_dot(const float* row, const float* x, int in) {
  const f32x4 s = row_partial4(row, x, in);
  float sum = (s[0] + s[2]) + (s[1] + s[3]);
  for (int i = in / 4 * 4; i < in; ++i) sum += row[i] * x[i];
  return sum;
}

// Two rows half the matrix apart, each through two accumulators, sharing each load of x: one x
// load serves two weights, where a row alone loads one x per weight. Rows next to each other read
// this way ran at a third of the speed (two streams through one 4 KB page); half the matrix apart
// they do not. Against four rows a quarter apart, one accumulator each (the previous kernel),
// bench_gemv_wasm's pairs measured 0.84–0.87 against 0.78–0.83 at the attention shape and 0.89–0.93
// against 0.84–0.91 at the others, at every placement of y against x (Node 20).
inline void two_rows_partial4(const float* r0, const float* r1, const float* x, int in, f32x4& p0,
                              f32x4& p1) {
  f32x4 a0 = {}, a1 = {}, b0 = {}, b1 = {};
  int i = 0;
  for (; i + 8 <= in; i += 8) {
    const f32x4 x0 = load4(x + i), x1 = load4(x + i + 4);
    a0 += load4(r0 + i) * x0, b0 += load4(r1 + i) * x0;
    a1 += load4(r0 + i + 4) * x1, b1 += load4(r1 + i + 4) * x1;
  }
  if (i < in) {  // in % 8 == 4
    const f32x4 xi = load4(x + i);
    a0 += load4(r0 + i) * xi, b0 += load4(r1 + i) * xi;
  }
  p0 = a0 + a1, p1 = b0 + b1;
}

// Lane k: row_dot's sum of v[k], the same adds in the same order, for four rows at once.
inline f32x4 sum4_each(const f32x4 v[4]) {
  const f32x4 h0 = __builtin_shufflevector(v[0], v[1], 0, 4, 1, 5) +
                   __builtin_shufflevector(v[0], v[1], 2, 6, 3, 7);  // v0: l0+l2, v1: l0+l2, …
  const f32x4 h1 = __builtin_shufflevector(v[2], v[3], 0, 4, 1, 5) +
                   __builtin_shufflevector(v[2], v[3], 2, 6, 3, 7);
  return __builtin_shufflevector(h0, h1, 0, 1, 4, 5) + __builtin_shufflevector(h0, h1, 2, 3, 6, 7);
}
#else
// One row: four independent accumulators over its 32-float chunks, added into one vector; its
// horizontal sum (sum8) and the floats past the last whole 8 come after.
inline f32x8 row_partial(const float* row, const float* x, int in) {
  f32x8 a0 = {}, a1 = {}, a2 = {}, a3 = {};
  int i = 0;
  for (; i + 32 <= in; i += 32) {
    a0 += load8(row + i) * load8(x + i);
    a1 += load8(row + i + 8) * load8(x + i + 8);
    a2 += load8(row + i + 16) * load8(x + i + 16);
    a3 += load8(row + i + 24) * load8(x + i + 24);
  }
  for (; i + 8 <= in; i += 8) a0 += load8(row + i) * load8(x + i);
  return (a0 + a1) + (a2 + a3);
}

inline float row_dot(const float* row, const float* x, int in) {
  float sum = sum8(row_partial(row, x, in));
  for (int i = in / 8 * 8; i < in; ++i) sum += row[i] * x[i];
  return sum;
}
#endif

#ifdef __AVX512F__
typedef float f32x16 __attribute__((vector_size(64)));

inline f32x16 load16(const float* p) {
  f32x16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// A row of 16·Chunks floats against x held in registers (Chunks ≤ 16 of AVX-512's 32), so the
// loop loads weights only. Loading x beside each weight made the speed hang on where the caller's
// x and y happen to lie: at gate/up's shape 0.75–0.94 of the streaming bound across placements of
// y against x, and 0.91–0.92 for every placement with x in registers (bench/gemv_pool.h's pairs).
template <int Chunks>
inline f32x8 row_partial_x_held(const float* row, const f32x16 (&x)[Chunks]) {
  f32x16 a[4] = {};
  for (int k = 0; k < Chunks; ++k) a[k % 4] += load16(row + 16 * k) * x[k];
  const f32x16 s = (a[0] + a[1]) + (a[2] + a[3]);
  return __builtin_shufflevector(s, s, 0, 1, 2, 3, 4, 5, 6, 7) +
         __builtin_shufflevector(s, s, 8, 9, 10, 11, 12, 13, 14, 15);
}

template <int Chunks>
void matvec_x_held(const float* x, const float* weight, int out, float* y) {
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
  return {&matvec_x_held<int(C) + 1>...};
}
constexpr auto kHeldKernels = held_kernels(std::make_index_sequence<16>());
#endif

#ifndef __wasm_simd128__
// Room for a copy of x followed by the outputs (see matvec), one per thread.
float* near_copy_room(size_t floats) {
  thread_local AlignedFloats room(0);
  if (room.size() < floats) room = AlignedFloats(floats);
  return room.data();
}
#endif

}  // namespace

#ifdef __wasm_simd128__
// Pairs of rows half the matrix apart share each load of x (two_rows_partial4); four such pairs'
// sums are joined by sum4_each. The rows past the halves go one at a time, and rows with a scalar
// tail take row_dot, whose tail follows its sum. The speed does not hang on where x and y lie
// (0.84–0.87 of the bound at the attention shape for y anywhere from 8 KB before x to 4 KB after
// it), so unlike the native path below this one reads the caller's x in place.
void matvec(const float* x, const float* weight, int out, int in, float* y) {
  int o = 0;
  if (in % 4 == 0) {
    const int half = out / 8 * 4;
    for (; o < half; o += 4) {
      f32x4 first[4], second[4];
      for (int k = 0; k < 4; ++k)
        two_rows_partial4(weight + size_t(o + k) * in, weight + size_t(o + k + half) * in, x, in,
                          first[k], second[k]);
      const f32x4 sums[2] = {sum4_each(first), sum4_each(second)};
      std::memcpy(y + o, &sums[0], sizeof sums[0]);
      std::memcpy(y + o + half, &sums[1], sizeof sums[1]);
    }
    for (o = 2 * half; o + 4 <= out; o += 4) {
      f32x4 partial[4];
      for (int k = 0; k < 4; ++k) partial[k] = row_partial4(weight + size_t(o + k) * in, x, in);
      const f32x4 sums = sum4_each(partial);
      std::memcpy(y + o, &sums, sizeof sums);
    }
  }
  for (; o < out; ++o) y[o] = row_dot(weight + size_t(o) * in, x, in);
}
#else
// Each row is streamed once, in order, and eight rows' horizontal sums are taken together
// (sum8_each): alone, each row ended in a chain of dependent scalar adds. With AVX-512, rows of up
// to 256 floats (the shipped model's width) keep x in registers.
// Where x is read beside the weights, the speed hung on where the caller's y lay: with y starting
// up to 256 bytes after x's end, 0.82–0.95 of the streaming bound; 512 bytes or more away, or
// before x, 0.71–0.83 with AVX2 (bench/gemv_pool.h's pairs; writing no outputs at all was as slow,
// so the stores are not the cost). So larger products read a copy of x with their outputs right
// after it, and copy those out at the end: 0.87–0.95 with AVX2 wherever x and y lie, and the down
// projection with AVX-512 went from 0.85–0.88 to 0.91–0.93. The copies move in + out floats
// beside the in × out read; below 64 a side, the product is too small for them to matter.
void matvec(const float* x, const float* weight, int out, int in, float* y) {
#ifdef __AVX512F__
  if (in > 0 && in % 16 == 0 && in / 16 <= int(kHeldKernels.size()))
    return kHeldKernels[in / 16 - 1](x, weight, out, y);
#endif
  float* const y_out = y;
  if (in >= 64 && out >= 64) {
    float* const room = near_copy_room(size_t(in) + size_t(out));
    std::memcpy(room, x, sizeof(float) * size_t(in));
    x = room, y = room + in;
  }
  int o = 0;
  if (in % 8 == 0) {  // rows with a scalar tail take row_dot, whose tail follows its sum8
    for (; o + 8 <= out; o += 8) {
      f32x8 partial[8];
      for (int k = 0; k < 8; ++k) partial[k] = row_partial(weight + size_t(o + k) * in, x, in);
      store8(y + o, sum8_each(partial));
    }
  }
  for (; o < out; ++o) y[o] = row_dot(weight + size_t(o) * in, x, in);
  if (y != y_out) std::memcpy(y_out, y, sizeof(float) * size_t(out));
}
#endif

void matmul_rows_transposed_reference(const float* x, int rows, const float* weight, int out,
                                      int in, float* y) {
  for (int t = 0; t < rows; ++t) {
    for (int i = 0; i < in; ++i) {
      double sum = 0;
      for (int o = 0; o < out; ++o)
        sum += double(x[size_t(t) * out + o]) * weight[size_t(o) * in + i];
      y[size_t(t) * in + i] = float(sum);
    }
  }
}

#ifdef __wasm_simd128__

namespace {

float horizontal_sum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) +
         wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

// y[o..o+4) for one input row x; `in` is split into a SIMD body and a scalar tail.
void dot4(const float* x, const float* w, int in, float* y) {
  v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0;
  const float *w0 = w, *w1 = w + in, *w2 = w + 2 * in, *w3 = w + 3 * in;
  int i = 0;
  for (; i + 4 <= in; i += 4) {
    const v128_t xv = wasm_v128_load(x + i);
    a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(wasm_v128_load(w0 + i), xv));
    a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(wasm_v128_load(w1 + i), xv));
    a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(wasm_v128_load(w2 + i), xv));
    a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(wasm_v128_load(w3 + i), xv));
  }
  float s0 = horizontal_sum(a0), s1 = horizontal_sum(a1), s2 = horizontal_sum(a2),
        s3 = horizontal_sum(a3);
  for (; i < in; ++i)
    s0 += w0[i] * x[i], s1 += w1[i] * x[i], s2 += w2[i] * x[i], s3 += w3[i] * x[i];
  y[0] = s0, y[1] = s1, y[2] = s2, y[3] = s3;
}

float dot1(const float* x, const float* w, int in) {
  v128_t acc = wasm_f32x4_splat(0);
  int i = 0;
  for (; i + 4 <= in; i += 4)
    acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(w + i), wasm_v128_load(x + i)));
  float s = horizontal_sum(acc);
  for (; i < in; ++i) s += w[i] * x[i];
  return s;
}

// y[0..4) for x0 and y[4..8) for x1 against four rows of W: eight accumulators, so each weight
// load serves two input rows (halving the loads of dot4 where the rows come in pairs).
void dot4x2(const float* x0, const float* x1, const float* w, int in, float* y) {
  v128_t a0 = wasm_f32x4_splat(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
  const float *w0 = w, *w1 = w + in, *w2 = w + 2 * in, *w3 = w + 3 * in;
  int i = 0;
  for (; i + 4 <= in; i += 4) {
    const v128_t u = wasm_v128_load(x0 + i), v = wasm_v128_load(x1 + i);
    const v128_t c0 = wasm_v128_load(w0 + i), c1 = wasm_v128_load(w1 + i);
    const v128_t c2 = wasm_v128_load(w2 + i), c3 = wasm_v128_load(w3 + i);
    a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(c0, u)), b0 = wasm_f32x4_add(b0, wasm_f32x4_mul(c0, v));
    a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(c1, u)), b1 = wasm_f32x4_add(b1, wasm_f32x4_mul(c1, v));
    a2 = wasm_f32x4_add(a2, wasm_f32x4_mul(c2, u)), b2 = wasm_f32x4_add(b2, wasm_f32x4_mul(c2, v));
    a3 = wasm_f32x4_add(a3, wasm_f32x4_mul(c3, u)), b3 = wasm_f32x4_add(b3, wasm_f32x4_mul(c3, v));
  }
  float s[8] = {horizontal_sum(a0), horizontal_sum(a1), horizontal_sum(a2), horizontal_sum(a3),
                horizontal_sum(b0), horizontal_sum(b1), horizontal_sum(b2), horizontal_sum(b3)};
  for (; i < in; ++i)
    for (int k = 0; k < 4; ++k)
      s[k] += w[size_t(k) * in + i] * x0[i], s[4 + k] += w[size_t(k) * in + i] * x1[i];
  for (int k = 0; k < 8; ++k) y[k] = s[k];
}

}  // namespace

void matmul_rows(const float* x, int rows, const float* weight, int out, int in, float* y) {
  if (rows == 1) return matvec(x, weight, out, in, y);
  // Weight rows outermost so each block of W is streamed once for all input rows.
  int o = 0;
  for (; o + 4 <= out; o += 4) {
    const float* w = weight + size_t(o) * in;
    int t = 0;
    for (; t + 2 <= rows; t += 2) {
      float r[8];
      dot4x2(x + size_t(t) * in, x + size_t(t + 1) * in, w, in, r);
      for (int k = 0; k < 4; ++k)
        y[size_t(t) * out + o + k] = r[k], y[size_t(t + 1) * out + o + k] = r[4 + k];
    }
    for (; t < rows; ++t) {
      float r[4];
      dot4(x + size_t(t) * in, w, in, r);
      for (int k = 0; k < 4; ++k) y[size_t(t) * out + o + k] = r[k];
    }
  }
  for (; o < out; ++o)
    for (int t = 0; t < rows; ++t)
      y[size_t(t) * out + o] = dot1(x + size_t(t) * in, weight + size_t(o) * in, in);
}

// Two rows of y and 16 of its columns live in eight registers while every row of W streams past:
// each weight is loaded once per two rows of x.
void matmul_rows_transposed(const float* x, int rows, const float* weight, int out, int in,
                            float* y) {
  const int wide = in / 16 * 16;
  for (int t = 0; t < rows; t += 2) {
    const float* x0 = x + size_t(t) * out;
    const float* x1 = t + 1 < rows ? x0 + out : x0;  // an odd last row is computed twice
    float* y0 = y + size_t(t) * in;
    float* y1 = t + 1 < rows ? y0 + in : y0;
    for (int c = 0; c < wide; c += 16) {
      v128_t a[4], b[4];
      for (int k = 0; k < 4; ++k) a[k] = b[k] = wasm_f32x4_splat(0);
      for (int o = 0; o < out; ++o) {
        const float* w = weight + size_t(o) * in + c;
        const v128_t s0 = wasm_f32x4_splat(x0[o]), s1 = wasm_f32x4_splat(x1[o]);
        for (int k = 0; k < 4; ++k) {
          const v128_t wv = wasm_v128_load(w + 4 * k);
          a[k] = wasm_f32x4_add(a[k], wasm_f32x4_mul(s0, wv));
          b[k] = wasm_f32x4_add(b[k], wasm_f32x4_mul(s1, wv));
        }
      }
      for (int k = 0; k < 4; ++k)
        wasm_v128_store(y0 + c + 4 * k, a[k]), wasm_v128_store(y1 + c + 4 * k, b[k]);
    }
    for (int i = wide; i < in; ++i) {
      float s0 = 0, s1 = 0;
      for (int o = 0; o < out; ++o)
        s0 += x0[o] * weight[size_t(o) * in + i], s1 += x1[o] * weight[size_t(o) * in + i];
      y0[i] = s0, y1[i] = s1;
    }
  }
}

#else

void matmul_rows_transposed(const float* x, int rows, const float* weight, int out, int in,
                            float* y) {
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<RowMajor>(y, rows, in).noalias() =
      Eigen::Map<const RowMajor>(x, rows, out) * Eigen::Map<const RowMajor>(weight, out, in);
}

void matmul_rows(const float* x, int rows, const float* weight, int out, int in, float* y) {
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  if (rows == 1) return matvec(x, weight, out, in, y);
  Eigen::Map<const RowMajor> w(weight, out, in);
  Eigen::Map<const RowMajor> xm(x, rows, in);
  Eigen::Map<RowMajor>(y, rows, out).noalias() = xm * w.transpose();
}

#endif

}  // namespace circulant
