// The linear-operator interface every weight matrix of the model goes through, and its dense form.
// The student swaps chosen MLP operators for block-circulant ones without touching model code.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace circulant {

// What every matrix answers, in inference (LinearOperator) and in training
// (model/backward.h's DifferentiableLinear): y = x · Wᵀ maps in_features to out_features.
class LinearShape {
 public:
  virtual ~LinearShape() = default;
  virtual int in_features() const = 0;
  virtual int out_features() const = 0;
};

class LinearOperator : public LinearShape {
 public:
  // y (rows, out_features) = x (rows, in_features) · Wᵀ, both row-major.
  // Must not allocate per call in steady state; const so one operator can serve two models.
  virtual void forward(const float* x, int rows, float* y) const = 0;
  // Stored parameters (not bytes): dense m·n, block-circulant m·n/B.
  virtual int64_t parameter_count() const = 0;
  // W itself (out, in), row-major: what the page's heatmaps and the error views compare, for any
  // structure. Allocates; never on a hot path.
  virtual std::vector<float> to_dense() const = 0;
};

// W (out, in), row-major, as llama2.c stores it. Borrows the weights: `owner` keeps them alive,
// so teacher and student share one copy.
class DenseLinear final : public LinearOperator {
 public:
  DenseLinear(std::shared_ptr<const void> owner, const float* weight, int out, int in)
      : owner_(std::move(owner)), weight_(weight), out_(out), in_(in) {}
  int in_features() const override { return in_; }
  int out_features() const override { return out_; }
  void forward(const float* x, int rows, float* y) const override;
  int64_t parameter_count() const override { return int64_t(out_) * in_; }
  std::vector<float> to_dense() const override {
    return std::vector<float>(weight_, weight_ + size_t(out_) * in_);
  }
  const float* weight() const { return weight_; }  // (out, in)

 private:
  std::shared_ptr<const void> owner_;
  const float* weight_;  // (out, in)
  int out_;
  int in_;
};

}  // namespace circulant
