// The block-circulant linear operator: W (m×n) as p×q circulant B×B blocks, applied through FFTs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/batched_real_fft.h"
#include "model/linear.h"
#include "util/result.h"

namespace circulant {

// What the FFT path keeps between its steps. kFloat16 simulates a float16 FFT: the input x, its
// spectrum X̂, the weight spectra Ĉ, the product spectrum Ŷ and the output y are each rounded to
// float16 (kernels/half_float.h), while the arithmetic between those stores stays float32.
enum class FftPrecision : uint8_t { kFloat32, kFloat16 };

// Checks a shape before anything is built: B a power of two in 1..256, dimensions positive.
// The message says what to change (used by the CLI and the page for "a block size that does
// not fit").
Status validate_block_circulant_shape(int out, int in, int block);

// The p×q grid of B×B blocks over an m×n matrix, p = ceil(m/B), q = ceil(n/B) (padded where B
// does not divide), and the B/2+1 frequency bins of a block.
struct BlockGrid {
  BlockGrid(int out, int in, int block)
      : m(out),
        n(in),
        block(block),
        p((out + block - 1) / block),
        q((in + block - 1) / block),
        bins(block / 2 + 1) {}
  int m, n, block, p, q, bins;
};

// W (m, n) = [C_ij], i < p = ceil(m/B), j < q = ceil(n/B); block C_ij[r][s] = c_ij[(r−s) mod B].
// When B does not divide n the input is zero-padded; when it does not divide m the padded
// outputs are dropped. Forward on T rows: q·T real FFTs, the per-frequency products
// Ŷ_k (T×p) = X̂_k (T×q)·Ĉ_kᵀ summed in the frequency domain, then p·T inverse FFTs.
class BlockCirculantLinear final : public LinearOperator {
 public:
  // c (p, q, B) [i][j][s]: the time-domain first column of every block.
  static Result<std::unique_ptr<BlockCirculantLinear>> create(int out, int in, int block,
                                                              std::vector<float> c);
  // Same, from float64 parameters as the projections return them.
  static Result<std::unique_ptr<BlockCirculantLinear>> create(int out, int in, int block,
                                                              const std::vector<double>& c);

  int in_features() const override { return n_; }
  int out_features() const override { return m_; }
  // y (rows, m) = x (rows, n)·Wᵀ, its chunks of rows spread over the thread pool. Not
  // allocation-free on a thread's first call with more rows than before (each thread's scratch
  // grows once); safe to call from several threads at once.
  void forward(const float* x, int rows, float* y) const override;
  int64_t parameter_count() const override { return int64_t(p_) * q_ * block_; }

  int block() const { return block_; }
  int block_rows() const { return p_; }                        // p
  int block_cols() const { return q_; }                        // q
  const std::vector<float>& parameters() const { return c_; }  // (p, q, B) [i][j][s]
  // Replaces c (same shape) and refreshes the cached spectra (e.g. after a distillation step).
  Status set_parameters(std::vector<float> c);

  // Off: forward recomputes FFT(c) on every call instead of reading the cached spectra, so
  // the page can show what the cache is worth. On by default.
  void set_spectrum_cache(bool enabled) { cache_enabled_ = enabled; }
  bool spectrum_cache() const { return cache_enabled_; }

  // kFloat16: the forward product rounds what a float16 FFT would store (see FftPrecision), to
  // show what float32 inside the FFT is worth; the float16 copy of the cached spectra is made
  // here. kFloat32 (the default) frees that copy. B = 1 has no FFT: the mode changes nothing.
  void set_fft_precision(FftPrecision precision);
  FftPrecision fft_precision() const { return precision_; }

  // W (m, n) row-major, materialised from c by the definition.
  std::vector<float> to_dense() const override;

  // Floats of each thread's scratch, which every operator a thread runs shares and which grows to
  // the largest of them, buffer by buffer; --max-memory counts it (student/student.h,
  // student_thread_scratch_bytes).
  struct ScratchFloats {
    size_t slab = 0;     // (B, lanes) time samples
    size_t spectra = 0;  // (B/2+1, lanes) each of x's and y's re and im
    size_t fresh = 0;    // (B/2+1, q, p_stride) each of re and im: FFT(c) made afresh, cache off
    size_t total() const { return slab + 4 * spectra + 2 * fresh; }
  };
  // What forward grows a thread's scratch to for an m×n operator at B, on any rows; with
  // `builds`, also what building the spectra takes (on the thread that creates the operator or
  // sets its parameters, and in every forward with the cache off).
  static ScratchFloats scratch_floats(int out, int in, int block, bool spectrum_cache, bool builds);
  // The calling thread's scratch now, in floats allocated: the tests check the bound against it.
  static ScratchFloats scratch_held();

 private:
  BlockCirculantLinear(int out, int in, int block, std::vector<float> c);
  void compute_spectra(float* re, float* im) const;
  void round_spectra();
  void forward_slabs(const float* x, int rows, float* y, const float* w_re, const float* w_im,
                     bool half, bool block_major) const;

  int m_, n_, block_, p_, q_;
  int bins_;              // B/2 + 1
  int p_stride_;          // p rounded up to a multiple of 8
  int rows_per_chunk_;    // R of the block-major layout, a multiple of 8
  std::vector<float> c_;  // (p, q, B) [i][j][s] time-domain first columns
  BatchedRealFft fft_;
  std::vector<float> spectra_re_;  // (B/2+1, q, p_stride) [freq][j][i], cached FFT(c), float32
  std::vector<float> spectra_im_;  // same layout; i ≥ p is zero
  bool cache_enabled_ = true;
  FftPrecision precision_ = FftPrecision::kFloat32;  // beside the bool: the object keeps its size

  // (B/2+1, q, p_stride) the cached spectra rounded to float16, what forward reads in kFloat16
  // mode (with the cache off, forward makes its own copy on each call, in per-thread scratch).
  std::vector<float> half_re_, half_im_;
};

}  // namespace circulant
