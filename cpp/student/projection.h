// Projections of a dense W (m×n) onto block-circulant parameters c (p, q, B) (docs/design.md §2):
// Frobenius (average along wrapped diagonals) and loss-aware (activation-weighted least
// squares, closed form per frequency). Both compute in float64 and return time-domain c,
// [i][j][s] with C_ij[r][s] = c_ij[(r−s) mod B], ready for BlockCirculantLinear::create.
//
// Padding: when B does not divide m or n, W is treated as the zero-padded (p·B)×(q·B) matrix
// that BlockCirculantLinear applies. Each padded block is a B×B block with zeros outside W,
// so every wrapped diagonal still averages B entries (divide by B, not by the entries inside).
// The loss-aware fit sees the same zero-padded targets, which is what makes λ → ∞ and
// identity-covariance inputs return exactly the Frobenius projection.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "util/result.h"

namespace circulant {

// c (p, q, B): c_ij[d] = (1/B) Σ_r W_ij[r][(r − d) mod B], the nearest block-circulant
// matrix in Frobenius norm. weight (m, n) row-major.
Result<std::vector<double>> frobenius_projection(const float* weight, int m, int n, int block);

// The fewest calibration tokens the loss-aware solve accepts: q = ceil(n/B), one per input
// block (each per-frequency Gram matrix G_k is q×q and needs rank q).
int loss_aware_min_tokens(int n, int block);

// c (p, q, B) minimising Σ_t ‖W x_t − C x_t‖² + λ‖c − c_frob‖² frequency by frequency:
//   G_k = Σ_t x̂_t[k] x̂_t[k]ᴴ (q×q),  R_k = Σ_t t̂_t[k] x̂_t[k]ᴴ (p×q),  t_t = W x_t,
//   Ĉ_k = (R_k + λ_k Ĉ_k^frob)(G_k + λ_k I)⁻¹,  λ_k = lambda_relative · mean diag G_k,
// for k = 0..B/2 (hats are RealFft's unnormalised bins), then c_ij = irfft_k Ĉ_k[i][j].
// inputs (tokens, n) row-major are the layer's calibration inputs. lambda_relative = 0 is the
// pure least-squares fit. Errors: too few tokens (says how many are needed), a bad shape,
// inputs that do not determine the fit at λ = 0, non-finite values.
Result<std::vector<double>> loss_aware_projection(const float* weight, int m, int n, int block,
                                                  const float* inputs, int tokens,
                                                  double lambda_relative = 0.01);

// Σ_t x_t x_tᵀ (n×n, float64) of the calibration inputs: G_k and R_k = W·(this) at every block
// size follow from it, so the matrices that read the same inputs (gate and up) and the block
// sizes of a sweep share one pass over the tokens.
struct InputMoments {
  Eigen::MatrixXd second;
  int tokens = 0;
};
InputMoments input_moments(const float* inputs, int tokens, int n);

// The same fit from the inputs' moments.
Result<std::vector<double>> loss_aware_projection(const float* weight, int m, int n, int block,
                                                  const InputMoments& moments,
                                                  double lambda_relative = 0.01);

}  // namespace circulant
