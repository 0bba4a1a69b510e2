// Forward with a tape, KL loss, and the backward pass, top to bottom like model/transformer.cc.
// Rows of all sequences of a batch are stacked, so every matrix product runs once per batch;
// attention alone works sequence by sequence. Sums over the vocabulary are in double.
#include "model/backward.h"

#include <Eigen/Core>
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "kernels/aligned_floats.h"
#include "kernels/matmul.h"
#include "model/backward_blocks.h"
#include "util/thread_pool.h"

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
    if (l.bq) layer.bq = at(l.bq);
    if (l.bk) layer.bk = at(l.bk);
    if (l.bv) layer.bv = at(l.bv);
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
// The tape: every activation the backward pass reads, for all rows of the batch, and the
// gradients, each named after its forward twin (d_x is ∂L/∂x)

template <class T>
struct KlBackprop<T>::Tape {
  struct Layer {
    LineVector<T> x;                // (rows, dim) residual stream entering the layer
    LineVector<T> attention_input;  // (rows, dim) rmsnorm(x) · rms_attention
    LineVector<T> q;                // (rows, dim) queries after rotary
    LineVector<T> k, v;             // (rows, kv_dim) keys after rotary, values
    LineVector<T> probs;            // per sequence, per head: (length, length) attention weights
    LineVector<T> attention_out;    // (rows, dim) attention output, before wo
    LineVector<T> x_mid;            // (rows, dim) residual stream after attention
    LineVector<T> mlp_input;        // (rows, dim) rmsnorm(x_mid) · rms_ffn
    LineVector<T> gate, up;         // (rows, hidden) w1 · mlp_input, w3 · mlp_input
    LineVector<T> swiglu;           // (rows, hidden) silu(gate) ⊙ up, what w2 reads
  };
  int rows = 0;
  std::vector<int> starts;           // (sequences + 1) first row of each sequence
  std::vector<int> positions;        // (rows) position of each row within its sequence
  std::vector<size_t> prob_offsets;  // (sequences) offset of each sequence's weights in probs
  std::vector<Layer> layers;
  LineVector<T> x_final;           // (rows, dim) residual stream after the last layer
  LineVector<T> classifier_input;  // (rows, dim) rmsnorm(x_final) · rms_final
  LineVector<T> logits;            // (rows, vocab); the loss writes d_logits over it

  // The backward pass's gradients: one layer's at a time, reused going down the layers.
  LineVector<T> d_classifier_input;      // (rows, dim)
  LineVector<T> d_x;                     // (rows, dim) of x_final, then of each layer's x
  LineVector<T> d_swiglu, d_gate, d_up;  // (rows, hidden)
  LineVector<T> d_mlp_input;             // (rows, dim)
  LineVector<T> d_x_mid;                 // (rows, dim)
  LineVector<T> d_attention_out;         // (rows, dim)
  LineVector<T> d_q;                     // (rows, dim) of q after rotary, then rotated back
  LineVector<T> d_k, d_v;                // (rows, kv_dim) d_k as d_q
  LineVector<T> d_attention_input;       // (rows, dim)
  LineVector<T> d_input_term;            // (rows, dim) w3's, wk's or wv's term of d_*_input

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
      for (auto* v : {&l.x, &l.attention_input, &l.q, &l.attention_out, &l.x_mid, &l.mlp_input})
        v->resize(r * dim);
      l.k.resize(r * kv), l.v.resize(r * kv), l.probs.resize(probs);
      for (auto* v : {&l.gate, &l.up, &l.swiglu}) v->resize(r * hidden);
    }
    for (auto* v : {&x_final, &classifier_input, &d_classifier_input, &d_x, &d_mlp_input, &d_x_mid,
                    &d_attention_out, &d_q, &d_attention_input, &d_input_term})
      v->resize(r * dim);
    for (auto* v : {&d_k, &d_v}) v->resize(r * kv);
    for (auto* v : {&d_swiglu, &d_gate, &d_up}) v->resize(r * hidden);
    logits.resize(r * c.vocab_size);
  }
};

template <class T>
KlBackprop<T>::KlBackprop(const DifferentiableModel<T>& model) : model_(model), tape_(new Tape) {}

template <class T>
KlBackprop<T>::~KlBackprop() = default;

// ----------------------------------------------------------------------------
// Forward, keeping the tape

template <class T>
void KlBackprop<T>::forward(const std::vector<KlTarget<T>>& batch) {
  using namespace backprop;
  const Config& c = model_.config;
  Tape& tp = *tape_;
  std::vector<int> lengths;
  for (const KlTarget<T>& s : batch) lengths.push_back(s.length);
  tp.resize(c, lengths);
  const int rows = tp.rows, dim = c.dim, kv = c.kv_dim(), hidden = c.hidden_dim;
  const AttentionShape shape = attention_shape(c);
  const T eps = T(c.norm_epsilon);

  T* x = tp.layers[0].x.data();  // token embedding
  for (size_t s = 0; s < batch.size(); ++s)
    for (int p = 0; p < batch[s].length; ++p)
      std::memcpy(x + size_t(tp.starts[s] + p) * dim,
                  model_.token_embedding + size_t(batch[s].tokens[p]) * dim, dim * sizeof(T));

  for (int l = 0; l < c.n_layers; ++l) {
    const auto& w = model_.layers[l];
    typename Tape::Layer& acts = tp.layers[l];
    // Attention block: norm, q/k/v (+ biases), rotary, causal attention per sequence, output,
    // residual.
    rmsnorm(acts.x.data(), w.rms_attention, rows, dim, eps, acts.attention_input.data());
    w.wq->forward(acts.attention_input.data(), rows, acts.q.data());
    w.wk->forward(acts.attention_input.data(), rows, acts.k.data());
    w.wv->forward(acts.attention_input.data(), rows, acts.v.data());
    if (w.bq) add_bias(w.bq, rows, dim, acts.q.data());
    if (w.bk) add_bias(w.bk, rows, kv, acts.k.data());
    if (w.bv) add_bias(w.bv, rows, kv, acts.v.data());
    rope(acts.q.data(), rows, tp.positions.data(), c.n_heads, c.head_size(), c, false);
    rope(acts.k.data(), rows, tp.positions.data(), c.n_kv_heads, c.head_size(), c, false);
    // Sequences attend within themselves, to rows of their own: they run side by side.
    parallel_for(int64_t(batch.size()), [&](int64_t s) {
      const size_t r0 = tp.starts[s];
      attention(shape, acts.q.data() + r0 * dim, acts.k.data() + r0 * kv, acts.v.data() + r0 * kv,
                batch[s].length, acts.probs.data() + tp.prob_offsets[s],
                acts.attention_out.data() + r0 * dim);
    });
    w.wo->forward(acts.attention_out.data(), rows, acts.x_mid.data());
    add_into(acts.x_mid.data(), acts.x.data(), size_t(rows) * dim);

    // MLP block: norm, SwiGLU w2(silu(w1 x) ⊙ w3 x), residual.
    rmsnorm(acts.x_mid.data(), w.rms_ffn, rows, dim, eps, acts.mlp_input.data());
    w.w1->forward(acts.mlp_input.data(), rows, acts.gate.data());
    w.w3->forward(acts.mlp_input.data(), rows, acts.up.data());
    swiglu(acts.gate.data(), acts.up.data(), size_t(rows) * hidden, acts.swiglu.data());
    T* next = l + 1 < c.n_layers ? tp.layers[l + 1].x.data() : tp.x_final.data();
    w.w2->forward(acts.swiglu.data(), rows, next);
    add_into(next, acts.x_mid.data(), size_t(rows) * dim);
  }

  // Final norm and classifier at every position.
  rmsnorm(tp.x_final.data(), model_.rms_final, rows, dim, eps, tp.classifier_input.data());
  FrozenDense<T>(model_.classifier, c.vocab_size, dim)
      .forward(tp.classifier_input.data(), rows, tp.logits.data());
}

// KL(p ‖ q) = Σ p (log p − log q) with q = softmax(logits); ∂/∂logits of the batch mean is
// (q − p) / rows, written over the logits.
template <class T>
double KlBackprop<T>::loss_gradient(const std::vector<KlTarget<T>>& batch) {
  Tape& tp = *tape_;
  const int vocab = model_.config.vocab_size;
  const double inv_rows = 1.0 / tp.rows;
  // Each row's KL and gradient on one thread; the batch's total is summed in row order after.
  std::vector<double> kls(tp.rows);
  parallel_for(int64_t(batch.size()), [&](int64_t s) {
    thread_local std::vector<double> exps;
    exps.resize(vocab);
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
      kls[tp.starts[s] + p] = kl;
    }
  });
  double total = 0;
  for (double kl : kls) total += kl;
  return total * inv_rows;
}

// ----------------------------------------------------------------------------
// Backward: classifier, final norm, then the layers in reverse down to the first trainable one.
// An operator overwrites its input's gradient, so where two operators read one input (w1 and w3
// read mlp_input; wq, wk and wv read attention_input) the second's and third's go to
// d_input_term first and are added in. The attention biases are frozen and pass gradients through
// unchanged, so they have no step here.

template <class T>
void KlBackprop<T>::backward(const std::vector<KlTarget<T>>& batch) {
  using namespace backprop;
  const Config& c = model_.config;
  Tape& tp = *tape_;
  const int rows = tp.rows, dim = c.dim, kv = c.kv_dim(), hidden = c.hidden_dim;
  const size_t rd = size_t(rows) * dim, rh = size_t(rows) * hidden;
  const AttentionShape shape = attention_shape(c);
  const T eps = T(c.norm_epsilon);
  int first = c.n_layers;
  for (int l = 0; l < c.n_layers; ++l)
    if (model_.layers[l].trainable()) first = std::min(first, l);
  if (first == c.n_layers) return;

  const T* d_logits = tp.logits.data();  // loss_gradient wrote it there
  FrozenDense<T>(model_.classifier, c.vocab_size, dim)
      .backward(nullptr, d_logits, rows, tp.d_classifier_input.data(), nullptr);
  std::fill(tp.d_x.begin(), tp.d_x.end(), T(0));
  rmsnorm_backward(tp.x_final.data(), model_.rms_final, tp.d_classifier_input.data(), rows, dim,
                   eps, tp.d_x.data(), (T*)nullptr);

  for (int l = c.n_layers - 1; l >= first; --l) {
    const auto& w = model_.layers[l];
    const typename Tape::Layer& acts = tp.layers[l];
    // MLP block, x_out = x_mid + w2(swiglu): d_x (of x_out, the next layer's x) flows to x_mid
    // unchanged and through the MLP.
    w.w2->backward(acts.swiglu.data(), tp.d_x.data(), rows, tp.d_swiglu.data(), w.gradients.w2);
    swiglu_backward(acts.gate.data(), acts.up.data(), tp.d_swiglu.data(), rh, tp.d_gate.data(),
                    tp.d_up.data());
    w.w1->backward(acts.mlp_input.data(), tp.d_gate.data(), rows, tp.d_mlp_input.data(),
                   w.gradients.w1);
    w.w3->backward(acts.mlp_input.data(), tp.d_up.data(), rows, tp.d_input_term.data(),
                   w.gradients.w3);
    add_into(tp.d_mlp_input.data(), tp.d_input_term.data(), rd);
    std::copy(tp.d_x.begin(), tp.d_x.begin() + rd, tp.d_x_mid.data());
    rmsnorm_backward(acts.x_mid.data(), w.rms_ffn, tp.d_mlp_input.data(), rows, dim, eps,
                     tp.d_x_mid.data(), w.d_rms_ffn);
    if (l == first) break;  // nothing below this layer's MLP has a parameter to train

    // Attention block, x_mid = x + wo(attention(norm(x))).
    w.wo->backward(acts.attention_out.data(), tp.d_x_mid.data(), rows, tp.d_attention_out.data(),
                   nullptr);
    std::fill(tp.d_k.begin(), tp.d_k.end(), T(0));
    std::fill(tp.d_v.begin(), tp.d_v.end(), T(0));
    // Each sequence's gradients land in its own rows: sequences run side by side.
    parallel_for(int64_t(batch.size()), [&](int64_t s) {
      const size_t r0 = tp.starts[s];
      const int n = batch[s].length;
      thread_local std::vector<T> d_probs_row;  // (longest sequence) one row of probs' gradient
      // Reserved to the length, not grown by doubling: --max-memory counts seq_len a thread.
      if (d_probs_row.size() < size_t(n))
        d_probs_row.reserve(size_t(n)), d_probs_row.resize(size_t(n));
      attention_backward(shape, acts.q.data() + r0 * dim, acts.k.data() + r0 * kv,
                         acts.v.data() + r0 * kv, acts.probs.data() + tp.prob_offsets[s],
                         tp.d_attention_out.data() + r0 * dim, n, d_probs_row.data(),
                         tp.d_q.data() + r0 * dim, tp.d_k.data() + r0 * kv,
                         tp.d_v.data() + r0 * kv);
    });
    rope(tp.d_q.data(), rows, tp.positions.data(), c.n_heads, c.head_size(), c, true);
    rope(tp.d_k.data(), rows, tp.positions.data(), c.n_kv_heads, c.head_size(), c, true);
    w.wq->backward(acts.attention_input.data(), tp.d_q.data(), rows, tp.d_attention_input.data(),
                   nullptr);
    w.wk->backward(acts.attention_input.data(), tp.d_k.data(), rows, tp.d_input_term.data(),
                   nullptr);
    add_into(tp.d_attention_input.data(), tp.d_input_term.data(), rd);
    w.wv->backward(acts.attention_input.data(), tp.d_v.data(), rows, tp.d_input_term.data(),
                   nullptr);
    add_into(tp.d_attention_input.data(), tp.d_input_term.data(), rd);
    std::copy(tp.d_x_mid.begin(), tp.d_x_mid.begin() + rd, tp.d_x.data());
    rmsnorm_backward(acts.x.data(), w.rms_attention, tp.d_attention_input.data(), rows, dim, eps,
                     tp.d_x.data(), (T*)nullptr);
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
