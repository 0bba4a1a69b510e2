// Block moves and per-frequency complex products of the block-circulant layer.
// Products run on 8-lane GCC/Clang generic vectors (AVX natively, 2×simd128 in wasm) and sum
// over the q input blocks inside registers, lanes being independent outputs: nothing is
// reassociated across lanes, so no -ffast-math is needed to vectorise.
#include "kernels/circulant_product.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "kernels/simd8.h"

namespace circulant {

namespace {

// In-register 8×8 transpose: unpack pairs, then pairs of pairs, then halves (the AVX recipe,
// written with generic shuffles so wasm gets simd128 shuffles). rows[r][c] → rows[c][r].
void transpose8x8(f32x8 rows[8]) {
  f32x8 t[8], u[8];
  for (int r = 0; r < 8; r += 2) {
    t[r] = __builtin_shufflevector(rows[r], rows[r + 1], 0, 8, 1, 9, 4, 12, 5, 13);
    t[r + 1] = __builtin_shufflevector(rows[r], rows[r + 1], 2, 10, 3, 11, 6, 14, 7, 15);
  }
  for (int r = 0; r < 8; r += 4) {
    u[r] = __builtin_shufflevector(t[r], t[r + 2], 0, 1, 8, 9, 4, 5, 12, 13);
    u[r + 1] = __builtin_shufflevector(t[r], t[r + 2], 2, 3, 10, 11, 6, 7, 14, 15);
    u[r + 2] = __builtin_shufflevector(t[r + 1], t[r + 3], 0, 1, 8, 9, 4, 5, 12, 13);
    u[r + 3] = __builtin_shufflevector(t[r + 1], t[r + 3], 2, 3, 10, 11, 6, 7, 14, 15);
  }
  for (int c = 0; c < 4; ++c) {
    rows[c] = __builtin_shufflevector(u[c], u[c + 4], 0, 1, 2, 3, 8, 9, 10, 11);
    rows[c + 4] = __builtin_shufflevector(u[c], u[c + 4], 4, 5, 6, 7, 12, 13, 14, 15);
  }
}

// dst[c·dst_stride + r] = src[r·src_stride + c] for r < rows, c < cols, in 8×8 tiles so both
// sides move whole 32-byte runs (element-wise, the strided side walks one cache line per
// element and 1 KiB strides alias in L1: that alone took 60 % of a prefill forward).
// Destination rows are finished one band at a time, so no half-written line is evicted.
// dst_room ≥ rows: destination columns that may be written; a tile short of rows whose 8
// columns fit in the room is padded with zero rows and stored whole (the decode case, q < 8).
void transpose(const float* src, int src_stride, int rows, int cols, float* dst, int dst_stride,
               int dst_room) {
  for (int c0 = 0; c0 < cols; c0 += 8) {
    for (int r0 = 0; r0 < rows; r0 += 8) {
      const float* s = src + size_t(r0) * src_stride + c0;
      float* d = dst + size_t(c0) * dst_stride + r0;
      const int rn = std::min(8, rows - r0), cn = std::min(8, cols - c0);
      if (cn == 8 && (rn == 8 || r0 + 8 <= dst_room)) {
        f32x8 tile[8];
        for (int r = 0; r < 8; ++r) tile[r] = r < rn ? load8(s + size_t(r) * src_stride) : f32x8{};
        transpose8x8(tile);
        for (int c = 0; c < 8; ++c) store8(d + size_t(c) * dst_stride, tile[c]);
      } else {
        for (int c = 0; c < cn; ++c)
          for (int r = 0; r < rn; ++r)
            d[size_t(c) * dst_stride + r] = s[size_t(r) * src_stride + c];
      }
    }
  }
}

// Zeroes the 8-lane blocks that hold lanes [used, lanes) in every row. Runs before the blocks
// are written, so the whole blocks can be stored (no masks, no memset call per row); the
// used lanes among them are overwritten afterwards.
void zero_tail_lanes(float* slab, int rows, int used, int lanes) {
  for (int r = 0; r < rows; ++r)
    for (int l0 = used / 8 * 8; l0 < lanes; l0 += 8) store8(slab + size_t(r) * lanes + l0, f32x8{});
}

}  // namespace

void gather_blocks(const float* x, int rows, int n, int block, int blocks, LaneLayout layout,
                   float* slab, int lanes) {
  zero_tail_lanes(slab, block, rows * blocks, lanes);
  const int valid_last = n - (blocks - 1) * block;  // samples of the last block inside n
  if (layout.row_stride == 1) {  // block-major: block j of all rows is a (rows × B) tile
    for (int j = 0; j < blocks; ++j) {
      const int valid = j + 1 < blocks ? block : valid_last;
      float* dst = slab + size_t(j) * layout.block_stride;
      transpose(x + size_t(j) * block, n, rows, valid, dst, lanes, rows);
      for (int s = valid; s < block; ++s)
        for (int t = 0; t < rows; ++t) dst[size_t(s) * lanes + t] = 0.f;
    }
    return;
  }
  const int whole = valid_last == block ? blocks : blocks - 1;  // blocks with no padding
  for (int t = 0; t < rows; ++t) {  // row-major: the blocks of row t are a (blocks × B) tile
    float* dst = slab + size_t(t) * layout.row_stride;
    // room: this row's lanes, the later rows' (written after this one) and the zeroed tail
    transpose(x + size_t(t) * n, block, whole, block, dst, lanes, lanes - t * layout.row_stride);
    if (whole == blocks) continue;
    const float* last = x + size_t(t) * n + size_t(whole) * block;
    for (int s = 0; s < block; ++s) dst[size_t(s) * lanes + whole] = s < valid_last ? last[s] : 0.f;
  }
}

void scatter_blocks(const float* slab, int lanes, LaneLayout layout, int rows, int m, int block,
                    int blocks, float* y) {
  const int valid_last = m - (blocks - 1) * block;  // output rows of the last block inside m
  if (layout.row_stride == 1) {
    for (int i = 0; i < blocks; ++i) {
      const int valid = i + 1 < blocks ? block : valid_last;
      transpose(slab + size_t(i) * layout.block_stride, lanes, valid, rows, y + size_t(i) * block,
                m, valid);
    }
    return;
  }
  const int whole = valid_last == block ? blocks : blocks - 1;
  for (int t = 0; t < rows; ++t) {
    const float* src = slab + size_t(t) * layout.row_stride;
    transpose(src, lanes, block, whole, y + size_t(t) * m, block, block);
    if (whole == blocks) continue;
    float* last = y + size_t(t) * m + size_t(whole) * block;
    for (int s = 0; s < valid_last; ++s) last[s] = src[size_t(s) * lanes + whole];
  }
}

namespace {

// The per-output kernels below are forced inline into their loops: as calls, GCC zeroed and
// spilled the accumulator arrays through the stack on every entry, which cost more than the
// q-long sum itself (measured: block-major product 34 % → 22 % of a 64-row forward).
#define CIRCULANT_INLINE inline __attribute__((always_inline))

inline f32x8 splat(float v) { return f32x8{v, v, v, v, v, v, v, v}; }

// Each complex multiply-accumulate is four real FMA chains per output,
// re = Σ xr·cr − Σ xi·ci and im = Σ xr·ci + Σ xi·cr, so no chain waits on another.

// Row-major: outputs i..i+8 of one row for bins k0..k0+kBins. x points at the row's q inputs
// in bin k0, w at (bin k0, j = 0, i), y at the row's outputs i in bin k0; bins are
// *_bin_stride floats apart and weights for successive j are p_stride apart.
template <int kBins>
CIRCULANT_INLINE void row_major_bins(const float* xr, const float* xi, size_t x_bin_stride,
                                     const float* wr, const float* wi, size_t w_bin_stride, int q,
                                     int p_stride, float* yr, float* yi, size_t y_bin_stride) {
  f32x8 rr[kBins], ii[kBins], ri[kBins], ir[kBins];
  for (int b = 0; b < kBins; ++b) rr[b] = ii[b] = ri[b] = ir[b] = f32x8{};
  for (int j = 0; j < q; ++j) {
    for (int b = 0; b < kBins; ++b) {  // ŷ_i += x̂_j · ĉ_ij
      const f32x8 xr8 = splat(xr[b * x_bin_stride + j]), xi8 = splat(xi[b * x_bin_stride + j]);
      const f32x8 cr = load8(wr + b * w_bin_stride + size_t(j) * p_stride);
      const f32x8 ci = load8(wi + b * w_bin_stride + size_t(j) * p_stride);
      rr[b] += xr8 * cr, ii[b] += xi8 * ci, ri[b] += xr8 * ci, ir[b] += xi8 * cr;
    }
  }
  for (int b = 0; b < kBins; ++b) {
    store8(yr + b * y_bin_stride, rr[b] - ii[b]);
    store8(yi + b * y_bin_stride, ri[b] + ir[b]);
  }
}

// Block-major: 8 rows of outputs i0..i0+kOutputs in one bin. x points at (j = 0, those rows),
// successive j `rows` apart; w at (j = 0, i0), successive j p_stride apart; each input load
// serves kOutputs sums (the weights are scalar broadcasts).
template <int kOutputs>
CIRCULANT_INLINE void block_major_outputs(const float* xr, const float* xi, int rows,
                                          const float* wr, const float* wi, int q, int p_stride,
                                          float* yr, float* yi) {
  f32x8 rr[kOutputs], ii[kOutputs], ri[kOutputs], ir[kOutputs];
  for (int o = 0; o < kOutputs; ++o) rr[o] = ii[o] = ri[o] = ir[o] = f32x8{};
  for (int j = 0; j < q; ++j) {
    const f32x8 xr8 = load8(xr + size_t(j) * rows), xi8 = load8(xi + size_t(j) * rows);
    for (int o = 0; o < kOutputs; ++o) {  // ŷ_i += ĉ_ij · x̂_j
      const f32x8 cr = splat(wr[size_t(j) * p_stride + o]),
                  ci = splat(wi[size_t(j) * p_stride + o]);
      rr[o] += xr8 * cr, ii[o] += xi8 * ci, ri[o] += xr8 * ci, ir[o] += xi8 * cr;
    }
  }
  for (int o = 0; o < kOutputs; ++o) {
    store8(yr + size_t(o) * rows, rr[o] - ii[o]);
    store8(yi + size_t(o) * rows, ri[o] + ir[o]);
  }
}

}  // namespace

void product_row_major(const WeightSpectra& w, const SlabSpectra& x, int rows, SlabSpectra& y) {
  constexpr int kBins = 4;
  const size_t w_bin = size_t(w.q) * w.p_stride;
  for (int t = 0; t < rows; ++t) {
    for (int i = 0; i < w.p_stride; i += 8) {
      for (int k = 0; k < w.bins;) {
        const size_t xo = size_t(k) * x.lanes + size_t(t) * w.q, wo = k * w_bin + i;
        const size_t yo = size_t(k) * y.lanes + size_t(t) * w.p_stride + i;
        if (k + kBins <= w.bins) {
          row_major_bins<kBins>(x.re + xo, x.im + xo, x.lanes, w.re + wo, w.im + wo, w_bin, w.q,
                                w.p_stride, y.re + yo, y.im + yo, y.lanes);
          k += kBins;
        } else {
          row_major_bins<1>(x.re + xo, x.im + xo, x.lanes, w.re + wo, w.im + wo, w_bin, w.q,
                            w.p_stride, y.re + yo, y.im + yo, y.lanes);
          k += 1;
        }
      }
    }
  }
}

void product_block_major(const WeightSpectra& w, const SlabSpectra& x, int rows, SlabSpectra& y) {
  constexpr int kOutputs = 4;
  for (int k = 0; k < w.bins; ++k) {
    const float *xr = x.re + size_t(k) * x.lanes, *xi = x.im + size_t(k) * x.lanes;
    const float *wr = w.re + size_t(k) * w.q * w.p_stride,
                *wi = w.im + size_t(k) * w.q * w.p_stride;
    float *yr = y.re + size_t(k) * y.lanes, *yi = y.im + size_t(k) * y.lanes;
    for (int t = 0; t < rows; t += 8) {
      int i = 0;
      for (; i + kOutputs <= w.p; i += kOutputs)
        block_major_outputs<kOutputs>(xr + t, xi + t, rows, wr + i, wi + i, w.q, w.p_stride,
                                      yr + size_t(i) * rows + t, yi + size_t(i) * rows + t);
      for (; i < w.p; ++i)
        block_major_outputs<1>(xr + t, xi + t, rows, wr + i, wi + i, w.q, w.p_stride,
                               yr + size_t(i) * rows + t, yi + size_t(i) * rows + t);
    }
  }
}

}  // namespace circulant
