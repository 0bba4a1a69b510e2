// Frequency-domain kernels of the block-circulant product (docs/design.md §2): moving B-blocks
// between row-major activations and BatchedRealFft slabs, and the per-frequency complex products
//   Ŷ_k (rows × p) = X̂_k (rows × q) · Ĉ_kᵀ,   k = 0..B/2,
// accumulated in the frequency domain so only p inverse FFTs per row are needed.
#pragma once

namespace circulant {

// Where block j of row t lives among a slab's lanes: lane = t·row_stride + j·block_stride.
// Two kinds: row-major {blocks, 1} (t·q + j) for a few rows, and block-major {1, stride}
// (j·stride + t) with stride = rows for R activation rows, or stride = p_stride for the weight
// blocks c_ij (rows i, blocks j) whose FFT lands directly in the [freq][j][i] spectra layout.
struct LaneLayout {
  int row_stride;
  int block_stride;
};

// Cached weight spectra, (bins, q, p_stride) [freq][j][i], split re/im; i ≥ p is zero padding
// so p_stride is a multiple of 8 and every product touches whole 8-lane blocks.
struct WeightSpectra {
  const float* re;
  const float* im;
  int bins, q, p, p_stride;
};

// Spectra of a slab, (bins, lanes) [freq][lane], split re/im.
struct SlabSpectra {
  float* re;
  float* im;
  int lanes;
};

// slab (B, lanes) ← the `blocks` B-blocks of each row of x (rows, n); zeros past column n
// (the padded input) and in lanes [rows·blocks, lanes). lanes may exceed rows·blocks (padding
// that keeps the slab's row stride off powers of two) but must be a multiple of 8. Lanes
// skipped by a block-major stride > rows are left as they are: zero them beforehand.
void gather_blocks(const float* x, int rows, int n, int block, int blocks, LaneLayout layout,
                   float* slab, int lanes);

// y (rows, m) ← slab (B, lanes); samples of the padded output rows past m are dropped.
void scatter_blocks(const float* slab, int lanes, LaneLayout layout, int rows, int m, int block,
                    int blocks, float* y);

// Row-major lanes (input t·q + j, output t·p_stride + i), any rows: one row at a time,
// 8 outputs i per register, summed over j.
void product_row_major(const WeightSpectra& w, const SlabSpectra& x, int rows, SlabSpectra& y);

// Block-major lanes (input j·rows + t, output i·rows + t), rows a multiple of 8: 8 rows per
// register, summed over j; the weight is a scalar broadcast.
void product_block_major(const WeightSpectra& w, const SlabSpectra& x, int rows, SlabSpectra& y);

}  // namespace circulant
