// Dense products of the model: y (rows, out) = x (rows, in) · Wᵀ with W (out, in) row-major.
#pragma once

#include <cstddef>

namespace circulant {

// The production path: for one row (decode) matvec; for more, Eigen's GEMM natively and an
// explicit simd128 kernel under WebAssembly.
void matmul_rows(const float* x, int rows, const float* weight, int out, int in, float* y);

// y (out) = W (out, in) · x (in), the decode step: bound by reading W, so each row is streamed
// once, in order, into independent vector accumulators (in simd128, two rows half the matrix
// apart at a time, sharing each load of x).
void matvec(const float* x, const float* weight, int out, int in, float* y);

// Floats a thread keeps after a matvec of this shape (natively, a copy of x then y on a cache
// line; none in WebAssembly). Kept for the thread's life and grown to its largest shape, so
// --max-memory counts it (model/checkpoint.h, model_thread_scratch_bytes).
size_t matvec_scratch_floats(int out, int in);
// Floats the calling thread's matvec scratch holds now: the tests check the bound against it.
size_t matvec_scratch_held();

// y (rows, in) = x (rows, out) · W with W (out, in) row-major: the backward pass of matmul_rows
// (distillation). Eigen natively; simd128 under WebAssembly.
void matmul_rows_transposed(const float* x, int rows, const float* weight, int out, int in,
                            float* y);

// Plain loops, the references the fast paths are tested against.
void matmul_rows_transposed_reference(const float* x, int rows, const float* weight, int out,
                                      int in, float* y);
void matmul_rows_reference(const float* x, int rows, const float* weight, int out, int in,
                           float* y);

}  // namespace circulant
