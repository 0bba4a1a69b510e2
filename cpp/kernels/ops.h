// The small blocks of the transformer, each over `rows` rows at once (llama2.c's conventions).
#pragma once

namespace circulant {

// out (rows, size) = x / sqrt(mean(x²) + 1e-5) * gain (size)
void rmsnorm_rows(const float* x, const float* gain, int rows, int size, float* out);

// Σ a[i]·b[i] with eight independent partial sums, so it vectorises without -ffast-math.
float dot(const float* a, const float* b, int n);

// In place, numerically stable (subtracts the max).
void softmax(float* x, int size);

// Rotary embedding on interleaved pairs (2i, 2i+1) of each head, row t at position first_pos + t.
// vec (rows, n_heads · head_size).
void rope_rows(float* vec, int rows, int first_pos, int n_heads, int head_size);

// SwiGLU gate: gate (n) ← silu(gate) ⊙ up
void swiglu(float* gate, const float* up, int n);

// x (n) += delta (n)
void add_in_place(float* x, const float* delta, int n);

}  // namespace circulant
