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

template <class T>
void spectral_forward(const T* xr, const T* xi, int rows, int q, int x_stride, const T* ctr,
                      const T* cti, int p, T* yr, T* yi, int y_stride) {
  for (int t = 0; t < rows; ++t) {
    T* __restrict__ ar = yr + size_t(t) * y_stride;
    T* __restrict__ ai = yi + size_t(t) * y_stride;
    std::fill(ar, ar + p, T(0)), std::fill(ai, ai + p, T(0));
    for (int j = 0; j < q; ++j) {
      const T a = xr[size_t(t) * x_stride + j], b = xi[size_t(t) * x_stride + j];
      const T* __restrict__ cr = ctr + size_t(j) * p;
      const T* __restrict__ ci = cti + size_t(j) * p;
      for (int i = 0; i < p; ++i) ar[i] += a * cr[i] - b * ci[i], ai[i] += a * ci[i] + b * cr[i];
    }
  }
}

template <class T>
void spectral_input(const T* dyr, const T* dyi, int rows, int p, int y_stride, const T* cr_,
                    const T* ci_, int q, T* dxr, T* dxi, int x_stride) {
  for (int t = 0; t < rows; ++t) {
    T* __restrict__ ar = dxr + size_t(t) * x_stride;
    T* __restrict__ ai = dxi + size_t(t) * x_stride;
    std::fill(ar, ar + q, T(0)), std::fill(ai, ai + q, T(0));
    for (int i = 0; i < p; ++i) {
      const T a = dyr[size_t(t) * y_stride + i], b = dyi[size_t(t) * y_stride + i];
      const T* __restrict__ cr = cr_ + size_t(i) * q;
      const T* __restrict__ ci = ci_ + size_t(i) * q;
      for (int j = 0; j < q; ++j) ar[j] += a * cr[j] + b * ci[j], ai[j] += b * cr[j] - a * ci[j];
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
