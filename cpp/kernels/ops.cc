// Small transformer blocks on 8-wide vectors (kernels/simd8.h): decode of a small model spends a
// third of its time in attention's dot products and softmax, so these matter there. Sums keep a
// fixed lane order (no -ffast-math); exp is the polynomial of simd8.h.
#include "kernels/ops.h"

#include <algorithm>
#include <cmath>

namespace circulant {

void rmsnorm_rows(const float* x, const float* gain, int rows, int size, float epsilon,
                  float* out) {
  for (int t = 0; t < rows; ++t) {
    const float* xr = x + size_t(t) * size;
    float* o = out + size_t(t) * size;
    const float ss = dot(xr, xr, size);
    const float scale = 1.0f / std::sqrt(ss / size + epsilon);
    for (int i = 0; i < size; ++i) o[i] = gain[i] * (scale * xr[i]);
  }
}

void softmax(float* x, int size) {
  // The maximum in vectors: std::max_element's scalar loop took two thirds of softmax's time in
  // WebAssembly.
  float max_val = x[0];
  int m = 0;
  if (size >= 8) {
    f32x8 most = load8(x);
    for (m = 8; m + 8 <= size; m += 8) most = max8(most, load8(x + m));
    for (int k = 0; k < 8; ++k) max_val = std::max(max_val, most[k]);
  }
  for (; m < size; ++m) max_val = std::max(max_val, x[m]);
  const f32x8 max8v = splat8(max_val);
  f32x8 acc = {};
  int i = 0;
  for (; i + 8 <= size; i += 8) {
    const f32x8 e = exp8(load8(x + i) - max8v);
    store8(x + i, e);
    acc += e;
  }
  float sum = sum8(acc);
  for (; i < size; ++i) sum += (x[i] = std::exp(x[i] - max_val));
  const float inv = 1.0f / sum;
  for (int k = 0; k < size; ++k) x[k] *= inv;
}

namespace {

// acc[j] += q · key j over the 8-float chunks below `wide`, for four keys from keys[0].
inline void four_key_chunks(const float* q, const float* const* keys, int wide, f32x8* acc) {
  for (int i = 0; i < wide; i += 8) {
    const f32x8 qv = load8(q + i);
    acc[0] += qv * load8(keys[0] + i), acc[1] += qv * load8(keys[1] + i);
    acc[2] += qv * load8(keys[2] + i), acc[3] += qv * load8(keys[3] + i);
  }
}

}  // namespace

void attention_scores(const float* q, const float* keys, size_t stride, int n, int size,
                      float divisor, float* scores) {
  const int wide = size / 8 * 8;
  int s = 0;
  // Eight keys: two passes of four (four accumulators and a query chunk fit the 16 vector registers
  // of x86 even as WebAssembly's pairs of halves), then one joint reduction.
  for (; s + 8 <= n; s += 8) {
    const float* k[8];
    for (int j = 0; j < 8; ++j) k[j] = keys + (s + j) * stride;
    f32x8 acc[8] = {};
    four_key_chunks(q, k, wide, acc);
    four_key_chunks(q, k + 4, wide, acc + 4);
    const f32x8 sums = sum8_each(acc);
    for (int j = 0; j < 8; ++j) {
      float sum = sums[j];
      for (int i = wide; i < size; ++i) sum += q[i] * k[j][i];
      scores[s + j] = sum / divisor;
    }
  }
  for (; s + 4 <= n; s += 4) {
    const float* k[4] = {keys + s * stride, keys + (s + 1) * stride, keys + (s + 2) * stride,
                         keys + (s + 3) * stride};
    f32x8 acc[4] = {};
    four_key_chunks(q, k, wide, acc);
    for (int j = 0; j < 4; ++j) {
      float sum = sum8(acc[j]);
      for (int i = wide; i < size; ++i) sum += q[i] * k[j][i];
      scores[s + j] = sum / divisor;
    }
  }
  for (; s < n; ++s) scores[s] = dot(q, keys + s * stride, size) / divisor;
}

void weighted_rows_sum(const float* weights, int n, const float* values, size_t stride, int size,
                       float* out) {
  // Columns in blocks whose accumulators fit the 16 vector registers of x86: eight 8-wide natively,
  // four in WebAssembly, where each is two registers (eight spilled: half the speed).
#ifdef __wasm_simd128__
  constexpr int kBlock = 4;
#else
  constexpr int kBlock = 8;
#endif
  int c = 0;
  for (; c + 8 * kBlock <= size; c += 8 * kBlock) {
    f32x8 acc[kBlock] = {};
    for (int s = 0; s < n; ++s) {
      const f32x8 w = splat8(weights[s]);
      const float* v = values + s * stride + c;
      for (int k = 0; k < kBlock; ++k) acc[k] += w * load8(v + 8 * k);
    }
    for (int k = 0; k < kBlock; ++k) store8(out + c + 8 * k, acc[k]);
  }
  for (; c + 8 <= size; c += 8) {
    f32x8 acc = {};
    for (int s = 0; s < n; ++s) acc += splat8(weights[s]) * load8(values + s * stride + c);
    store8(out + c, acc);
  }
  for (; c < size; ++c) {
    float acc = 0;
    for (int s = 0; s < n; ++s) acc += weights[s] * values[s * stride + c];
    out[c] = acc;
  }
}

void rope_angles(int rows, int first_pos, int head_size, float theta, float* cos_out,
                 float* sin_out) {
  const int pairs = head_size / 2;
  for (int t = 0; t < rows; ++t) {
    const float pos = float(first_pos + t);
    for (int i = 0; i < head_size; i += 2) {
      // Same float arithmetic as llama2.c so greedy text matches it byte for byte.
      const float freq = 1.0f / std::pow(theta, i / float(head_size));
      const float angle = pos * freq;
      cos_out[size_t(t) * pairs + i / 2] = std::cos(angle);
      sin_out[size_t(t) * pairs + i / 2] = std::sin(angle);
    }
  }
}

void rope_adjacent_pairs(float* vec, int rows, const float* cos, const float* sin, int n_heads,
                         int head_size) {
  const int pairs = head_size / 2;
  for (int t = 0; t < rows; ++t) {
    float* row = vec + size_t(t) * n_heads * head_size;
    for (int h = 0; h < n_heads; ++h) {
      float* v = row + h * head_size;
      for (int p = 0; p < pairs; ++p) {
        const float c = cos[size_t(t) * pairs + p], s = sin[size_t(t) * pairs + p];
        const float v0 = v[2 * p], v1 = v[2 * p + 1];
        v[2 * p] = v0 * c - v1 * s;
        v[2 * p + 1] = v0 * s + v1 * c;
      }
    }
  }
}

void rope_halves(float* vec, int rows, const float* cos, const float* sin, int n_heads,
                 int head_size) {
  const int pairs = head_size / 2;
  for (int t = 0; t < rows; ++t) {
    float* row = vec + size_t(t) * n_heads * head_size;
    const float *c = cos + size_t(t) * pairs, *s = sin + size_t(t) * pairs;
    for (int h = 0; h < n_heads; ++h) {
      float *v0 = row + h * head_size, *v1 = v0 + pairs;
      for (int p = 0; p < pairs; ++p) {
        const float a = v0[p], b = v1[p];
        v0[p] = a * c[p] - b * s[p];
        v1[p] = a * s[p] + b * c[p];
      }
    }
  }
}

void add_bias_rows(float* x, const float* bias, int rows, int size) {
  for (int t = 0; t < rows; ++t) add_in_place(x + size_t(t) * size, bias, size);
}

void swiglu(float* gate, const float* up, int n) {
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    const f32x8 g = load8(gate + i);
    store8(gate + i, g / (splat8(1.0f) + exp8(-g)) * load8(up + i));
  }
  for (; i < n; ++i) gate[i] = gate[i] * (1.0f / (1.0f + std::exp(-gate[i]))) * up[i];
}

void add_in_place(float* x, const float* delta, int n) {
  for (int i = 0; i < n; ++i) x[i] += delta[i];
}

float stream_sum(const float* x, size_t n) {
#ifdef __wasm_simd128__
  // Four 4-wide accumulators: under Node 20 the 8-wide form below reads at 0.73–0.79 of this
  // speed (pairs of passes over 19 MB), so it would understate the bound; Chromium 156 reads
  // at the same speed either way.
  f32x4 a0 = {}, a1 = {}, a2 = {}, a3 = {};
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 += load4(x + i), a1 += load4(x + i + 4), a2 += load4(x + i + 8), a3 += load4(x + i + 12);
  }
  const f32x4 s = (a0 + a1) + (a2 + a3);
  float sum = (s[0] + s[2]) + (s[1] + s[3]);
#else
  f32x8 a0 = {}, a1 = {}, a2 = {}, a3 = {};
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    a0 += load8(x + i), a1 += load8(x + i + 8), a2 += load8(x + i + 16), a3 += load8(x + i + 24);
  }
  float sum = sum8((a0 + a1) + (a2 + a3));
#endif
  for (; i < n; ++i) sum += x[i];
  return sum;
}

}  // namespace circulant
