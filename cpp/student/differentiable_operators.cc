// Forward and backward passes of the student's structured operators in the differentiable model.
#include "student/differentiable_operators.h"

#include <Eigen/Core>
#include <type_traits>

#include "kernels/spectral_products.h"
#include "util/thread_pool.h"

namespace circulant {
namespace {

template <class S>
using RowMatrix = Eigen::Matrix<S, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class S>
Eigen::Map<const RowMatrix<S>> view(const S* data, int rows, int cols) {
  return Eigen::Map<const RowMatrix<S>>(data, rows, cols);
}
template <class S>
Eigen::Map<RowMatrix<S>> view(S* data, int rows, int cols) {
  return Eigen::Map<RowMatrix<S>>(data, rows, cols);
}

constexpr int kRowsPerTask = 32;  // rows a task gathers into or scatters from the FFT slab

template <class S>
void grow(std::vector<S>& buffer, size_t size) {
  if (buffer.size() < size) buffer.resize(size);
}

}  // namespace

// ----------------------------------------------------------------------------
// Block-circulant

template <class T>
CirculantGradient<T>::CirculantGradient(int out, int in, int block, const T* c)
    : g_(out, in, block),
      c_(c),
      fft_(block),
      batched_(block),
      signal_(block),
      bins_scratch_(g_.bins),
      work_(std::max(1, block / 2)) {
  refresh();
}

template <class T>
void CirculantGradient<T>::refresh() {
  // c (p, q·B) read as p rows of q blocks lands directly in the [k][i][j] layout.
  transform_rows(c_, g_.p, g_.q * g_.block, g_.q, weights_);
  transposed_re_.resize(size_t(g_.bins) * g_.p * g_.q),
      transposed_im_.resize(transposed_re_.size());
  for (int k = 0; k < g_.bins; ++k)
    for (int i = 0; i < g_.p; ++i)
      for (int j = 0; j < g_.q; ++j) {
        const size_t from = size_t(k) * weights_.lanes + size_t(i) * g_.q + j,
                     to = (size_t(k) * g_.q + j) * g_.p + i;
        transposed_re_[to] = weights_.re[from], transposed_im_[to] = weights_.im[from];
      }
}

template <class T>
void CirculantGradient<T>::transform_rows(const T* a, int rows, int cols, int blocks,
                                          Spectra& out) const {
  const int used = rows * blocks;
  out.lanes = (used + 7) / 8 * 8;
  grow(out.re, size_t(g_.bins) * out.lanes), grow(out.im, size_t(g_.bins) * out.lanes);
  if constexpr (std::is_same<T, float>::value) {
    grow(slab_, size_t(g_.block) * out.lanes);
    std::fill(slab_.begin(), slab_.begin() + size_t(g_.block) * out.lanes, 0.f);
    parallel_for_ranges(rows, kRowsPerTask, [&](int64_t first, int64_t end) {
      for (int64_t t = first; t < end; ++t)
        for (int j = 0; j < blocks; ++j) {
          const int from = j * g_.block, count = std::min(g_.block, cols - from),
                    lane = int(t) * blocks + j;
          for (int s = 0; s < count; ++s)
            slab_[size_t(s) * out.lanes + lane] = a[size_t(t) * cols + from + s];
        }
    });
    batched_.forward(slab_.data(), out.re.data(), out.im.data(), out.lanes);
  } else {
    for (int t = 0; t < rows; ++t)
      for (int j = 0; j < blocks; ++j) {
        const int from = j * g_.block, count = std::min(g_.block, cols - from),
                  lane = t * blocks + j;
        std::copy(a + size_t(t) * cols + from, a + size_t(t) * cols + from + count,
                  signal_.begin());
        std::fill(signal_.begin() + count, signal_.end(), T(0));
        fft_.forward(signal_.data(), bins_scratch_.data());
        for (int k = 0; k < g_.bins; ++k)
          out.re[size_t(k) * out.lanes + lane] = bins_scratch_[k].real(),
                                         out.im[size_t(k) * out.lanes + lane] =
                                             bins_scratch_[k].imag();
      }
  }
}

template <class T>
void CirculantGradient<T>::inverse_rows(Spectra& in, int rows, int cols, int blocks, T* a,
                                        bool accumulate) const {
  const int used = rows * blocks;
  if constexpr (std::is_same<T, float>::value) {
    for (int k = 0; k < g_.bins;
         ++k)  // lanes past `used` hold no signal: clear what a product left there
      for (int l = used; l < in.lanes; ++l)
        in.re[size_t(k) * in.lanes + l] = in.im[size_t(k) * in.lanes + l] = 0.f;
    grow(slab_, size_t(g_.block) * in.lanes);
    batched_.inverse(in.re.data(), in.im.data(), slab_.data(), in.lanes);
  }
  auto scatter = [&](int t) {
    for (int i = 0; i < blocks; ++i) {
      const int from = i * g_.block, count = std::min(g_.block, cols - from), lane = t * blocks + i;
      const T* samples = signal_.data();
      size_t step = 1;
      if constexpr (std::is_same<T, float>::value) {
        samples = slab_.data() + lane, step = size_t(in.lanes);
      } else {
        for (int k = 0; k < g_.bins; ++k)
          bins_scratch_[k] = {in.re[size_t(k) * in.lanes + lane],
                              in.im[size_t(k) * in.lanes + lane]};
        fft_.inverse(bins_scratch_.data(), signal_.data(), work_.data());
      }
      T* out = a + size_t(t) * cols + from;
      for (int s = 0; s < count; ++s) out[s] = (accumulate ? out[s] : T(0)) + samples[s * step];
    }
  };
  if constexpr (std::is_same<T, float>::value) {  // rows write rows of their own
    parallel_for_ranges(rows, kRowsPerTask, [&](int64_t first, int64_t end) {
      for (int64_t t = first; t < end; ++t) scatter(int(t));
    });
  } else {  // the float64 checks' path shares one signal buffer
    for (int t = 0; t < rows; ++t) scatter(t);
  }
}

template <class T>
void CirculantGradient<T>::forward(const T* x, int rows, T* y) const {
  transform_rows(x, rows, g_.n, g_.q, x_);
  y_.lanes = (rows * g_.p + 7) / 8 * 8;
  grow(y_.re, size_t(g_.bins) * y_.lanes), grow(y_.im, size_t(g_.bins) * y_.lanes);
  // Frequencies are independent products: they run side by side, each summed by one thread.
  parallel_for(g_.bins, [&](int64_t k) {
    spectral_rows<T, false>(
        x_.re.data() + size_t(k) * x_.lanes, x_.im.data() + size_t(k) * x_.lanes, rows, g_.q, g_.q,
        transposed_re_.data() + size_t(k) * g_.q * g_.p,
        transposed_im_.data() + size_t(k) * g_.q * g_.p, g_.p, y_.re.data() + size_t(k) * y_.lanes,
        y_.im.data() + size_t(k) * y_.lanes, g_.p);
  });
  inverse_rows(y_, rows, g_.m, g_.p, y, false);
}

template <class T>
void CirculantGradient<T>::backward(const T* x, const T* dy, int rows, T* dx, T* grad) const {
  transform_rows(dy, rows, g_.m, g_.p, y_);
  if (grad) {
    transform_rows(x, rows, g_.n, g_.q, x_);
    grad_.lanes = (g_.p * g_.q + 7) / 8 * 8;
    grad_.re.assign(size_t(g_.bins) * grad_.lanes, T(0)), grad_.im.assign(grad_.re.size(), T(0));
    // The sum over the batch's rows stays within a frequency, in row order, on one thread.
    parallel_for(g_.bins, [&](int64_t k) {
      spectral_weights(y_.re.data() + size_t(k) * y_.lanes, y_.im.data() + size_t(k) * y_.lanes,
                       rows, g_.p, g_.p, x_.re.data() + size_t(k) * x_.lanes,
                       x_.im.data() + size_t(k) * x_.lanes, g_.q, g_.q,
                       grad_.re.data() + size_t(k) * grad_.lanes,
                       grad_.im.data() + size_t(k) * grad_.lanes);
    });
    inverse_rows(grad_, g_.p, g_.q * g_.block, g_.q, grad, /*accumulate=*/true);
  }
  x_.lanes = (rows * g_.q + 7) / 8 * 8;  // the input gradient's spectra reuse the input's buffers
  grow(x_.re, size_t(g_.bins) * x_.lanes), grow(x_.im, size_t(g_.bins) * x_.lanes);
  parallel_for(g_.bins, [&](int64_t k) {
    spectral_rows<T, true>(y_.re.data() + size_t(k) * y_.lanes, y_.im.data() + size_t(k) * y_.lanes,
                           rows, g_.p, g_.p, weights_.re.data() + size_t(k) * weights_.lanes,
                           weights_.im.data() + size_t(k) * weights_.lanes, g_.q,
                           x_.re.data() + size_t(k) * x_.lanes, x_.im.data() + size_t(k) * x_.lanes,
                           g_.q);
  });
  inverse_rows(x_, rows, g_.n, g_.q, dx, false);
}

// ----------------------------------------------------------------------------
// Low-rank

template <class T>
void LowRankGradient<T>::forward(const T* x, int rows, T* y) const {
  grow(inner_, size_t(rows) * r_);
  auto inner = view(inner_.data(), rows, r_);
  inner.noalias() = view(x, rows, n_) * view(v_, r_, n_).transpose();
  view(y, rows, m_).noalias() = inner * view(u_, m_, r_).transpose();
}

// With u = x·Vᵀ: dU = dyᵀ·u, du = dy·U, dV = duᵀ·x, dx = du·V.
template <class T>
void LowRankGradient<T>::backward(const T* x, const T* dy, int rows, T* dx, T* grad) const {
  grow(inner_, size_t(rows) * r_);
  grow(inner_grad_, size_t(rows) * r_);
  auto inner = view(inner_.data(), rows, r_);
  auto inner_grad = view(inner_grad_.data(), rows, r_);
  const auto dy_view = view(dy, rows, m_);
  inner_grad.noalias() = dy_view * view(u_, m_, r_);
  view(dx, rows, n_).noalias() = inner_grad * view(v_, r_, n_);
  if (!grad) return;
  inner.noalias() = view(x, rows, n_) * view(v_, r_, n_).transpose();
  view(grad, m_, r_).noalias() += dy_view.transpose() * inner;
  view(grad + size_t(m_) * r_, r_, n_).noalias() += inner_grad.transpose() * view(x, rows, n_);
}

template class CirculantGradient<float>;
template class CirculantGradient<double>;
template class LowRankGradient<float>;
template class LowRankGradient<double>;

}  // namespace circulant
