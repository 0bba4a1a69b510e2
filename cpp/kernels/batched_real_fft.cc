// BatchedRealFft: radix-4 passes over 8 signals per vector (kernels/simd8.h).
#include "kernels/batched_real_fft.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/simd8.h"
#include "util/thread_pool.h"

namespace circulant {

// ---- BatchedRealFft ------------------------------------------------------------------------
// The same packing, with the slab itself as the complex array: complex sample n of every lane
// lives in rows 2n (real) and 2n+1 (imaginary), which are exactly the time samples x[2n], x[2n+1].
// Forward: radix-4 decimation in frequency in place (natural in, bit-reversed out; the middle
// outputs of each radix-4 butterfly are swapped so the order is bit-reversed, not digit-reversed),
// then the untangling pass reads Z bit-reversed. Inverse: the tangling pass writes Z bit-reversed,
// then decimation in time in place leaves z, i.e. the time samples, in natural order. No copies.

namespace {

constexpr int kLanes = BatchedRealFft::kLaneMultiple;
static_assert(sizeof(f32x8) == kLanes * sizeof(float), "one f32x8 per lane block");

struct Cx8 {
  f32x8 re, im;
};

// Complex row n of the slab, lanes l..l+8.
inline Cx8 load_row(const float* slab, int n, int lanes, int l) {
  return {load8(slab + size_t(2 * n) * lanes + l), load8(slab + size_t(2 * n + 1) * lanes + l)};
}
inline void store_row(float* slab, int n, int lanes, int l, Cx8 z) {
  store8(slab + size_t(2 * n) * lanes + l, z.re);
  store8(slab + size_t(2 * n + 1) * lanes + l, z.im);
}

inline Cx8 operator+(Cx8 a, Cx8 b) { return {a.re + b.re, a.im + b.im}; }
inline Cx8 operator-(Cx8 a, Cx8 b) { return {a.re - b.re, a.im - b.im}; }
inline Cx8 times(Cx8 a, float wr, float wi) {
  return {a.re * wr - a.im * wi, a.re * wi + a.im * wr};
}
inline Cx8 times_minus_i(Cx8 a) { return {a.im, -a.re}; }
inline Cx8 times_i(Cx8 a) { return {-a.im, a.re}; }

// One radix-4 DIF butterfly group on rows a, a+h, a+2h, a+3h; w = W^j, W^2j, W^3j.
void dif_radix4(float* slab, int lanes, int count, int a, int h, const float* w) {
  for (int l = 0; l < count; l += kLanes) {
    const Cx8 x0 = load_row(slab, a, lanes, l), x1 = load_row(slab, a + h, lanes, l);
    const Cx8 x2 = load_row(slab, a + 2 * h, lanes, l), x3 = load_row(slab, a + 3 * h, lanes, l);
    const Cx8 t0 = x0 + x2, t1 = x0 - x2, t2 = x1 + x3, t3 = times_minus_i(x1 - x3);
    store_row(slab, a, lanes, l, t0 + t2);
    store_row(slab, a + h, lanes, l, times(t0 - t2, w[2], w[3]));
    store_row(slab, a + 2 * h, lanes, l, times(t1 + t3, w[0], w[1]));
    store_row(slab, a + 3 * h, lanes, l, times(t1 - t3, w[4], w[5]));
  }
}

// Its inverse (conjugate twiddles): the DIT butterfly on the same rows.
void dit_radix4(float* slab, int lanes, int count, int a, int h, const float* w) {
  for (int l = 0; l < count; l += kLanes) {
    const Cx8 x0 = load_row(slab, a, lanes, l);
    const Cx8 b1 = times(load_row(slab, a + h, lanes, l), w[2], -w[3]);
    const Cx8 b2 = times(load_row(slab, a + 2 * h, lanes, l), w[0], -w[1]);
    const Cx8 b3 = times(load_row(slab, a + 3 * h, lanes, l), w[4], -w[5]);
    const Cx8 e = x0 + b1, o = x0 - b1, s = b2 + b3, d = times_i(b2 - b3);
    store_row(slab, a, lanes, l, e + s);
    store_row(slab, a + h, lanes, l, o + d);
    store_row(slab, a + 2 * h, lanes, l, e - s);
    store_row(slab, a + 3 * h, lanes, l, o - d);
  }
}

// Twiddle-free radix-2 on every row pair (2s, 2s+1): the same in both directions.
void radix2_pairs(float* slab, int lanes, int count, int half) {
  for (int a = 0; a < half; a += 2) {
    for (int l = 0; l < count; l += kLanes) {
      const Cx8 x0 = load_row(slab, a, lanes, l), x1 = load_row(slab, a + 1, lanes, l);
      store_row(slab, a, lanes, l, x0 + x1);
      store_row(slab, a + 1, lanes, l, x0 - x1);
    }
  }
}

}  // namespace

BatchedRealFft::BatchedRealFft(int length)
    : length_(length), half_(length / 2), trailing_radix2_(false) {
  const double pi = std::acos(-1.0);
  int bits = 0;
  while ((1 << bits) < half_) ++bits;
  for (int n = 0; n < half_; ++n) {
    int reversed = 0;
    for (int b = 0; b < bits; ++b) reversed |= ((n >> b) & 1) << (bits - 1 - b);
    bit_reversed_.push_back(reversed);
  }
  int size = half_;
  for (; size >= 4; size /= 4) {
    radix4_quarters_.push_back(size / 4);
    for (int j = 0; j < size / 4; ++j) {
      for (int power = 1; power <= 3; ++power) {
        twiddles_.push_back(float(std::cos(-2 * pi * power * j / size)));
        twiddles_.push_back(float(std::sin(-2 * pi * power * j / size)));
      }
    }
  }
  trailing_radix2_ = size == 2;
  for (int k = 0; k < half_; ++k) {
    untangle_re_.push_back(float(0.5 * std::cos(-2 * pi * k / length)));
    untangle_im_.push_back(float(0.5 * std::sin(-2 * pi * k / length)));
  }
}

void BatchedRealFft::decimate_in_frequency(float* slab, int lanes, int count) const {
  const float* w = twiddles_.data();
  for (int h : radix4_quarters_) {
    for (int start = 0; start < half_; start += 4 * h)
      for (int j = 0; j < h; ++j) dif_radix4(slab, lanes, count, start + j, h, w + 6 * j);
    w += 6 * h;
  }
  if (trailing_radix2_) radix2_pairs(slab, lanes, count, half_);
}

void BatchedRealFft::decimate_in_time(float* slab, int lanes, int count) const {
  if (trailing_radix2_) radix2_pairs(slab, lanes, count, half_);
  const float* w = twiddles_.data() + twiddles_.size();
  for (auto it = radix4_quarters_.rbegin(); it != radix4_quarters_.rend(); ++it) {
    const int h = *it;
    w -= 6 * h;
    for (int start = 0; start < half_; start += 4 * h)
      for (int j = 0; j < h; ++j) dit_radix4(slab, lanes, count, start + j, h, w + 6 * j);
  }
}

void BatchedRealFft::forward_lanes(float* slab, float* re, float* im, int lanes, int count) const {
  const int n = half_;
  if (length_ == 1) {
    for (int l = 0; l < count; ++l) re[l] = slab[l], im[l] = 0.f;
    return;
  }
  decimate_in_frequency(slab, lanes, count);
  const f32x8 zero = {};
  for (int l = 0; l < count; l += kLanes) {  // DC and Nyquist from Z[0] = E[0] + i·O[0]
    const Cx8 z0 = load_row(slab, 0, lanes, l);
    store8(re + l, z0.re + z0.im), store8(re + size_t(n) * lanes + l, z0.re - z0.im);
    store8(im + l, zero), store8(im + size_t(n) * lanes + l, zero);
  }
  for (int k = 1; k < n; ++k) {  // X[k] = E[k] + W^k·O[k] from Z[k] and conj Z[N−k]
    const float hr = untangle_re_[k], hi = untangle_im_[k];
    for (int l = 0; l < count; l += kLanes) {
      const Cx8 z = load_row(slab, bit_reversed_[k], lanes, l);
      const Cx8 y = load_row(slab, bit_reversed_[n - k], lanes, l);
      const f32x8 sr = z.re + y.re, si = z.im - y.im, dr = z.re - y.re, di = z.im + y.im;
      store8(re + size_t(k) * lanes + l, 0.5f * sr + hr * di + hi * dr);
      store8(im + size_t(k) * lanes + l, 0.5f * si - hr * dr + hi * di);
    }
  }
}

void BatchedRealFft::inverse_lanes(const float* re, const float* im, float* slab, int lanes,
                                   int count) const {
  const int n = half_;
  const float scale = 1.f / float(length_);
  if (length_ == 1) {
    for (int l = 0; l < count; ++l) slab[l] = re[l];
    return;
  }
  for (int l = 0; l < count; l += kLanes) {  // imaginary DC and Nyquist are ignored
    const f32x8 dc = load8(re + l), nyquist = load8(re + size_t(n) * lanes + l);
    store_row(slab, 0, lanes, l, {scale * (dc + nyquist), scale * (dc - nyquist)});
  }
  for (int k = 1; k < n; ++k) {  // Z[k] = (S + i·conj(W^k)·D)/B with S, D = X[k] ± conj X[N−k]
    const float gr = 2 * scale * untangle_re_[k], gi = 2 * scale * untangle_im_[k];
    for (int l = 0; l < count; l += kLanes) {
      const f32x8 xr = load8(re + size_t(k) * lanes + l), xi = load8(im + size_t(k) * lanes + l);
      const f32x8 yr = load8(re + size_t(n - k) * lanes + l),
                  yi = load8(im + size_t(n - k) * lanes + l);
      const f32x8 sr = xr + yr, si = xi - yi, dr = xr - yr, di = xi + yi;
      store_row(slab, bit_reversed_[k], lanes, l,
                {scale * sr - gr * di + gi * dr, scale * si + gr * dr + gi * di});
    }
  }
  decimate_in_time(slab, lanes, count);
}

// Lanes are independent signals: ranges of them run side by side, the same bits at any count.
// A range is at least ~16K samples of work (a few microseconds), 64 lanes or more.
int BatchedRealFft::lanes_per_task() const {
  return std::max(64, (16384 / length_ + kLanes - 1) / kLanes * kLanes);
}

void BatchedRealFft::forward(float* slab, float* re, float* im, int lanes) const {
  parallel_for_ranges(lanes, lanes_per_task(), [&](int64_t first, int64_t end) {
    forward_lanes(slab + first, re + first, im + first, lanes, int(end - first));
  });
}

void BatchedRealFft::inverse(const float* re, const float* im, float* slab, int lanes) const {
  parallel_for_ranges(lanes, lanes_per_task(), [&](int64_t first, int64_t end) {
    inverse_lanes(re + first, im + first, slab + first, lanes, int(end - first));
  });
}

}  // namespace circulant
