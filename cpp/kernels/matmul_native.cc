// Dense matmul for every target but WebAssembly's simd128 (see matmul.cc): one row (decode) through
// matvec over generic 8-float vectors (or matmul_avx512.cc's, where it serves), more rows through
// Eigen's GEMM.
#ifndef __wasm_simd128__

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <cstring>

#include "kernels/aligned_floats.h"
#include "kernels/matmul.h"
#include "kernels/matmul_avx512.h"
#include "kernels/simd8.h"
#include "util/thread_pool.h"

namespace circulant {
namespace {

inline float row_dot(const float* row, const float* x, int in) {
  float sum = sum8(dot_partial<f32x8>(row, x, in));
  for (int i = in / 8 * 8; i < in; ++i) sum += row[i] * x[i];
  return sum;
}

// Products narrower than this on either side read x and write y where they are (see matvec).
constexpr int kMinCopiedSide = 64;

// Room for a copy of x followed by the outputs (see matvec), one per thread.
AlignedFloats& near_copy() {
  thread_local AlignedFloats room(0);
  return room;
}

float* near_copy_room(size_t floats) {
  AlignedFloats& room = near_copy();
  if (room.size() < floats) room = AlignedFloats(floats);
  return room.data();
}

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using View = Eigen::Map<RowMajor, 0, Eigen::OuterStride<>>;
using ConstView = Eigen::Map<const RowMajor, 0, Eigen::OuterStride<>>;

View view(float* data, int rows, int cols, int stride) {
  return View(data, rows, cols, Eigen::OuterStride<>(stride));
}
ConstView view(const float* data, int rows, int cols, int stride) {
  return ConstView(data, rows, cols, Eigen::OuterStride<>(stride));
}

// A batched product is cut into tiles of y that Eigen computes bit for bit as it computes the
// whole product, so that the result is the same with any number of threads, and the same as one
// Eigen call. Eigen's kernel sums each output in an order set by the register panel its row of
// the packed matrix falls in (panels of 8, 16, 24 or 48 outputs in float): tiles 48 outputs wide
// start on a panel's first output, where the whole product's panels start. A tile of one row
// would take Eigen's matrix-vector path, which sums in another order, so a last row joins the
// tile before it. Checked over the model's shapes, 2 to 1,000 rows (test_threads.cc); tiles
// 8, 16, 32, 64 or 128 outputs wide changed the last bits of some outputs. Each tile packs its
// slice of W again, so tiles are tall: with 32 rows a 64-token prefill on one thread ran 10–20 %
// slower than one Eigen call; with 256 it runs as fast.
constexpr int kTileColumns = 48, kTileRows = 256;
// Below this many multiply-adds a product is one Eigen call: a hand-off to the pool costs a few
// microseconds, and a tile this small takes about as long.
constexpr double kMinTiledMultiplyAdds = 1 << 20;

// tile(r0, r1, c0, c1) for tiles of y (rows, cols) covering it once; `depth` is the length of
// each output's sum.
template <class Tile>
void for_tiles(int rows, int cols, int depth, const Tile& tile) {
  if (rows < 2 || double(rows) * cols * depth < kMinTiledMultiplyAdds)
    return tile(0, rows, 0, cols);
  const int row_tiles = std::max(1, rows / kTileRows + (rows % kTileRows > 1 ? 1 : 0));
  const int col_tiles = (cols + kTileColumns - 1) / kTileColumns;
  parallel_for(int64_t(row_tiles) * col_tiles, [&](int64_t t) {
    const int r = int(t / col_tiles), c = int(t % col_tiles);
    const int r0 = r * kTileRows, r1 = r + 1 == row_tiles ? rows : r0 + kTileRows;
    const int c0 = c * kTileColumns, c1 = std::min(cols, c0 + kTileColumns);
    tile(r0, r1, c0, c1);
  });
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
  if (in >= kMinCopiedSide && out >= kMinCopiedSide) {
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

size_t matvec_scratch_floats(int out, int in) {
  if (in < kMinCopiedSide || out < kMinCopiedSide) return 0;
  return AlignedFloats(0).allocated() + size_t(in) + size_t(out);
}

size_t matvec_scratch_held() { return near_copy().allocated(); }

void matmul_rows_transposed(const float* x, int rows, const float* weight, int out, int in,
                            float* y) {
  // y's columns are W's: a tile reads a slice of W's columns and x's rows.
  for_tiles(rows, in, out, [=](int r0, int r1, int c0, int c1) {
    view(y + size_t(r0) * in + c0, r1 - r0, c1 - c0, in).noalias() =
        view(x + size_t(r0) * out, r1 - r0, out, out) * view(weight + c0, out, c1 - c0, in);
  });
}

void matmul_rows(const float* x, int rows, const float* weight, int out, int in, float* y) {
  if (rows == 1) return matvec(x, weight, out, in, y);
  // y's columns are W's rows: a tile reads a slice of W's rows and x's rows.
  for_tiles(rows, out, in, [=](int r0, int r1, int c0, int c1) {
    view(y + size_t(r0) * out + c0, r1 - r0, c1 - c0, out).noalias() =
        view(x + size_t(r0) * in, r1 - r0, in, in) *
        view(weight + size_t(c0) * in, c1 - c0, in, in).transpose();
  });
}

}  // namespace circulant

#endif  // !__wasm_simd128__
