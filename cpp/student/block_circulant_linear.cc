// Block-circulant operator: parameters, cached weight spectra and the chunked FFT forward pass.
//
// Forward picks one of two lane layouts for the FFT slabs (see kernels/circulant_product.h):
// block-major for chunks of R rows (R a multiple of 8: 8 rows share each register, the prefill
// case) and row-major for the last rows % 8 rows (8 outputs share a register, the decode case).
// R is sized so one chunk is ≈ 128 lanes wide (64–128 measured best on a 48 KiB L1).
#include "student/block_circulant_linear.h"

#include <algorithm>
#include <string>

#include "kernels/circulant_product.h"
#include "kernels/half_float.h"
#include "kernels/matmul.h"
#include "student/plan.h"
#include "util/thread_pool.h"

namespace circulant {

namespace {

constexpr int kLaneBlock = BatchedRealFft::kLaneMultiple;
constexpr int kTargetLanes = 128;

// Rows a block-major chunk of forward takes: about kTargetLanes lanes of p or q blocks each, a
// multiple of 8. One definition for the constructor and for the scratch bound.
int rows_per_chunk(int p, int q) {
  return std::max(kLaneBlock, kTargetLanes / std::max(p, q) / kLaneBlock * kLaneBlock);
}

int round_up(int value, int multiple) { return (value + multiple - 1) / multiple * multiple; }
int ceil_div(int a, int b) { return (a + b - 1) / b; }

// Slab width for `used` lanes: a multiple of 8 for the FFT and, once rows are ≥ 512 bytes, an
// odd multiple, so B rows at that stride spread over the L1 sets instead of piling into a few
// (256 lanes = 1 KiB stride put 16 of 64 rows in each set of a 12-way cache).
int slab_lanes(int used) {
  const int lanes = round_up(used, kLaneBlock);
  return lanes >= 128 && lanes % (2 * kLaneBlock) == 0 ? lanes + kLaneBlock : lanes;
}

// To `size` exactly: resize alone may double the allocation, past what --max-memory counts.
void grow(std::vector<float>& buffer, size_t size) {
  if (buffer.size() < size) buffer.reserve(size), buffer.resize(size, 0.f);
}

// Each thread's scratch, shared by every operator it runs (one forward at a time per thread). It
// grows once to the largest chunk: (B + 4·(B/2+1))·lanes floats, under 0.5 MB at B = 256
// (scratch_floats says exactly).
struct Scratch {
  std::vector<float> slab;                // (B, lanes) time samples [sample][lane]
  std::vector<float> x_re, x_im;          // (B/2+1, lanes) input spectra [freq][lane]
  std::vector<float> y_re, y_im;          // (B/2+1, lanes) output spectra [freq][lane]
  std::vector<float> fresh_re, fresh_im;  // (B/2+1, q, p_stride) FFT(c) made afresh, cache off
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

// A float16 store of `count` floats, in float16 mode only (one test per call site, not per value).
void store(bool half, float* values, size_t count) {
  if (half) round_to_half(values, count);
}

}  // namespace

Status validate_block_circulant_shape(int out, int in, int block) {
  RETURN_IF_ERROR(check_block_size(block));
  if (out <= 0 || in <= 0)
    return Error{"matrix shape " + std::to_string(out) + "x" + std::to_string(in) +
                 " is empty: both dimensions must be positive"};
  return ok_status();
}

Result<std::unique_ptr<BlockCirculantLinear>> BlockCirculantLinear::create(int out, int in,
                                                                           int block,
                                                                           std::vector<float> c) {
  const Status shape = validate_block_circulant_shape(out, in, block);
  RETURN_IF_ERROR(shape);
  const size_t expected = size_t(ceil_div(out, block)) * ceil_div(in, block) * block;
  if (c.size() != expected)
    return Error{"block-circulant parameters: expected p·q·B = " + std::to_string(expected) +
                 " values for a " + std::to_string(out) + "x" + std::to_string(in) +
                 " matrix at B = " + std::to_string(block) + ", got " + std::to_string(c.size())};
  return std::unique_ptr<BlockCirculantLinear>(
      new BlockCirculantLinear(out, in, block, std::move(c)));
}

Result<std::unique_ptr<BlockCirculantLinear>> BlockCirculantLinear::create(
    int out, int in, int block, const std::vector<double>& c) {
  return create(out, in, block, std::vector<float>(c.begin(), c.end()));
}

BlockCirculantLinear::BlockCirculantLinear(int out, int in, int block, std::vector<float> c)
    : m_(out),
      n_(in),
      block_(block),
      p_(ceil_div(out, block)),
      q_(ceil_div(in, block)),
      bins_(block / 2 + 1),
      p_stride_(round_up(p_, kLaneBlock)),
      rows_per_chunk_(rows_per_chunk(p_, q_)),
      c_(std::move(c)),
      fft_(block),
      // B = 1 has no FFT (forward multiplies by c, which is W): no spectra, which at that size
      // would be two more copies of W to fill for every student the page builds.
      spectra_re_(block == 1 ? 0 : size_t(bins_) * q_ * p_stride_),
      spectra_im_(spectra_re_.size()) {
  if (block_ > 1) compute_spectra(spectra_re_.data(), spectra_im_.data());
}

Status BlockCirculantLinear::set_parameters(std::vector<float> c) {
  if (c.size() != c_.size())
    return Error{"block-circulant parameters: expected " + std::to_string(c_.size()) +
                 " values (p·q·B), got " + std::to_string(c.size())};
  c_ = std::move(c);
  if (block_ == 1) return ok_status();
  compute_spectra(spectra_re_.data(), spectra_im_.data());
  if (precision_ == FftPrecision::kFloat16) round_spectra();
  return ok_status();
}

void BlockCirculantLinear::set_fft_precision(FftPrecision precision) {
  precision_ = precision;
  if (precision == FftPrecision::kFloat16) return round_spectra();
  std::vector<float>().swap(half_re_), std::vector<float>().swap(half_im_);
}

// Follows the constructor's p_stride_ and rows_per_chunk_ and forward's two layouts: a
// block-major chunk has at most rows_per_chunk_ rows, a row-major one at most 7.
BlockCirculantLinear::ScratchFloats BlockCirculantLinear::scratch_floats(int out, int in, int block,
                                                                         bool spectrum_cache,
                                                                         bool builds) {
  const BlockGrid g(out, in, block);
  const int p_stride = round_up(g.p, kLaneBlock);
  const size_t spectra_lanes = size_t(g.q) * p_stride;  // compute_spectra's slab
  ScratchFloats f;
  if (builds || (block > 1 && !spectrum_cache)) f.slab = size_t(block) * spectra_lanes;
  if (block == 1) return f;  // forward is the dense product (kernels/matmul.h counts its copy)
  const int rows = rows_per_chunk(g.p, g.q);
  const int lanes =
      std::max({slab_lanes(rows * g.q), slab_lanes(rows * g.p), slab_lanes((kLaneBlock - 1) * g.q),
                slab_lanes((kLaneBlock - 1) * p_stride)});
  f.slab = std::max(f.slab, size_t(block) * lanes);
  f.spectra = size_t(g.bins) * lanes;
  if (!spectrum_cache) f.fresh = size_t(g.bins) * spectra_lanes;
  return f;
}

BlockCirculantLinear::ScratchFloats BlockCirculantLinear::scratch_held() {
  const Scratch& s = scratch();
  ScratchFloats f;
  f.slab = s.slab.capacity();
  f.spectra =
      std::max({s.x_re.capacity(), s.x_im.capacity(), s.y_re.capacity(), s.y_im.capacity()});
  f.fresh = std::max(s.fresh_re.capacity(), s.fresh_im.capacity());
  return f;
}

// half_ ← the cached spectra rounded to float16 (what forward reads in kFloat16 mode).
void BlockCirculantLinear::round_spectra() {
  half_re_ = spectra_re_, half_im_ = spectra_im_;
  round_to_half(half_re_.data(), half_re_.size());
  round_to_half(half_im_.data(), half_im_.size());
}

// c (p, q·B) read as p rows of q blocks; lane j·p_stride + i of the slab holds c_ij, so the
// FFT lands directly in [freq][j][i]. Lanes i ≥ p must stay zero: the whole slab is cleared.
void BlockCirculantLinear::compute_spectra(float* re, float* im) const {
  const int lanes = q_ * p_stride_;
  std::vector<float>& slab = scratch().slab;
  grow(slab, size_t(block_) * lanes);
  std::fill(slab.begin(), slab.begin() + size_t(block_) * lanes, 0.f);
  gather_blocks(c_.data(), p_, q_ * block_, block_, q_, {1, p_stride_}, slab.data(), lanes);
  fft_.forward(slab.data(), re, im, lanes);
}

void BlockCirculantLinear::forward(const float* x, int rows, float* y) const {
  // 1×1 blocks: c is W itself (m, n) and a length-1 FFT is the identity, so the dense kernel
  // computes exactly the same product without B/2+1 = 1 bins of bookkeeping per entry.
  if (block_ == 1) return matmul_rows(x, rows, c_.data(), m_, n_, y);
  const bool half = precision_ == FftPrecision::kFloat16;
  const float *w_re = spectra_re_.data(), *w_im = spectra_im_.data();
  if (half) w_re = half_re_.data(), w_im = half_im_.data();
  if (!cache_enabled_) {  // what an uncached implementation pays: p·q FFTs per call
    Scratch& s = scratch();
    grow(s.fresh_re, spectra_re_.size()), grow(s.fresh_im, spectra_im_.size());
    compute_spectra(s.fresh_re.data(), s.fresh_im.data());
    store(half, s.fresh_re.data(), spectra_re_.size());
    store(half, s.fresh_im.data(), spectra_im_.size());
    w_re = s.fresh_re.data(), w_im = s.fresh_im.data();
  }
  // Chunks of rows_per_chunk_ rows (a multiple of 8), then the last rows % 8 row-major: each
  // row's outputs are computed within one chunk, so the threads change no bit.
  const int full = rows / kLaneBlock * kLaneBlock;
  const int chunks = ceil_div(full, rows_per_chunk_) + (full < rows ? 1 : 0);
  parallel_for(chunks, [&](int64_t chunk) {
    const int first = int(chunk) * rows_per_chunk_;
    const bool block_major = first < full;
    const int count = block_major ? std::min(rows_per_chunk_, full - first) : rows - full;
    const int start = block_major ? first : full;
    forward_slabs(x + size_t(start) * n_, count, y + size_t(start) * m_, w_re, w_im, half,
                  block_major);
  });
}

// Row-major (rows < 8): lanes t·q + j in, t·p_stride + i out. Block-major (rows a multiple of 8):
// lanes j·rows + t in, i·rows + t out, which the product reads eight rows at a time.
void BlockCirculantLinear::forward_slabs(const float* x, int rows, float* y, const float* w_re,
                                         const float* w_im, bool half, bool block_major) const {
  const int y_width = block_major ? p_ : p_stride_;
  const int x_lanes = slab_lanes(rows * q_), y_lanes = slab_lanes(rows * y_width);
  const LaneLayout x_layout = block_major ? LaneLayout{1, rows} : LaneLayout{q_, 1};
  const LaneLayout y_layout = block_major ? LaneLayout{1, rows} : LaneLayout{p_stride_, 1};
  Scratch& s = scratch();
  grow(s.slab, size_t(block_) * std::max(x_lanes, y_lanes));
  grow(s.x_re, size_t(bins_) * x_lanes), grow(s.x_im, size_t(bins_) * x_lanes);
  grow(s.y_re, size_t(bins_) * y_lanes), grow(s.y_im, size_t(bins_) * y_lanes);
  float* const slab = s.slab.data();
  SlabSpectra xs{s.x_re.data(), s.x_im.data(), x_lanes}, ys{s.y_re.data(), s.y_im.data(), y_lanes};
  gather_blocks(x, rows, n_, block_, q_, x_layout, slab, x_lanes);
  store(half, slab, size_t(block_) * x_lanes);
  fft_.forward(slab, xs.re, xs.im, x_lanes);
  store(half, xs.re, size_t(bins_) * x_lanes), store(half, xs.im, size_t(bins_) * x_lanes);
  const WeightSpectra w{w_re, w_im, bins_, q_, p_, p_stride_};
  if (block_major)
    product_block_major(w, xs, rows, ys);
  else
    product_row_major(w, xs, rows, ys);
  store(half, ys.re, size_t(bins_) * y_lanes), store(half, ys.im, size_t(bins_) * y_lanes);
  fft_.inverse(ys.re, ys.im, slab, y_lanes);
  scatter_blocks(slab, y_lanes, y_layout, rows, m_, block_, p_, y);
  store(half, y, size_t(rows) * m_);
}

std::vector<float> BlockCirculantLinear::to_dense() const {
  std::vector<float> dense(size_t(m_) * n_);  // (m, n)
  for (int r = 0; r < m_; ++r) {
    for (int s = 0; s < n_; ++s) {
      const int i = r / block_, j = s / block_, d = ((r - s) % block_ + block_) % block_;
      dense[size_t(r) * n_ + s] = c_[(size_t(i) * q_ + j) * block_ + d];
    }
  }
  return dense;
}

}  // namespace circulant
