// Real FFT of length B = 2N through one complex FFT of length N (KissFFT) plus a twiddle pass.
//
// Pack z[s] = x[2s] + i·x[2s+1] and Z = DFT_N(z). With E, O the DFTs of the even and odd samples,
//   E[k] = (Z[k] + conj Z[N−k]) / 2,   O[k] = −i·(Z[k] − conj Z[N−k]) / 2,
//   X[k] = E[k] + W^k·O[k],   X[N−k] = conj(E[k] − W^k·O[k]),   W = e^{−2πi/B}.
// The inverse runs the same algebra backwards: Z[k] = E[k] + i·O[k] with
//   E[k] = (X[k] + conj X[N−k]) / 2,   O[k] = conj(W^k)·(X[k] − conj X[N−k]) / 2,
// then an unnormalised inverse DFT_N of Z yields N·z; the 1/B (= 1/(2N)) is folded into Z.
#include "kernels/fft.h"

#include <cmath>

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
    if (length_ == 2) x[0] = T(0.5) * (X[0].real() + X[1].real()), x[1] = T(0.5) * (X[0].real() - X[1].real());
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

// ---- BatchedRealFft ------------------------------------------------------------------------
// The same packing, with the slab itself as the complex array: complex sample n of every lane
// lives in rows 2n (real) and 2n+1 (imaginary), which are exactly the time samples x[2n], x[2n+1].
// Forward: decimation in frequency in place (natural in, bit-reversed out), then the untangling
// pass reads Z in bit-reversed order. Inverse: the tangling pass writes Z bit-reversed, then
// decimation in time in place leaves z, i.e. the time samples, in natural order. No copies.

namespace {

// Lane loops are short (T·q signals): clang's default 4× interleave would send them to the
// scalar remainder loop, so ask for plain vectorisation. GCC needs no hint.
#if defined(__clang__)
#define CIRCULANT_LANE_LOOP _Pragma("clang loop interleave_count(1)")
#else
#define CIRCULANT_LANE_LOOP
#endif

inline float* re_row(float* slab, int n, int lanes) { return slab + size_t(2 * n) * lanes; }
inline float* im_row(float* slab, int n, int lanes) { return slab + size_t(2 * n + 1) * lanes; }

// (a, b) ← (a + b, (a − b)·w) for every lane.
void dif_butterfly(float* __restrict ar, float* __restrict ai, float* __restrict br,
                   float* __restrict bi, float wr, float wi, int lanes) {
  CIRCULANT_LANE_LOOP
  for (int l = 0; l < lanes; ++l) {
    const float dr = ar[l] - br[l], di = ai[l] - bi[l];
    ar[l] += br[l];
    ai[l] += bi[l];
    br[l] = dr * wr - di * wi;
    bi[l] = dr * wi + di * wr;
  }
}

// (a, b) ← (a + b·w, a − b·w) for every lane.
void dit_butterfly(float* __restrict ar, float* __restrict ai, float* __restrict br,
                   float* __restrict bi, float wr, float wi, int lanes) {
  CIRCULANT_LANE_LOOP
  for (int l = 0; l < lanes; ++l) {
    const float vr = br[l] * wr - bi[l] * wi, vi = br[l] * wi + bi[l] * wr;
    br[l] = ar[l] - vr;
    bi[l] = ai[l] - vi;
    ar[l] += vr;
    ai[l] += vi;
  }
}

}  // namespace

BatchedRealFft::BatchedRealFft(int length) : length_(length), half_(length / 2) {
  const double pi = std::acos(-1.0);
  int bits = 0;
  while ((1 << bits) < half_) ++bits;
  for (int n = 0; n < half_; ++n) {
    int reversed = 0;
    for (int b = 0; b < bits; ++b) reversed |= ((n >> b) & 1) << (bits - 1 - b);
    bit_reversed_.push_back(reversed);
  }
  for (int h = 1; h < half_; h *= 2) {
    for (int j = 0; j < h; ++j) {
      stage_re_.push_back(float(std::cos(-pi * j / h)));
      stage_im_.push_back(float(std::sin(-pi * j / h)));
    }
  }
  for (int k = 0; k < half_; ++k) {
    pack_re_.push_back(float(0.5 * std::cos(-2 * pi * k / length)));
    pack_im_.push_back(float(0.5 * std::sin(-2 * pi * k / length)));
  }
}

void BatchedRealFft::decimate_in_frequency(float* slab, int lanes) const {
  for (int h = half_ / 2; h >= 1; h /= 2) {
    for (int start = 0; start < half_; start += 2 * h) {
      for (int j = 0; j < h; ++j) {
        const int a = start + j, b = a + h;
        dif_butterfly(re_row(slab, a, lanes), im_row(slab, a, lanes), re_row(slab, b, lanes),
                      im_row(slab, b, lanes), stage_re_[h - 1 + j], stage_im_[h - 1 + j], lanes);
      }
    }
  }
}

void BatchedRealFft::decimate_in_time(float* slab, int lanes) const {
  for (int h = 1; h < half_; h *= 2) {
    for (int start = 0; start < half_; start += 2 * h) {
      for (int j = 0; j < h; ++j) {
        const int a = start + j, b = a + h;
        dit_butterfly(re_row(slab, a, lanes), im_row(slab, a, lanes), re_row(slab, b, lanes),
                      im_row(slab, b, lanes), stage_re_[h - 1 + j], -stage_im_[h - 1 + j], lanes);
      }
    }
  }
}

void BatchedRealFft::forward(float* slab, float* re, float* im, int lanes) const {
  const int n = half_;
  if (length_ == 1) {
    for (int l = 0; l < lanes; ++l) re[l] = slab[l], im[l] = 0.f;
    return;
  }
  decimate_in_frequency(slab, lanes);
  const float *z0r = re_row(slab, 0, lanes), *z0i = im_row(slab, 0, lanes);
  float *dc = re, *nyquist = re + size_t(n) * lanes;
  for (int l = 0; l < lanes; ++l) dc[l] = z0r[l] + z0i[l], nyquist[l] = z0r[l] - z0i[l];
  for (int l = 0; l < lanes; ++l) im[l] = 0.f, im[size_t(n) * lanes + l] = 0.f;
  for (int k = 1; k < n; ++k) {  // X[k] = E[k] + W^k·O[k] from Z[k] and conj Z[N−k]
    const float *zr = re_row(slab, bit_reversed_[k], lanes), *zi = im_row(slab, bit_reversed_[k], lanes);
    const float *yr = re_row(slab, bit_reversed_[n - k], lanes), *yi = im_row(slab, bit_reversed_[n - k], lanes);
    float* __restrict xr = re + size_t(k) * lanes;
    float* __restrict xi = im + size_t(k) * lanes;
    const float hr = pack_re_[k], hi = pack_im_[k];
    CIRCULANT_LANE_LOOP
    for (int l = 0; l < lanes; ++l) {
      const float sr = zr[l] + yr[l], si = zi[l] - yi[l], dr = zr[l] - yr[l], di = zi[l] + yi[l];
      xr[l] = 0.5f * sr + hr * di + hi * dr;
      xi[l] = 0.5f * si - hr * dr + hi * di;
    }
  }
}

void BatchedRealFft::inverse(const float* re, const float* im, float* slab, int lanes) const {
  const int n = half_;
  const float scale = 1.f / float(length_);
  if (length_ == 1) {
    for (int l = 0; l < lanes; ++l) slab[l] = re[l];
    return;
  }
  const float *dc = re, *nyquist = re + size_t(n) * lanes;
  float *z0r = re_row(slab, 0, lanes), *z0i = im_row(slab, 0, lanes);
  for (int l = 0; l < lanes; ++l) z0r[l] = scale * (dc[l] + nyquist[l]), z0i[l] = scale * (dc[l] - nyquist[l]);
  for (int k = 1; k < n; ++k) {  // Z[k] = (S + i·conj(W^k)·D)/B, S, D = X[k] ± conj X[N−k]
    const float *xr = re + size_t(k) * lanes, *xi = im + size_t(k) * lanes;
    const float *yr = re + size_t(n - k) * lanes, *yi = im + size_t(n - k) * lanes;
    float* __restrict zr = re_row(slab, bit_reversed_[k], lanes);
    float* __restrict zi = im_row(slab, bit_reversed_[k], lanes);
    const float gr = 2 * scale * pack_re_[k], gi = 2 * scale * pack_im_[k];
    CIRCULANT_LANE_LOOP
    for (int l = 0; l < lanes; ++l) {
      const float sr = xr[l] + yr[l], si = xi[l] - yi[l], dr = xr[l] - yr[l], di = xi[l] + yi[l];
      zr[l] = scale * sr - gr * di + gi * dr;
      zi[l] = scale * si + gr * dr + gi * di;
    }
  }
  decimate_in_time(slab, lanes);
}

}  // namespace circulant
