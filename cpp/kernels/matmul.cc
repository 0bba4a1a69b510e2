// Dense matmul kernels: the plain references here, the fast paths one file per target. The target
// chooses at compile time: matmul_native.cc (every build but WebAssembly: matvec over generic
// 8-float vectors, Eigen's GEMM for more rows), with matmul_avx512.cc's matvec where AVX-512 is
// on; matmul_wasm.cc under WebAssembly's simd128 (Eigen 3.4 has no wasm SIMD backend).
#include "kernels/matmul.h"

#include <cstddef>

namespace circulant {

namespace {

// y (rows, outputs) = x (rows, inputs) · M, summed in float64, where M's entry for input b and
// output a is weight[a·a_stride + b·b_stride]: Wᵀ for one reference, W for the other.
void reference_product(const float* x, int rows, int inputs, int outputs, const float* weight,
                       size_t a_stride, size_t b_stride, float* y) {
  for (int t = 0; t < rows; ++t) {
    for (int a = 0; a < outputs; ++a) {
      double sum = 0;
      for (int b = 0; b < inputs; ++b)
        sum += double(weight[a * a_stride + b * b_stride]) * x[size_t(t) * inputs + b];
      y[size_t(t) * outputs + a] = float(sum);
    }
  }
}

}  // namespace

void matmul_rows_reference(const float* x, int rows, const float* weight, int out, int in,
                           float* y) {
  reference_product(x, rows, in, out, weight, size_t(in), 1, y);
}

void matmul_rows_transposed_reference(const float* x, int rows, const float* weight, int out,
                                      int in, float* y) {
  reference_product(x, rows, out, in, weight, 1, size_t(in), y);
}

}  // namespace circulant
