// Dense matmul under WebAssembly's simd128 (see matmul.cc): Eigen 3.4 has no wasm SIMD backend,
// so decode rows (matvec) and products of more rows use explicit 4-wide kernels.
#ifdef __wasm_simd128__

#include <wasm_simd128.h>

#include <cstddef>
#include <cstring>

#include "kernels/matmul.h"
#include "kernels/simd8.h"
#include "util/thread_pool.h"

namespace circulant {
namespace {

// Rows through dot_partial<f32x4>: V8 in Node streams faster through four 4-wide accumulators
// than through four 8-wide ones (eight registers); Chromium runs the two alike (docs/speed.md).
inline float row_dot(const float* row, const float* x, int in) {
  const f32x4 s = dot_partial<f32x4>(row, x, in);
  float sum = (s[0] + s[2]) + (s[1] + s[3]);
  for (int i = in / 4 * 4; i < in; ++i) sum += row[i] * x[i];
  return sum;
}

// Two rows half the matrix apart, each through two accumulators, sharing each load of x: one x
// load serves two weights, where a row alone loads one x per weight. Half the matrix apart because
// neighbouring rows read this way (two streams through one 4 KB page) ran far slower; the pair also
// beat four rows a quarter apart, one accumulator each, at every shape (docs/speed.md).
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

}  // namespace

// Pairs of rows half the matrix apart share each load of x (two_rows_partial4); four such pairs'
// sums are joined by sum4_each. The rows past the halves go one at a time, and rows with a scalar
// tail take row_dot, whose tail follows its sum. The speed does not hang on where x and y lie
// (docs/speed.md), so unlike the native path (matmul_native.cc) this one reads the caller's x in
// place.
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
      for (int k = 0; k < 4; ++k)
        partial[k] = dot_partial<f32x4>(weight + size_t(o + k) * in, x, in);
      const f32x4 sums = sum4_each(partial);
      std::memcpy(y + o, &sums, sizeof sums);
    }
  }
  for (; o < out; ++o) y[o] = row_dot(weight + size_t(o) * in, x, in);
}

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

// The threaded engine (engine-mt) splits a batched product's outputs into fixed ranges, whatever
// the thread count: each output is still summed in one place, in one order, so the bits are the
// same with any number of threads and in the single-threaded engine. Below kMinSplitMultiplyAdds
// a product is one range: a hand-off costs more than the work. 64 outputs keep a range's slice
// of W streaming for all rows (the blocking the kernels below rely on) and give the shipped
// model's smallest products (256 outputs) four ranges.
constexpr int kRangeOutputs = 64;
constexpr double kMinSplitMultiplyAdds = 1 << 20;

template <class Range>
void for_output_ranges(int rows, int outputs, int depth, const Range& range) {
  if (double(rows) * outputs * depth < kMinSplitMultiplyAdds) return range(0, outputs);
  parallel_for_ranges(outputs, kRangeOutputs,
                      [&](int64_t begin, int64_t end) { range(int(begin), int(end)); });
}

// Outputs [o_begin, o_end) of matmul_rows; o_begin is a multiple of 4 (a range's start), so the
// fours of outputs are those of the whole product.
void rows_range(const float* x, int rows, const float* weight, int out, int in, float* y,
                int o_begin, int o_end) {
  // Weight rows outermost so each block of W is streamed once for all input rows.
  int o = o_begin;
  for (; o + 4 <= o_end; o += 4) {
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
  for (; o < o_end; ++o)
    for (int t = 0; t < rows; ++t)
      y[size_t(t) * out + o] = dot1(x + size_t(t) * in, weight + size_t(o) * in, in);
}

}  // namespace

void matmul_rows(const float* x, int rows, const float* weight, int out, int in, float* y) {
  if (rows == 1) return matvec(x, weight, out, in, y);
  for_output_ranges(rows, out, in, [=](int o_begin, int o_end) {
    rows_range(x, rows, weight, out, in, y, o_begin, o_end);
  });
}

namespace {

// Two rows of y and 16 of its columns live in eight registers while every row of W streams past:
// each weight is loaded once per two rows of x. Columns [c_begin, c_end) only; c_begin is a
// multiple of 16, so the sixteens are the whole product's.
void transposed_range(const float* x, int rows, const float* weight, int out, int in, float* y,
                      int c_begin, int c_end) {
  const int wide = c_begin + (c_end - c_begin) / 16 * 16;
  for (int t = 0; t < rows; t += 2) {
    const float* x0 = x + size_t(t) * out;
    const float* x1 = t + 1 < rows ? x0 + out : x0;  // an odd last row is computed twice
    float* y0 = y + size_t(t) * in;
    float* y1 = t + 1 < rows ? y0 + in : y0;
    for (int c = c_begin; c < wide; c += 16) {
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
    for (int i = wide; i < c_end; ++i) {
      float s0 = 0, s1 = 0;
      for (int o = 0; o < out; ++o)
        s0 += x0[o] * weight[size_t(o) * in + i], s1 += x1[o] * weight[size_t(o) * in + i];
      y0[i] = s0, y1[i] = s1;
    }
  }
}

}  // namespace

void matmul_rows_transposed(const float* x, int rows, const float* weight, int out, int in,
                            float* y) {
  for_output_ranges(rows, in, out, [=](int c_begin, int c_end) {
    transposed_range(x, rows, weight, out, in, y, c_begin, c_end);
  });
}

size_t matvec_scratch_floats(int, int) { return 0; }

size_t matvec_scratch_held() { return 0; }

}  // namespace circulant

#endif  // __wasm_simd128__
