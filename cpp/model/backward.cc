// Forward with a tape, KL loss, and the backward pass, top to bottom like model/transformer.cc.
// Rows of all sequences of a batch are stacked, so every matrix product runs once per batch;
// attention alone works sequence by sequence. Sums over the vocabulary are in double.
#include "model/backward.h"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "kernels/matmul.h"
#include "kernels/ops.h"

namespace circulant {
namespace {

template <class T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using ConstView = Eigen::Map<const RowMatrix<T>, 0, Eigen::OuterStride<>>;
template <class T>
using View = Eigen::Map<RowMatrix<T>, 0, Eigen::OuterStride<>>;

template <class T>
ConstView<T> view(const T* data, int rows, int cols, int stride) {
  return ConstView<T>(data, rows, cols, Eigen::OuterStride<>(stride));
}
template <class T>
View<T> view(T* data, int rows, int cols, int stride) {
  return View<T>(data, rows, cols, Eigen::OuterStride<>(stride));
}

constexpr double kNormEpsilon = 1e-5;

// out (rows, n) = x / sqrt(mean(x²) + eps) · gain
template <class T>
void rmsnorm(const T* x, const T* gain, int rows, int n, T* out) {
  for (int t = 0; t < rows; ++t) {
    const T* xr = x + size_t(t) * n;
    T ss = 0;
    for (int i = 0; i < n; ++i) ss += xr[i] * xr[i];
    const T scale = T(1) / std::sqrt(ss / T(n) + T(kNormEpsilon));
    for (int i = 0; i < n; ++i) out[size_t(t) * n + i] = gain[i] * (scale * xr[i]);
  }
}

// dx (rows, n) += ∂/∂x of rmsnorm given dy; gain_grad (n) += ∂/∂gain when not null.
//   y_i = g_i x_i r,  r = (mean x² + eps)^−½:  dx_i = r g_i dy_i − (r³/n) x_i Σ_j dy_j g_j x_j
template <class T>
void rmsnorm_backward(const T* x, const T* gain, const T* dy, int rows, int n, T* dx,
                      T* gain_grad) {
  for (int t = 0; t < rows; ++t) {
    const T *xr = x + size_t(t) * n, *dyr = dy + size_t(t) * n;
    T ss = 0, projection = 0;
    for (int i = 0; i < n; ++i) ss += xr[i] * xr[i], projection += dyr[i] * gain[i] * xr[i];
    const T r = T(1) / std::sqrt(ss / T(n) + T(kNormEpsilon));
    const T correction = r * r * r / T(n) * projection;
    T* dxr = dx + size_t(t) * n;
    for (int i = 0; i < n; ++i) dxr[i] += r * gain[i] * dyr[i] - correction * xr[i];
    if (gain_grad)
      for (int i = 0; i < n; ++i) gain_grad[i] += dyr[i] * xr[i] * r;
  }
}

// Rotary embedding on interleaved pairs, row t at position positions[t]; `inverse` rotates back
// (the transpose, which is the backward pass of the rotation).
template <class T>
void rope(T* vec, int rows, const int* positions, int n_heads, int head_size, bool inverse) {
  for (int t = 0; t < rows; ++t) {
    T* row = vec + size_t(t) * n_heads * head_size;
    for (int i = 0; i < head_size; i += 2) {
      const T freq = T(1) / std::pow(T(10000), T(i) / T(head_size));
      const T angle = T(positions[t]) * freq;
      const T c = std::cos(angle), s = inverse ? -std::sin(angle) : std::sin(angle);
      for (int h = 0; h < n_heads; ++h) {
        T* v = row + h * head_size + i;
        const T v0 = v[0], v1 = v[1];
        v[0] = v0 * c - v1 * s;
        v[1] = v0 * s + v1 * c;
      }
    }
  }
}

template <class T>
T sigmoid(T a) {
  return T(1) / (T(1) + std::exp(-a));
}

}  // namespace

// ----------------------------------------------------------------------------
// Frozen dense operator

// float goes through the engine's kernels (simd128 in the page, where Eigen 3.4 is scalar).
template <class T>
void FrozenDense<T>::forward(const T* x, int rows, T* y) const {
  if constexpr (std::is_same<T, float>::value) {
    matmul_rows(x, rows, weight_, out_, in_, y);
  } else {
    view(y, rows, out_, out_).noalias() =
        view(x, rows, in_, in_) * view(weight_, out_, in_, in_).transpose();
  }
}

template <class T>
void FrozenDense<T>::backward(const T*, const T* dy, int rows, T* dx, T*) const {
  if constexpr (std::is_same<T, float>::value) {
    matmul_rows_transposed(dy, rows, weight_, out_, in_, dx);
  } else {
    view(dx, rows, in_, in_).noalias() = view(dy, rows, out_, out_) * view(weight_, out_, in_, in_);
  }
}

// ----------------------------------------------------------------------------
// The teacher's weights as a differentiable model

template <class T>
DifferentiableWeights<T>::DifferentiableWeights(const Weights& w) : base_(w.data) {
  if (!std::is_same<T, float>::value) converted_.assign(w.data, w.data + w.floats);
  const Config& c = w.config;
  model_.config = c;
  model_.token_embedding = at(w.token_embedding);
  model_.rms_final = at(w.rms_final);
  model_.classifier = at(w.classifier);
  auto dense = [this](const float* weight, int out, int in) {
    dense_.push_back(std::make_unique<FrozenDense<T>>(at(weight), out, in));
    return dense_.back().get();
  };
  for (const Weights::Layer& l : w.layers) {
    typename DifferentiableModel<T>::Layer layer;
    layer.rms_attention = at(l.rms_attention);
    layer.rms_ffn = at(l.rms_ffn);
    layer.wq = dense(l.wq, c.dim, c.dim);
    layer.wk = dense(l.wk, c.kv_dim(), c.dim);
    layer.wv = dense(l.wv, c.kv_dim(), c.dim);
    layer.wo = dense(l.wo, c.dim, c.dim);
    layer.w1 = dense(l.w1, c.hidden_dim, c.dim);
    layer.w2 = dense(l.w2, c.dim, c.hidden_dim);
    layer.w3 = dense(l.w3, c.hidden_dim, c.dim);
    model_.layers.push_back(layer);
  }
}

template <class T>
const T* DifferentiableWeights<T>::at(const float* tensor) const {
  if constexpr (std::is_same<T, float>::value) {
    return tensor;
  } else {
    return converted_.data() + (tensor - base_);
  }
}

// ----------------------------------------------------------------------------
// The tape: every activation the backward pass reads, for all rows of the batch

template <class T>
struct KlBackprop<T>::Tape {
  struct Layer {
    std::vector<T> x;      // (rows, dim) residual stream entering the layer
    std::vector<T> xn;     // (rows, dim) attention norm output
    std::vector<T> q;      // (rows, dim) queries after rotary
    std::vector<T> k, v;   // (rows, kv_dim) keys after rotary, values
    std::vector<T> probs;  // per sequence, per head: (length, length) attention weights
    std::vector<T> o;      // (rows, dim) attention output before wo
    std::vector<T> x_mid;  // (rows, dim) residual stream after attention
    std::vector<T> xm;     // (rows, dim) MLP norm output
    std::vector<T> a, b;   // (rows, hidden) gate and up
    std::vector<T> h;      // (rows, hidden) silu(a) ⊙ b
  };
  int rows = 0;
  std::vector<int> starts;           // (sequences + 1) first row of each sequence
  std::vector<int> positions;        // (rows) position of each row within its sequence
  std::vector<size_t> prob_offsets;  // (sequences) offset of each sequence's weights in probs
  std::vector<Layer> layers;
  std::vector<T> x_final;  // (rows, dim)
  std::vector<T> xf;       // (rows, dim) final norm output
  std::vector<T> logits;   // (rows, vocab); the loss turns it into its gradient
  // Gradients and scratch of the backward pass.
  std::vector<T> dx, d_mid, d_in, d_norm, d_q, d_k, d_v, d_h, d_a, d_b, scratch_dim;
  std::vector<T> d_probs;  // (longest sequence) gradient of one row of attention scores

  void resize(const Config& c, const std::vector<int>& lengths) {
    rows = 0;
    starts.assign(1, 0);
    positions.clear();
    prob_offsets.clear();
    size_t probs = 0;
    for (int n : lengths) {
      for (int p = 0; p < n; ++p) positions.push_back(p);
      rows += n;
      starts.push_back(rows);
      prob_offsets.push_back(probs);
      probs += size_t(c.n_heads) * n * n;
    }
    const size_t r = rows, dim = c.dim, kv = c.kv_dim(), hidden = c.hidden_dim;
    layers.resize(c.n_layers);
    for (Layer& l : layers) {
      for (auto* v : {&l.x, &l.xn, &l.q, &l.o, &l.x_mid, &l.xm}) v->resize(r * dim);
      l.k.resize(r * kv), l.v.resize(r * kv), l.probs.resize(probs);
      for (auto* v : {&l.a, &l.b, &l.h}) v->resize(r * hidden);
    }
    for (auto* v : {&x_final, &xf, &dx, &d_mid, &d_in, &d_norm, &d_q, &scratch_dim})
      v->resize(r * dim);
    for (auto* v : {&d_k, &d_v}) v->resize(r * kv);
    for (auto* v : {&d_h, &d_a, &d_b}) v->resize(r * hidden);
    logits.resize(r * c.vocab_size);
  }
};

template <class T>
KlBackprop<T>::KlBackprop(const DifferentiableModel<T>& model) : model_(model), tape_(new Tape) {}

template <class T>
KlBackprop<T>::~KlBackprop() = default;

// ----------------------------------------------------------------------------
// Attention of one sequence (rows r0..r0+n), forward and backward, all heads

namespace {

template <class T>
struct AttentionShape {
  int n_heads, group, head_size, dim, kv_dim;
};

template <class T>
AttentionShape<T> attention_shape(const Config& c) {
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

template <class T>
void axpy(T a, const T* x, int n, T* y) {
  for (int i = 0; i < n; ++i) y[i] += a * x[i];
}

// probs (heads, n, n) and o (n, dim) from q (n, dim), k, v (n, kv_dim); causal. Row t of a head
// reads its query against keys 0..t, as the inference forward does.
template <class T>
void attention_forward(const AttentionShape<T>& s, const T* q, const T* k, const T* v, int n,
                       T* probs, T* o) {
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
      T* ot = o + size_t(t) * s.dim + qo;
      std::fill(ot, ot + s.head_size, T(0));
      for (int u = 0; u <= t; ++u) {
        p[u] = T(p[u] / sum);
        axpy(p[u], v + size_t(u) * s.kv_dim + kvo, s.head_size, ot);
      }
      std::fill(p + t + 1, p + n, T(0));
    }
  }
}

// From d_o (n, dim): d_q (n, dim) overwritten, d_k, d_v (n, kv_dim) accumulated. Softmax
// backward, then the 1/√d of the scores: dS = P ⊙ (dP − rowsum(P ⊙ dP)) / √d.
template <class T>
void attention_backward(const AttentionShape<T>& s, const T* q, const T* k, const T* v,
                        const T* probs, const T* d_o, int n, T* d_scores, T* d_q, T* d_k, T* d_v) {
  const T scale = T(1) / std::sqrt(T(s.head_size));
  for (int h = 0; h < s.n_heads; ++h) {
    const int qo = h * s.head_size, kvo = (h / s.group) * s.head_size;
    for (int t = 0; t < n; ++t) {
      const T* p = probs + (size_t(h) * n + t) * n;
      const T* dot_t = d_o + size_t(t) * s.dim + qo;
      T inner = 0;
      for (int u = 0; u <= t; ++u) {
        d_scores[u] = dot_product(dot_t, v + size_t(u) * s.kv_dim + kvo, s.head_size);
        inner += p[u] * d_scores[u];
      }
      T* dq = d_q + size_t(t) * s.dim + qo;
      std::fill(dq, dq + s.head_size, T(0));
      const T* qt = q + size_t(t) * s.dim + qo;
      for (int u = 0; u <= t; ++u) {
        const T ds = p[u] * (d_scores[u] - inner) * scale;
        axpy(ds, k + size_t(u) * s.kv_dim + kvo, s.head_size, dq);
        axpy(ds, qt, s.head_size, d_k + size_t(u) * s.kv_dim + kvo);
        axpy(p[u], dot_t, s.head_size, d_v + size_t(u) * s.kv_dim + kvo);
      }
    }
  }
}

}  // namespace

// ----------------------------------------------------------------------------
// Forward, keeping the tape

template <class T>
void KlBackprop<T>::forward(const std::vector<KlTarget<T>>& batch) {
  const Config& c = model_.config;
  Tape& tp = *tape_;
  std::vector<int> lengths;
  for (const KlTarget<T>& s : batch) lengths.push_back(s.length);
  tp.resize(c, lengths);
  const int rows = tp.rows, dim = c.dim, kv = c.kv_dim(), hidden = c.hidden_dim;
  const AttentionShape<T> shape = attention_shape<T>(c);

  T* x = tp.layers[0].x.data();  // token embedding
  for (size_t s = 0; s < batch.size(); ++s)
    for (int p = 0; p < batch[s].length; ++p)
      std::memcpy(x + size_t(tp.starts[s] + p) * dim,
                  model_.token_embedding + size_t(batch[s].tokens[p]) * dim, dim * sizeof(T));

  for (int l = 0; l < c.n_layers; ++l) {
    const auto& w = model_.layers[l];
    typename Tape::Layer& a = tp.layers[l];
    // Attention block: norm, q/k/v, rotary, causal attention per sequence, output, residual.
    rmsnorm(a.x.data(), w.rms_attention, rows, dim, a.xn.data());
    w.wq->forward(a.xn.data(), rows, a.q.data());
    w.wk->forward(a.xn.data(), rows, a.k.data());
    w.wv->forward(a.xn.data(), rows, a.v.data());
    rope(a.q.data(), rows, tp.positions.data(), c.n_heads, c.head_size(), false);
    rope(a.k.data(), rows, tp.positions.data(), c.n_kv_heads, c.head_size(), false);
    for (size_t s = 0; s < batch.size(); ++s) {
      const size_t r0 = tp.starts[s];
      attention_forward(shape, a.q.data() + r0 * dim, a.k.data() + r0 * kv, a.v.data() + r0 * kv,
                        batch[s].length, a.probs.data() + tp.prob_offsets[s],
                        a.o.data() + r0 * dim);
    }
    w.wo->forward(a.o.data(), rows, a.x_mid.data());
    for (size_t i = 0; i < size_t(rows) * dim; ++i) a.x_mid[i] += a.x[i];

    // MLP block: norm, SwiGLU w2(silu(w1 x) ⊙ w3 x), residual.
    rmsnorm(a.x_mid.data(), w.rms_ffn, rows, dim, a.xm.data());
    w.w1->forward(a.xm.data(), rows, a.a.data());
    w.w3->forward(a.xm.data(), rows, a.b.data());
    for (size_t i = 0; i < size_t(rows) * hidden; ++i) a.h[i] = a.a[i] * sigmoid(a.a[i]) * a.b[i];
    T* next = l + 1 < c.n_layers ? tp.layers[l + 1].x.data() : tp.x_final.data();
    w.w2->forward(a.h.data(), rows, next);
    for (size_t i = 0; i < size_t(rows) * dim; ++i) next[i] += a.x_mid[i];
  }

  // Final norm and classifier at every position.
  rmsnorm(tp.x_final.data(), model_.rms_final, rows, dim, tp.xf.data());
  FrozenDense<T>(model_.classifier, c.vocab_size, dim)
      .forward(tp.xf.data(), rows, tp.logits.data());
}

// KL(p ‖ q) = Σ p (log p − log q) with q = softmax(logits); ∂/∂logits of the batch mean is
// (q − p) / rows, written over the logits.
template <class T>
double KlBackprop<T>::loss_gradient(const std::vector<KlTarget<T>>& batch) {
  Tape& tp = *tape_;
  const int vocab = model_.config.vocab_size;
  const double inv_rows = 1.0 / tp.rows;
  std::vector<double> exps(vocab);
  double total = 0;
  for (size_t s = 0; s < batch.size(); ++s) {
    for (int p = 0; p < batch[s].length; ++p) {
      T* z = tp.logits.data() + size_t(tp.starts[s] + p) * vocab;
      const T* log_p = batch[s].teacher_log_probs + size_t(p) * vocab;
      const double max = *std::max_element(z, z + vocab);
      double sum = 0;
      for (int i = 0; i < vocab; ++i) sum += (exps[i] = std::exp(double(z[i]) - max));
      const double log_sum = max + std::log(sum);
      double kl = 0;
      for (int i = 0; i < vocab; ++i) {
        const double pi = std::exp(double(log_p[i]));
        kl += pi * (double(log_p[i]) - (double(z[i]) - log_sum));
        z[i] = T((exps[i] / sum - pi) * inv_rows);
      }
      total += kl;
    }
  }
  return total * inv_rows;
}

// ----------------------------------------------------------------------------
// Backward: classifier, final norm, then the layers in reverse down to the first trainable one

template <class T>
void KlBackprop<T>::backward(const std::vector<KlTarget<T>>& batch) {
  const Config& c = model_.config;
  Tape& tp = *tape_;
  const int rows = tp.rows, dim = c.dim, kv = c.kv_dim(), hidden = c.hidden_dim;
  const size_t rd = size_t(rows) * dim, rh = size_t(rows) * hidden;
  const AttentionShape<T> shape = attention_shape<T>(c);
  int first = c.n_layers;
  for (int l = 0; l < c.n_layers; ++l)
    if (model_.layers[l].trainable()) first = std::min(first, l);
  if (first == c.n_layers) return;

  T* dx = tp.dx.data();  // ∂L/∂(residual stream) at the current depth
  FrozenDense<T>(model_.classifier, c.vocab_size, dim)
      .backward(nullptr, tp.logits.data(), rows, tp.d_norm.data(), nullptr);
  std::fill(tp.dx.begin(), tp.dx.end(), T(0));
  rmsnorm_backward(tp.x_final.data(), model_.rms_final, tp.d_norm.data(), rows, dim, dx,
                   (T*)nullptr);

  for (int l = c.n_layers - 1; l >= first; --l) {
    const auto& w = model_.layers[l];
    const typename Tape::Layer& a = tp.layers[l];
    // MLP block, x_out = x_mid + w2(h): dx flows to x_mid unchanged and through the MLP.
    w.w2->backward(a.h.data(), dx, rows, tp.d_h.data(), w.gradients.w2);
    for (size_t i = 0; i < rh; ++i) {
      const T sig = sigmoid(a.a[i]), silu = a.a[i] * sig;
      tp.d_b[i] = tp.d_h[i] * silu;
      tp.d_a[i] = tp.d_h[i] * a.b[i] * sig * (T(1) + a.a[i] * (T(1) - sig));
    }
    w.w1->backward(a.xm.data(), tp.d_a.data(), rows, tp.d_norm.data(), w.gradients.w1);
    w.w3->backward(a.xm.data(), tp.d_b.data(), rows, tp.scratch_dim.data(), w.gradients.w3);
    for (size_t i = 0; i < rd; ++i) tp.d_norm[i] += tp.scratch_dim[i];
    std::copy(dx, dx + rd, tp.d_mid.data());
    rmsnorm_backward(a.x_mid.data(), w.rms_ffn, tp.d_norm.data(), rows, dim, tp.d_mid.data(),
                     w.rms_ffn_grad);
    if (l == first) break;  // nothing below this layer's MLP has a parameter to train

    // Attention block, x_mid = x + wo(attention(norm(x))).
    w.wo->backward(a.o.data(), tp.d_mid.data(), rows, tp.scratch_dim.data(), nullptr);
    std::fill(tp.d_k.begin(), tp.d_k.end(), T(0));
    std::fill(tp.d_v.begin(), tp.d_v.end(), T(0));
    for (size_t s = 0; s < batch.size(); ++s) {
      const size_t r0 = tp.starts[s];
      const int n = batch[s].length;
      if (tp.d_probs.size() < size_t(n)) tp.d_probs.resize(size_t(n));
      attention_backward(shape, a.q.data() + r0 * dim, a.k.data() + r0 * kv, a.v.data() + r0 * kv,
                         a.probs.data() + tp.prob_offsets[s], tp.scratch_dim.data() + r0 * dim, n,
                         tp.d_probs.data(), tp.d_q.data() + r0 * dim, tp.d_k.data() + r0 * kv,
                         tp.d_v.data() + r0 * kv);
    }
    rope(tp.d_q.data(), rows, tp.positions.data(), c.n_heads, c.head_size(), true);
    rope(tp.d_k.data(), rows, tp.positions.data(), c.n_kv_heads, c.head_size(), true);
    w.wq->backward(a.xn.data(), tp.d_q.data(), rows, tp.d_norm.data(), nullptr);
    w.wk->backward(a.xn.data(), tp.d_k.data(), rows, tp.scratch_dim.data(), nullptr);
    for (size_t i = 0; i < rd; ++i) tp.d_norm[i] += tp.scratch_dim[i];
    w.wv->backward(a.xn.data(), tp.d_v.data(), rows, tp.scratch_dim.data(), nullptr);
    for (size_t i = 0; i < rd; ++i) tp.d_norm[i] += tp.scratch_dim[i];
    std::copy(tp.d_mid.begin(), tp.d_mid.begin() + rd, dx);
    rmsnorm_backward(a.x.data(), w.rms_attention, tp.d_norm.data(), rows, dim, dx, (T*)nullptr);
  }
}

template <class T>
double KlBackprop<T>::run(const std::vector<KlTarget<T>>& batch, bool gradients) {
  forward(batch);
  const double loss = loss_gradient(batch);
  if (gradients) backward(batch);
  return loss;
}

template <class T>
const T* KlBackprop<T>::logits(const int* tokens, int length) {
  KlTarget<T> one;
  one.tokens = tokens;
  one.length = length;
  forward({one});
  return tape_->logits.data();
}

template class FrozenDense<float>;
template class FrozenDense<double>;
template class DifferentiableWeights<float>;
template class DifferentiableWeights<double>;
template class KlBackprop<float>;
template class KlBackprop<double>;

}  // namespace circulant
