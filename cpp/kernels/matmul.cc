// Dense matmul kernels: the plain references here, the fast paths one file per target. The target
// chooses at compile time: matmul_native.cc (every build but WebAssembly: matvec over generic
// 8-float vectors, Eigen's GEMM for more rows), with matmul_avx512.cc's matvec where AVX-512 is
// on; matmul_wasm.cc under WebAssembly's simd128 (Eigen 3.4 has no wasm SIMD backend).
#include "kernels/matmul.h"

#include <cstddef>

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

}  // namespace circulant
