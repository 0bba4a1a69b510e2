// Per-frequency products of the block-circulant backward pass (student/differentiable_operators):
// split complex (re, im arrays), plain loops over the contiguous dimension, which compilers
// vectorise natively and in simd128 (no sum is reassociated). One frequency k at a time:
//   forward      Y (rows, p)  = X (rows, q) · Ĉᵀ        with Ĉᵀ given as (q, p)
//   input        dX (rows, q) = dY (rows, p) · conj(Ĉ)  with Ĉ given as (p, q)
//   weights      G (p, q)    += dYᵀ · conj(X)
// Rows of X, Y, dX, dY are `stride` apart in their arrays.
#pragma once

#include <algorithm>

namespace circulant {

// out (rows, n) = in (rows, k) · M (k, n), or · conj(M) when kConjugate: the forward product
// (in = X, M = Ĉᵀ) and the input gradient (in = dY, M = Ĉ, conjugated) are this one loop.
template <class T, bool kConjugate>
void spectral_rows(const T* in_r, const T* in_i, int rows, int k, int in_stride, const T* m_r,
                   const T* m_i, int n, T* out_r, T* out_i, int out_stride) {
  const T s = kConjugate ? T(-1) : T(1);  // the sign of M's imaginary part
  for (int t = 0; t < rows; ++t) {
    T* __restrict__ ar = out_r + size_t(t) * out_stride;
    T* __restrict__ ai = out_i + size_t(t) * out_stride;
    std::fill(ar, ar + n, T(0)), std::fill(ai, ai + n, T(0));
    for (int j = 0; j < k; ++j) {
      const T a = in_r[size_t(t) * in_stride + j], b = in_i[size_t(t) * in_stride + j];
      const T* __restrict__ cr = m_r + size_t(j) * n;
      const T* __restrict__ ci = m_i + size_t(j) * n;
      for (int i = 0; i < n; ++i)
        ar[i] += a * cr[i] - s * b * ci[i], ai[i] += s * a * ci[i] + b * cr[i];
    }
  }
}

template <class T>
void spectral_weights(const T* dyr, const T* dyi, int rows, int p, int y_stride, const T* xr,
                      const T* xi, int q, int x_stride, T* gr, T* gi) {
  for (int t = 0; t < rows; ++t) {
    const T* __restrict__ sr = xr + size_t(t) * x_stride;
    const T* __restrict__ si = xi + size_t(t) * x_stride;
    for (int i = 0; i < p; ++i) {
      const T a = dyr[size_t(t) * y_stride + i], b = dyi[size_t(t) * y_stride + i];
      T* __restrict__ ar = gr + size_t(i) * q;
      T* __restrict__ ai = gi + size_t(i) * q;
      for (int j = 0; j < q; ++j) ar[j] += a * sr[j] + b * si[j], ai[j] += b * sr[j] - a * si[j];
    }
  }
}

}  // namespace circulant
