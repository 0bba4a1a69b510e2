// Dense matmul for every target but WebAssembly's simd128 (see matmul.cc): one row (decode) through
// matvec over generic 8-float vectors (or matmul_avx512.cc's, where it serves), more rows through
// Eigen's GEMM.
#ifndef __wasm_simd128__

#include <Eigen/Core>
#include <cstddef>
#include <cstring>

#include "kernels/aligned_floats.h"
#include "kernels/matmul.h"
#include "kernels/matmul_avx512.h"
#include "kernels/simd8.h"

namespace circulant {
namespace {

inline float row_dot(const float* row, const float* x, int in) {
  float sum = sum8(dot_partial<f32x8>(row, x, in));
  for (int i = in / 8 * 8; i < in; ++i) sum += row[i] * x[i];
  return sum;
}

// Room for a copy of x followed by the outputs (see matvec), one per thread.
float* near_copy_room(size_t floats) {
  thread_local AlignedFloats room(0);
  if (room.size() < floats) room = AlignedFloats(floats);
  return room.data();
}

}  // namespace

// Each row is streamed once, in order, and eight rows' horizontal sums are taken together
// (sum8_each): alone, each row ended in a chain of dependent scalar adds. With AVX-512, rows of up
// to 256 floats (the shipped model's width) keep x in registers.
// Where x is read beside the weights, the speed hung on where the caller's y lay, slow unless y
// began just after x's end (not the stores' cost: writing no outputs at all was as slow). So larger
// products read a copy of x with their outputs right after it, and copy those out at the end,
// which runs as fast wherever x and y lie (docs/speed.md). The copies move in + out floats beside
// the in × out read; below 64 a side, the product is too small for them to matter.
void matvec(const float* x, const float* weight, int out, int in, float* y) {
#ifdef __AVX512F__
  if (matvec_x_held(x, weight, out, in, y)) return;
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
      for (int k = 0; k < 8; ++k)
        partial[k] = dot_partial<f32x8>(weight + size_t(o + k) * in, x, in);
      store8(y + o, sum8_each(partial));
    }
  }
  for (; o < out; ++o) y[o] = row_dot(weight + size_t(o) * in, x, in);
  if (y != y_out) std::memcpy(y_out, y, sizeof(float) * size_t(out));
}

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

}  // namespace circulant

#endif  // !__wasm_simd128__
