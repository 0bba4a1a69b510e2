// The forward pass once more, keeping what the backward pass needs, and the backward pass itself:
// the gradient of KL(teacher ‖ model), averaged over every position of a batch of sequences,
// with respect to the parameters of chosen MLP operators and MLP norm gains. No dense weight
// gets a gradient; activations get one only as far back as the first trainable layer.
//
// Templated on the scalar: float for distillation, double for the finite-difference checks.
// Layer by layer it mirrors model/transformer.cc (RMSNorm with the config's epsilon, q/k/v biases
// where the model has them, rotary in the config's style and base, causal grouped-query attention,
// SwiGLU, residuals, final norm, classifier).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "model/checkpoint.h"
#include "model/config.h"
#include "model/linear.h"

namespace circulant {

// An MLP matrix inside the differentiable model: W applied to rows, and its backward pass.
template <class T>
class DifferentiableLinear : public LinearShape {
 public:
  // y (rows, out) = x (rows, in) · Wᵀ
  virtual void forward(const T* x, int rows, T* y) const = 0;
  // dx (rows, in) = dy (rows, out) · W (overwritten); when grad is not null it also adds
  // ∂L/∂θ of the operator's own parameters (given its input x) into grad.
  virtual void backward(const T* x, const T* dy, int rows, T* dx, T* grad) const = 0;
};

// A frozen dense W (out, in) row-major, borrowed.
template <class T>
class FrozenDense final : public DifferentiableLinear<T> {
 public:
  FrozenDense(const T* weight, int out, int in) : weight_(weight), out_(out), in_(in) {}
  int in_features() const override { return in_; }
  int out_features() const override { return out_; }
  void forward(const T* x, int rows, T* y) const override;
  void backward(const T* x, const T* dy, int rows, T* dx, T* grad) const override;

 private:
  const T* weight_;  // (out, in)
  int out_, in_;
};

// Every weight the pass reads, as pointers of scalar T (borrowed).
template <class T>
struct DifferentiableModel {
  Config config;
  const T* token_embedding = nullptr;  // (vocab_size, dim)
  const T* rms_final = nullptr;        // (dim)
  const T* classifier = nullptr;       // (vocab_size, dim)
  struct Layer {
    const T* rms_attention = nullptr;  // (dim)
    const T* rms_ffn = nullptr;        // (dim)
    T* d_rms_ffn = nullptr;            // (dim) accumulated when the gain is trained, else null
    const DifferentiableLinear<T>* wq = nullptr;  // attention, (dim, dim) …
    const DifferentiableLinear<T>* wk = nullptr;  // (kv_dim, dim)
    const DifferentiableLinear<T>* wv = nullptr;  // (kv_dim, dim)
    const DifferentiableLinear<T>* wo = nullptr;  // (dim, dim)
    const T* bq = nullptr;  // (dim) frozen attention biases, null where the model has none
    const T* bk = nullptr;  // (kv_dim)
    const T* bv = nullptr;  // (kv_dim)
    const DifferentiableLinear<T>* w1 = nullptr;  // MLP gate (hidden, dim)
    const DifferentiableLinear<T>* w2 = nullptr;  // MLP down (dim, hidden)
    const DifferentiableLinear<T>* w3 = nullptr;  // MLP up (hidden, dim)
    struct {
      T* w1 = nullptr;  // the MLP operators' parameter gradients, null when frozen
      T* w2 = nullptr;
      T* w3 = nullptr;
    } gradients;
    bool trainable() const { return d_rms_ffn || gradients.w1 || gradients.w2 || gradients.w3; }
  };
  std::vector<Layer> layers;  // (n_layers)
};

// The dense model of `weights` as a DifferentiableModel<T>, every operator frozen: float borrows
// the weights, double converts weights.data once (for the finite-difference checks), so every
// tensor must lie in weights.data.
template <class T>
class DifferentiableWeights {
 public:
  explicit DifferentiableWeights(const Weights& weights);
  DifferentiableWeights(const DifferentiableWeights&) = delete;
  DifferentiableWeights& operator=(const DifferentiableWeights&) = delete;
  // Operators and gradient buffers may be swapped in by the caller (the student's).
  DifferentiableModel<T>& model() { return model_; }
  // The weight of `tensor` (a pointer into weights.data) as scalar T.
  const T* at(const float* tensor) const;

 private:
  const float* base_;
  std::vector<T> converted_;  // empty for float
  std::vector<std::unique_ptr<FrozenDense<T>>> dense_;
  DifferentiableModel<T> model_;
};

// One sequence of a batch: BOS first, at most seq_len tokens, and the teacher's log-softmax at
// each of its positions.
template <class T>
struct KlTarget {
  const int* tokens = nullptr;  // (length)
  int length = 0;
  const T* teacher_log_probs = nullptr;  // (length, vocab_size)
};

template <class T>
class KlBackprop {
 public:
  explicit KlBackprop(const DifferentiableModel<T>& model);
  ~KlBackprop();

  // Mean over every position of the batch of KL(teacher ‖ model), in nats. With `gradients`
  // the derivative of that mean is added into the model's gradient buffers.
  double run(const std::vector<KlTarget<T>>& batch, bool gradients);
  // Logits (length, vocab_size) of one sequence, valid until the next call.
  const T* logits(const int* tokens, int length);

 private:
  struct Tape;
  void forward(const std::vector<KlTarget<T>>& batch);
  double loss_gradient(const std::vector<KlTarget<T>>& batch);  // fills the logits' gradient
  void backward(const std::vector<KlTarget<T>>& batch);
  const DifferentiableModel<T>& model_;
  std::unique_ptr<Tape> tape_;
};

extern template class FrozenDense<float>;
extern template class FrozenDense<double>;
extern template class DifferentiableWeights<float>;
extern template class DifferentiableWeights<double>;
extern template class KlBackprop<float>;
extern template class KlBackprop<double>;

}  // namespace circulant
