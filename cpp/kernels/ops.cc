// Small transformer blocks. Written as plain loops the compiler vectorises; none is hot next to
// the matrix products.
#include "kernels/ops.h"

#include <algorithm>
#include <cmath>

namespace circulant {

void rmsnorm_rows(const float* x, const float* gain, int rows, int size, float* out) {
  for (int t = 0; t < rows; ++t) {
    const float* xr = x + size_t(t) * size;
    float* o = out + size_t(t) * size;
    const float ss = dot(xr, xr, size);
    const float scale = 1.0f / std::sqrt(ss / size + 1e-5f);
    for (int i = 0; i < size; ++i) o[i] = gain[i] * (scale * xr[i]);
  }
}

float dot(const float* a, const float* b, int n) {
  float partial[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) partial[k] += a[i + k] * b[i + k];
  float sum = ((partial[0] + partial[4]) + (partial[1] + partial[5])) + ((partial[2] + partial[6]) + (partial[3] + partial[7]));
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

void softmax(float* x, int size) {
  const float max_val = *std::max_element(x, x + size);
  float sum = 0.0f;
  for (int i = 0; i < size; ++i) {
    x[i] = std::exp(x[i] - max_val);
    sum += x[i];
  }
  for (int i = 0; i < size; ++i) x[i] /= sum;
}

void rope_rows(float* vec, int rows, int first_pos, int n_heads, int head_size) {
  for (int t = 0; t < rows; ++t) {
    const float pos = float(first_pos + t);
    float* row = vec + size_t(t) * n_heads * head_size;
    for (int i = 0; i < head_size; i += 2) {
      // Same float arithmetic as llama2.c so greedy text matches it byte for byte.
      const float freq = 1.0f / std::pow(10000.0f, i / float(head_size));
      const float angle = pos * freq;
      const float c = std::cos(angle), s = std::sin(angle);
      for (int h = 0; h < n_heads; ++h) {
        float* v = row + h * head_size + i;
        const float v0 = v[0], v1 = v[1];
        v[0] = v0 * c - v1 * s;
        v[1] = v0 * s + v1 * c;
      }
    }
  }
}

void swiglu(float* gate, const float* up, int n) {
  for (int i = 0; i < n; ++i) gate[i] = gate[i] * (1.0f / (1.0f + std::exp(-gate[i]))) * up[i];
}

void add_in_place(float* x, const float* delta, int n) {
  for (int i = 0; i < n; ++i) x[i] += delta[i];
}

}  // namespace circulant
