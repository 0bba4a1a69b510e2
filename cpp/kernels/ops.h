// The small blocks of the transformer, each over `rows` rows at once (llama2.c's conventions).
#pragma once

#include <cmath>
#include <cstddef>

#include "kernels/simd8.h"

namespace circulant {

// out (rows, size) = x / sqrt(mean(x²) + epsilon) * gain (size); llama2.c's epsilon is 1e-5.
void rmsnorm_rows(const float* x, const float* gain, int rows, int size, float epsilon, float* out);

// Σ a[i]·b[i] with eight independent partial sums (one vector), summed in a fixed order. Inline:
// attention calls it once per (query, key, head) on vectors of a head's size.
inline float dot(const float* a, const float* b, int n) {
  f32x8 acc = {};
  int i = 0;
  for (; i + 8 <= n; i += 8) acc += load8(a + i) * load8(b + i);
  float sum = sum8(acc);
  for (; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

// scores[s] = dot(q, keys + s·stride, size) / divisor for s < n, each key's adds in dot()'s
// order, but eight keys side by side: one dot's chain of dependent adds left the core waiting,
// and attention took a quarter of a decode step at 128 positions.
void attention_scores(const float* q, const float* keys, size_t stride, int n, int size,
                      float divisor, float* scores);

// out (size) = Σ_s weights[s] · values[s·stride …], summed in order of s from zero (as a plain
// loop would), with up to 64 of out's floats held in registers across all n rows.
void weighted_rows_sum(const float* weights, int n, const float* values, size_t stride, int size,
                       float* out);

// In place, numerically stable (subtracts the max); exp within 3e-7 relative (kernels/simd8.h).
void softmax(float* x, int size);

// cos and sin of the rotary angle pos · theta^(−2i / head_size) of every pair i < head_size / 2
// of a head at positions first_pos … first_pos + rows - 1: cos_out and sin_out (rows,
// head_size / 2). Once a forward pass, for every layer's queries and keys (the libm calls cost
// about 5 % of a decode step when made per layer). llama2.c's theta is 10000.
void rope_angles(int rows, int first_pos, int head_size, float theta, float* cos_out,
                 float* sin_out);

// Rotary embedding of each head, row t with angles row t of rope_angles; vec (rows, n_heads ·
// head_size). Pair i is (2i, 2i+1) in rope_adjacent_pairs (llama2.c; llama.cpp's "norm" rope)
// and (i, i + head_size / 2) in rope_halves (llama.cpp's "neox" rope, qwen2's): two functions,
// so that the caller chooses once a pass and the loops stay free of the choice.
void rope_adjacent_pairs(float* vec, int rows, const float* cos, const float* sin, int n_heads,
                         int head_size);
void rope_halves(float* vec, int rows, const float* cos, const float* sin, int n_heads,
                 int head_size);

// x (rows, size) += bias (size) on every row
void add_bias_rows(float* x, const float* bias, int rows, int size);

// SwiGLU gate: gate (n) ← silu(gate) ⊙ up
void swiglu(float* gate, const float* up, int n);

// x (n) += delta (n)
void add_in_place(float* x, const float* delta, int n);

// log Σ exp(z[i]), stable (the maximum subtracted first), summed in double: the one log-sum-exp
// of the engine (metrics, perplexity, the page's probabilities, distillation targets).
template <class T>
double log_sum_exp(const T* z, int n) {
  double max = double(z[0]);
  for (int i = 1; i < n; ++i) max = double(z[i]) > max ? double(z[i]) : max;
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += std::exp(double(z[i]) - max);
  return max + std::log(sum);
}

// Σ x[i] read once, in order, into four vector accumulators (8-wide natively, 4-wide in
// WebAssembly): the fastest way we found to stream n floats on each, so the bound a memory-bound
// kernel is measured against.
float stream_sum(const float* x, size_t n);

}  // namespace circulant
