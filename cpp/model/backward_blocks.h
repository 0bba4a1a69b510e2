// The small blocks of the differentiable forward pass, each beside its backward: RMSNorm, biases,
// rotary, SwiGLU and causal attention, templated on the scalar. Only model/backward.cc includes
// this. A gradient is named after its forward twin: d_x is ∂L/∂x.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <type_traits>
#include <vector>

#include "kernels/ops.h"
#include "model/config.h"
#include "util/thread_pool.h"

namespace circulant::backprop {

// The row-wise steps run in ranges of rows across the pool; each row stays on one thread, and
// nothing is summed across rows (the gain's gradient is summed afterwards, in row order).
constexpr int kRowsPerTask = 32;
constexpr size_t kValuesPerTask = 8192;  // elementwise steps (SwiGLU)

// body(begin, end) over [0, rows) in ranges of kRowsPerTask.
template <class Body>
void for_row_ranges(int rows, const Body& body) {
  parallel_for_ranges(rows, kRowsPerTask,
                      [&](int64_t begin, int64_t end) { body(int(begin), int(end)); });
}

// a (n) += b (n).
template <class T>
void add_into(T* a, const T* b, size_t n) {
  parallel_for_ranges(int64_t(n), int64_t(kValuesPerTask), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) a[i] += b[i];
  });
}

// ----------------------------------------------------------------------------
// RMSNorm

// y (rows, n) = x / sqrt(mean(x²) + eps) · gain
template <class T>
void rmsnorm(const T* x, const T* gain, int rows, int n, T eps, T* y) {
  for_row_ranges(rows, [&](int begin, int end) {
    for (int t = begin; t < end; ++t) {
      const T* xr = x + size_t(t) * n;
      T ss = 0;
      for (int i = 0; i < n; ++i) ss += xr[i] * xr[i];
      const T scale = T(1) / std::sqrt(ss / T(n) + eps);
      for (int i = 0; i < n; ++i) y[size_t(t) * n + i] = gain[i] * (scale * xr[i]);
    }
  });
}

// d_x (rows, n) += ∂/∂x of rmsnorm given d_y; d_gain (n) += ∂/∂gain when not null.
//   y_i = g_i x_i r,  r = (mean x² + eps)^−½:  dx_i = r g_i dy_i − (r³/n) x_i Σ_j dy_j g_j x_j
template <class T>
void rmsnorm_backward(const T* x, const T* gain, const T* d_y, int rows, int n, T eps, T* d_x,
                      T* d_gain) {
  std::vector<T> scales(d_gain ? rows : 0);  // (rows) r of each row, for d_gain
  for_row_ranges(rows, [&](int begin, int end) {
    for (int t = begin; t < end; ++t) {
      const T *xr = x + size_t(t) * n, *d_yr = d_y + size_t(t) * n;
      T ss = 0, projection = 0;
      for (int i = 0; i < n; ++i) ss += xr[i] * xr[i], projection += d_yr[i] * gain[i] * xr[i];
      const T r = T(1) / std::sqrt(ss / T(n) + eps);
      const T correction = r * r * r / T(n) * projection;
      T* d_xr = d_x + size_t(t) * n;
      for (int i = 0; i < n; ++i) d_xr[i] += r * gain[i] * d_yr[i] - correction * xr[i];
      if (d_gain) scales[t] = r;
    }
  });
  if (d_gain)  // a sum over rows: one thread, in row order
    for (int t = 0; t < rows; ++t) {
      const T *xr = x + size_t(t) * n, *d_yr = d_y + size_t(t) * n;
      for (int i = 0; i < n; ++i) d_gain[i] += d_yr[i] * xr[i] * scales[t];
    }
}

// ----------------------------------------------------------------------------
// Attention biases

// y (rows, n) += bias (n) on every row; frozen, so its backward pass is the identity
template <class T>
void add_bias(const T* bias, int rows, int n, T* y) {
  for (int t = 0; t < rows; ++t)
    for (int i = 0; i < n; ++i) y[size_t(t) * n + i] += bias[i];
}

// ----------------------------------------------------------------------------
// Rotary embedding

// Rotary embedding as kernels/ops.h's: pair p of a head, (2p, 2p+1) or (p, p + head_size / 2)
// as c.rope_style says, turned by position · theta^(−2p / head_size); row t at position
// positions[t], in place. `inverse` rotates back (the transpose, which is the backward pass of
// the rotation).
template <class T>
void rope(T* vec, int rows, const int* positions, int n_heads, int head_size, const Config& c,
          bool inverse) {
  const bool halves = c.rope_style == RopeStyle::kHalves;
  // Pair p is v[p · stride] and v[p · stride + partner].
  const int stride = halves ? 1 : 2, partner = halves ? head_size / 2 : 1;
  for_row_ranges(rows, [&](int begin, int end) {
    for (int t = begin; t < end; ++t) {
      T* row = vec + size_t(t) * n_heads * head_size;
      for (int p = 0; p < head_size / 2; ++p) {
        const T freq = T(1) / std::pow(T(c.rope_theta), T(2 * p) / T(head_size));
        const T angle = T(positions[t]) * freq;
        const T cosine = std::cos(angle), sine = inverse ? -std::sin(angle) : std::sin(angle);
        for (int h = 0; h < n_heads; ++h) {
          T* v = row + h * head_size + p * stride;
          const T v0 = v[0], v1 = v[partner];
          v[0] = v0 * cosine - v1 * sine;
          v[partner] = v0 * sine + v1 * cosine;
        }
      }
    }
  });
}

// ----------------------------------------------------------------------------
// SwiGLU

template <class T>
T sigmoid(T a) {
  return T(1) / (T(1) + std::exp(-a));
}

// out (n) = silu(gate) ⊙ up, silu(a) = a σ(a)
template <class T>
void swiglu(const T* gate, const T* up, size_t n, T* out) {
  parallel_for_ranges(int64_t(n), int64_t(kValuesPerTask), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) out[i] = gate[i] * sigmoid(gate[i]) * up[i];
  });
}

// d_gate, d_up (n) overwritten from d_out (n):  ∂silu(a)/∂a = σ(a) (1 + a (1 − σ(a)))
template <class T>
void swiglu_backward(const T* gate, const T* up, const T* d_out, size_t n, T* d_gate, T* d_up) {
  parallel_for_ranges(int64_t(n), int64_t(kValuesPerTask), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const T sig = sigmoid(gate[i]), silu = gate[i] * sig;
      d_up[i] = d_out[i] * silu;
      d_gate[i] = d_out[i] * up[i] * sig * (T(1) + gate[i] * (T(1) - sig));
    }
  });
}

// ----------------------------------------------------------------------------
// Causal attention of one sequence (n rows), all heads

struct AttentionShape {
  int n_heads, group, head_size, dim, kv_dim;  // group: query heads per key/value head
};

inline AttentionShape attention_shape(const Config& c) {
  return {c.n_heads, c.n_heads / c.n_kv_heads, c.head_size(), c.dim, c.kv_dim()};
}

template <class T>
T dot_product(const T* a, const T* b, int n) {
  if constexpr (std::is_same<T, float>::value) {
    return dot(a, b, n);  // eight partial sums: vectorised in the page too
  } else {
    T sum = 0;
    for (int i = 0; i < n; ++i) sum += a[i] * b[i];
    return sum;
  }
}

// y (n) += a · x
template <class T>
void axpy(T a, const T* x, int n, T* y) {
  for (int i = 0; i < n; ++i) y[i] += a * x[i];
}

// probs (heads, n, n) and out (n, dim) from q (n, dim), k, v (n, kv_dim); causal. Row t of a
// head reads its query against keys 0..t, as the inference forward does.
template <class T>
void attention(const AttentionShape& s, const T* q, const T* k, const T* v, int n, T* probs,
               T* out) {
  const T scale = T(1) / std::sqrt(T(s.head_size));
  for (int h = 0; h < s.n_heads; ++h) {
    const int qo = h * s.head_size, kvo = (h / s.group) * s.head_size;
    for (int t = 0; t < n; ++t) {
      T* p = probs + (size_t(h) * n + t) * n;
      const T* qt = q + size_t(t) * s.dim + qo;
      T max = -std::numeric_limits<T>::infinity();
      for (int u = 0; u <= t; ++u)
        max = std::max(max,
                       p[u] = dot_product(qt, k + size_t(u) * s.kv_dim + kvo, s.head_size) * scale);
      double sum = 0;
      for (int u = 0; u <= t; ++u) sum += (p[u] = std::exp(p[u] - max));
      T* out_t = out + size_t(t) * s.dim + qo;
      std::fill(out_t, out_t + s.head_size, T(0));
      for (int u = 0; u <= t; ++u) {
        p[u] = T(p[u] / sum);
        axpy(p[u], v + size_t(u) * s.kv_dim + kvo, s.head_size, out_t);
      }
      std::fill(p + t + 1, p + n, T(0));
    }
  }
}

// From d_out (n, dim): d_q (n, dim) overwritten, d_k, d_v (n, kv_dim) accumulated; d_probs_row
// (n) is scratch for ∂L/∂P of one row. Softmax backward, then the 1/√d of the scores:
// dS = P ⊙ (dP − rowsum(P ⊙ dP)) / √d.
template <class T>
void attention_backward(const AttentionShape& s, const T* q, const T* k, const T* v, const T* probs,
                        const T* d_out, int n, T* d_probs_row, T* d_q, T* d_k, T* d_v) {
  const T scale = T(1) / std::sqrt(T(s.head_size));
  for (int h = 0; h < s.n_heads; ++h) {
    const int qo = h * s.head_size, kvo = (h / s.group) * s.head_size;
    for (int t = 0; t < n; ++t) {
      const T* p = probs + (size_t(h) * n + t) * n;
      const T* d_out_t = d_out + size_t(t) * s.dim + qo;
      T p_dot_dp = 0;  // Σ_u P ⊙ dP over the row
      for (int u = 0; u <= t; ++u) {
        d_probs_row[u] = dot_product(d_out_t, v + size_t(u) * s.kv_dim + kvo, s.head_size);
        p_dot_dp += p[u] * d_probs_row[u];
      }
      T* d_qt = d_q + size_t(t) * s.dim + qo;
      std::fill(d_qt, d_qt + s.head_size, T(0));
      const T* qt = q + size_t(t) * s.dim + qo;
      for (int u = 0; u <= t; ++u) {
        const T d_score = p[u] * (d_probs_row[u] - p_dot_dp) * scale;
        axpy(d_score, k + size_t(u) * s.kv_dim + kvo, s.head_size, d_qt);
        axpy(d_score, qt, s.head_size, d_k + size_t(u) * s.kv_dim + kvo);
        axpy(p[u], d_out_t, s.head_size, d_v + size_t(u) * s.kv_dim + kvo);
      }
    }
  }
}

}  // namespace circulant::backprop
