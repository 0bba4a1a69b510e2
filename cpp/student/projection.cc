// Frobenius and loss-aware projections in float64: per-frequency Gram and cross-covariance
// matrices from the inputs' second moments (block spectra through RealFft<double>), one Hermitian
// LDLT solve per frequency.
//
// Convention check (docs/design.md §2): C·x = irfft(ĉ ⊙ x̂), so output block i at bin k is
// ŷ_i = Σ_j ĉ_ij x̂_j = (Ĉ_k x̂)_i with no conjugate on ĉ. Minimising Σ_t |t̂_i − Ĉ_k[i,:] x̂_t|²
// over the row Ĉ_k[i,:] (Wirtinger derivative in its conjugate) gives Ĉ_k[i,:]·G_k = R_k[i,:]
// with G_k = Σ x̂ x̂ᴴ and R_k = Σ t̂ x̂ᴴ; the ridge adds λ(Ĉ_k − Ĉ_k^frob). Bins k and B−k are
// conjugate problems, so k = 0..B/2 covers all; at k = 0 and B/2 every quantity is real.
#include "student/projection.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <complex>
#include <string>

#include "kernels/real_fft.h"
#include "student/block_circulant_linear.h"
#include "util/thread_pool.h"

namespace circulant {

namespace {

using ComplexMatrix = Eigen::MatrixXcd;
using RowMajorFloat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
constexpr int kTokensPerChunk = 256;  // bounds the float → double copy of the inputs held at once
constexpr int kRowsPerTask = 16;      // rows transformed by one task of block_spectra

int ceil_div(int a, int b) { return (a + b - 1) / b; }

// spectra[k](block, row) = bin k of the rfft of B-block `block` of each row of `rows`
// (rows × width), zero-padded past width.
// Rows are transformed side by side, each writing its own column.
void block_spectra(const Eigen::MatrixXd& rows, int blocks, const RealFft<double>& fft,
                   std::vector<ComplexMatrix>& spectra) {
  const int b = fft.length(), width = int(rows.cols());
  for (auto& s : spectra) s.resize(blocks, rows.rows());
  parallel_for_ranges(rows.rows(), kRowsPerTask, [&](int64_t first, int64_t end) {
    std::vector<double> signal(b);                      // (B)
    std::vector<std::complex<double>> bins(b / 2 + 1);  // (B/2+1)
    for (int64_t t = first; t < end; ++t) {
      for (int j = 0; j < blocks; ++j) {
        for (int s = 0; s < b; ++s) signal[s] = j * b + s < width ? rows(t, j * b + s) : 0.0;
        fft.forward(signal.data(), bins.data());
        for (int k = 0; k <= b / 2; ++k) spectra[k](j, t) = bins[k];
      }
    }
  });
}

// Ĉ_k (p, q) for k = 0..B/2 from time-domain c (p, q, B).
std::vector<ComplexMatrix> parameter_spectra(const std::vector<double>& c, int p, int q,
                                             const RealFft<double>& fft) {
  const int b = fft.length();
  std::vector<ComplexMatrix> spectra(b / 2 + 1, ComplexMatrix(p, q));
  parallel_for(p, [&](int64_t i) {
    std::vector<std::complex<double>> bins(b / 2 + 1);
    for (int j = 0; j < q; ++j) {
      fft.forward(c.data() + (size_t(i) * q + j) * b, bins.data());
      for (int k = 0; k <= b / 2; ++k) spectra[k](i, j) = bins[k];
    }
  });
  return spectra;
}

// c (p, q, B) from Ĉ_k: one inverse real FFT per block.
std::vector<double> parameters_from_spectra(const std::vector<ComplexMatrix>& spectra, int p, int q,
                                            const RealFft<double>& fft) {
  const int b = fft.length();
  std::vector<double> c(size_t(p) * q * b);
  parallel_for(p, [&](int64_t i) {
    std::vector<std::complex<double>> bins(b / 2 + 1), work(b / 2 + 1);
    for (int j = 0; j < q; ++j) {
      for (int k = 0; k <= b / 2; ++k) bins[k] = spectra[k](i, j);
      fft.inverse(bins.data(), c.data() + (size_t(i) * q + j) * b, work.data());
    }
  });
  return c;
}

// out[k](i, j) = Σ_{s,s'} A_ij[s][s'] ω^{ks} ω^{−ks'} (ω = e^{−2πi/B}, A_ij the B×B block (i, j)
// of `a`, zero past its edges), k = 0..B/2: what Σ_t û_t[k] v̂_t[k]ᴴ is when a = Σ_t u_t v_tᵀ,
// without the tokens. The rfft of each row's blocks gives Σ_s' a[s'] ω^{ks'}, whose conjugate
// the sum over s then weighs (a is real). Frequencies are independent, so they run side by side.
void bin_moments(const Eigen::MatrixXd& a, int row_blocks, int col_blocks,
                 const RealFft<double>& fft, std::vector<ComplexMatrix>& out) {
  const int b = fft.length(), bins = fft.bins();
  std::vector<ComplexMatrix> rows_hat(bins);  // (col_blocks, rows of a) per bin
  block_spectra(a, col_blocks, fft, rows_hat);
  std::vector<std::complex<double>> root(b);  // ω^e, e = 0..B−1
  for (int e = 0; e < b; ++e) root[e] = std::polar(1.0, -2.0 * M_PI * e / b);
  parallel_for(bins, [&](int64_t k) {
    out[k] = ComplexMatrix::Zero(row_blocks, col_blocks);
    for (int i = 0; i < row_blocks; ++i)
      for (int s = 0; s < b && i * b + s < a.rows(); ++s)
        out[k].row(i) += root[size_t(k) * s % b] * rows_hat[k].col(i * b + s).adjoint();
  });
}

// W·S in row tiles that Eigen computes exactly as the whole product (48 is a multiple of its
// register panels, as in kernels/matmul_native.cc), side by side.
Eigen::MatrixXd tiled_product(const Eigen::MatrixXd& w, const Eigen::MatrixXd& s) {
  Eigen::MatrixXd out(w.rows(), s.cols());
  parallel_for_ranges(w.rows(), 48, [&](int64_t first, int64_t end) {
    out.middleRows(first, end - first).noalias() = w.middleRows(first, end - first) * s;
  });
  return out;
}

// Ĉ_k = (R_k + λ Ĉ_k^frob)(G_k + λI)⁻¹, solved as (G_k + λI)·Ĉ_kᴴ = (R_k + λĈ_k^frob)ᴴ.
Result<ComplexMatrix> solve_bin(const ComplexMatrix& gram, const ComplexMatrix& cross,
                                const ComplexMatrix& frobenius, double lambda_relative, int k) {
  const double energy = gram.diagonal().real().mean();
  if (!(energy > 0)) return frobenius;  // inputs carry nothing at this frequency: keep the prior
  const double lambda = lambda_relative * energy;
  ComplexMatrix system = gram;
  system.diagonal().array() += lambda;
  const Eigen::LDLT<ComplexMatrix> ldlt(system);
  // Eigen's LDLT solves through a pseudo-inverse of D, so a rank-deficient G_k would pass
  // silently; judge the pivots instead (relative to the largest, as the rounding is).
  const Eigen::VectorXd pivots = ldlt.vectorD().real().cwiseAbs();
  if (ldlt.info() != Eigen::Success || !(pivots.minCoeff() > 1e-12 * pivots.maxCoeff()))
    return Error{
        "loss-aware projection: the calibration inputs do not determine the fit at "
        "frequency " +
        std::to_string(k) +
        " (singular Gram matrix); use more varied "
        "calibration text or a ridge lambda > 0"};
  ComplexMatrix solution = ldlt.solve((cross + lambda * frobenius).adjoint()).adjoint();
  return solution;
}

}  // namespace

Result<std::vector<double>> frobenius_projection(const float* weight, int m, int n, int block) {
  const Status shape = validate_block_circulant_shape(m, n, block);
  RETURN_IF_ERROR(shape);
  const int q = ceil_div(n, block);
  std::vector<double> c(size_t(ceil_div(m, block)) * q * block, 0.0);
  // Entry (r, s) lies on wrapped diagonal d = (r − s) mod B of block (r / B, s / B). The block and
  // diagonal are stepped along each row rather than divided out of every entry: three integer
  // divisions an entry made this the slowest part of building a student in the page (nine
  // students at load). The sums are taken in the same order, so c is the same to the last bit.
  for (int r = 0; r < m; ++r) {
    const float* row = weight + size_t(r) * n;
    double* blocks = c.data() + size_t(r / block) * q * block;
    const int r_mod = r % block;
    for (int s = 0, s_mod = 0; s < n; ++s) {
      const int d = r_mod - s_mod;
      blocks[d < 0 ? d + block : d] += row[s];
      if (++s_mod == block) s_mod = 0, blocks += block;
    }
  }
  for (double& v : c) v /= block;  // B entries per diagonal, padded ones being zero
  return c;
}

int loss_aware_min_tokens(int n, int block) { return block > 0 ? ceil_div(n, block) : 0; }

InputMoments input_moments(const float* inputs, int tokens, int n) {
  InputMoments moments;
  moments.tokens = tokens;
  Eigen::MatrixXd lower = Eigen::MatrixXd::Zero(n, n);
  for (int t0 = 0; t0 < tokens; t0 += kTokensPerChunk) {
    const int count = std::min(kTokensPerChunk, tokens - t0);
    const Eigen::MatrixXd x =
        Eigen::Map<const RowMajorFloat>(inputs + size_t(t0) * n, count, n).cast<double>();
    lower.selfadjointView<Eigen::Lower>().rankUpdate(x.transpose());
  }
  moments.second = lower.selfadjointView<Eigen::Lower>();
  return moments;
}

Result<std::vector<double>> loss_aware_projection(const float* weight, int m, int n, int block,
                                                  const float* inputs, int tokens,
                                                  double lambda_relative) {
  return loss_aware_projection(weight, m, n, block, input_moments(inputs, tokens, n),
                               lambda_relative);
}

Result<std::vector<double>> loss_aware_projection(const float* weight, int m, int n, int block,
                                                  const InputMoments& moments,
                                                  double lambda_relative) {
  const int tokens = moments.tokens;
  if (moments.second.rows() != n || moments.second.cols() != n)
    return Error{"loss-aware projection: the inputs' moments are " +
                 std::to_string(moments.second.rows()) + "x" +
                 std::to_string(moments.second.cols()) + ", the matrix takes " + std::to_string(n) +
                 " inputs"};
  auto frobenius = frobenius_projection(weight, m, n, block);
  RETURN_IF_ERROR(frobenius);
  const int p = ceil_div(m, block), q = ceil_div(n, block);
  if (tokens < q)
    return Error{"loss-aware projection of a " + std::to_string(m) + "x" + std::to_string(n) +
                 " matrix at B = " + std::to_string(block) + " needs at least " +
                 std::to_string(q) + " calibration tokens (one per input block); got " +
                 std::to_string(tokens) + ". Add calibration text or use the frobenius projection"};
  if (!(lambda_relative >= 0) || !std::isfinite(lambda_relative))
    return Error{"loss-aware projection: lambda must be a finite number ≥ 0, got " +
                 std::to_string(lambda_relative)};
  const RealFft<double> fft(block);
  const Eigen::MatrixXd w = Eigen::Map<const RowMajorFloat>(weight, m, n).cast<double>();
  // G_k and R_k from Σ x xᵀ and Σ t xᵀ = W·Σ x xᵀ: no pass over the tokens at any block size.
  std::vector<ComplexMatrix> gram(fft.bins()), cross(fft.bins());
  bin_moments(moments.second, q, q, fft, gram);
  bin_moments(tiled_product(w, moments.second), p, q, fft, cross);
  const std::vector<ComplexMatrix> prior = parameter_spectra(frobenius.value(), p, q, fft);
  // One solve per frequency, side by side; the first failing frequency names the error.
  std::vector<Result<ComplexMatrix>> bins(fft.bins(), Error{""});
  parallel_for(fft.bins(), [&](int64_t k) {
    bins[k] = solve_bin(gram[k], cross[k], prior[k], lambda_relative, int(k));
  });
  std::vector<ComplexMatrix> solved(fft.bins());
  for (int k = 0; k < fft.bins(); ++k) {
    RETURN_IF_ERROR(bins[k]);
    solved[k] = std::move(bins[k].value());
  }
  std::vector<double> c = parameters_from_spectra(solved, p, q, fft);
  if (!std::all_of(c.begin(), c.end(), [](double v) { return std::isfinite(v); }))
    return Error{
        "loss-aware projection produced non-finite parameters: check the weights and "
        "calibration inputs for NaN or infinity"};
  return c;
}

}  // namespace circulant
