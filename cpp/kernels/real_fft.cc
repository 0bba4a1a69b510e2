// Real FFT of length B = 2N through one complex FFT of length N (KissFFT) plus a twiddle pass.
//
// Pack z[s] = x[2s] + i·x[2s+1] and Z = DFT_N(z). With E, O the DFTs of the even and odd samples,
//   E[k] = (Z[k] + conj Z[N−k]) / 2,   O[k] = −i·(Z[k] − conj Z[N−k]) / 2,
//   X[k] = E[k] + W^k·O[k],   X[N−k] = conj(E[k] − W^k·O[k]),   W = e^{−2πi/B}.
// The inverse runs the same algebra backwards: Z[k] = E[k] + i·O[k] with
//   E[k] = (X[k] + conj X[N−k]) / 2,   O[k] = conj(W^k)·(X[k] − conj X[N−k]) / 2,
// then an unnormalised inverse DFT_N of Z yields N·z; the 1/B (= 1/(2N)) is folded into Z.
#include "kernels/real_fft.h"

#include <cmath>
#include <cstring>

namespace circulant {

namespace {

// Written out so GCC does not emit the NaN-recovery call of std::complex's operator*.
template <class T>
inline std::complex<T> mul(std::complex<T> a, std::complex<T> b) {
  return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}

// i·a
template <class T>
inline std::complex<T> times_i(std::complex<T> a) {
  return {-a.imag(), a.real()};
}

}  // namespace

template <class T>
bool RealFft<T>::supports_length(int length) {
  return length >= 1 && length <= kMaxLength && (length & (length - 1)) == 0;
}

template <class T>
RealFft<T>::RealFft(int length)
    : length_(length),
      half_forward_(std::size_t(length >= 4 ? length / 2 : 1), false),
      half_inverse_(std::size_t(length >= 4 ? length / 2 : 1), true),
      twiddles_(std::size_t(length / 2 > 0 ? length / 2 : 1)) {
  const double pi = std::acos(-1.0);
  for (int k = 0; k < length / 2; ++k) {
    const double angle = -2.0 * pi * k / length;
    twiddles_[k] = std::complex<T>(T(std::cos(angle)), T(std::sin(angle)));
  }
}

template <class T>
void RealFft<T>::forward(const T* x, std::complex<T>* X) const {
  if (length_ <= 2) {  // the half-length complex FFT would have length 0 or 1
    X[0] = {length_ == 1 ? x[0] : x[0] + x[1], T(0)};
    if (length_ == 2) X[1] = {x[0] - x[1], T(0)};
    return;
  }
  const int n = length_ / 2;
  half_forward_.transform(reinterpret_cast<const std::complex<T>*>(x), X);
  const std::complex<T> z0 = X[0];
  X[0] = {z0.real() + z0.imag(), T(0)};
  X[n] = {z0.real() - z0.imag(), T(0)};
  for (int k = 1; 2 * k < n; ++k) {
    const std::complex<T> a = X[k], b = std::conj(X[n - k]);
    const std::complex<T> even = T(0.5) * (a + b);
    const std::complex<T> odd_twiddled = mul(twiddles_[k], T(-0.5) * times_i(a - b));
    X[k] = even + odd_twiddled;
    X[n - k] = std::conj(even - odd_twiddled);
  }
  X[n / 2] = std::conj(X[n / 2]);  // k = N/2: W^{N/2} = −i turns the formula into a conjugation
}

template <class T>
void RealFft<T>::inverse(const std::complex<T>* X, T* x, std::complex<T>* work) const {
  const T scale = T(1) / T(length_);
  if (length_ <= 2) {
    if (length_ == 1) x[0] = X[0].real();
    if (length_ == 2)
      x[0] = T(0.5) * (X[0].real() + X[1].real()), x[1] = T(0.5) * (X[0].real() - X[1].real());
    return;
  }
  const int n = length_ / 2;
  const T dc = X[0].real(), nyquist = X[n].real();
  work[0] = {scale * (dc + nyquist), scale * (dc - nyquist)};
  for (int k = 1; k < n; ++k) {
    const std::complex<T> a = X[k], b = std::conj(X[n - k]);
    work[k] = scale * ((a + b) + times_i(mul(std::conj(twiddles_[k]), a - b)));
  }
  half_inverse_.transform(work, reinterpret_cast<std::complex<T>*>(x));
}

template class RealFft<float>;
template class RealFft<double>;

}  // namespace circulant
