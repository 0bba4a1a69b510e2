// The decode step's matrix-vector products at the shipped model's shapes, each cycling through
// copies that add up to the shipped model's 18.9 MB, beside a plain streaming read of the same
// bytes (kernels/ops.h stream_sum): the physical limit of a kernel that must read every weight
// once. The copies start on a cache line, as the weights do in WebAssembly (model/checkpoint.h).
// Shared by the Google Benchmark target (native) and the plain-timer one (WebAssembly, where Debian
// has no Google Benchmark to link).
#pragma once

#include <cstddef>
#include <vector>

#include "kernels/aligned_floats.h"
#include "kernels/matmul.h"
#include "kernels/ops.h"

namespace circulant::bench {

struct GemvShape {
  const char* name;
  int out, in;
};
inline constexpr GemvShape kGemvShapes[] = {{"attention 256x256", 256, 256},
                                            {"gate/up 1024x256", 1024, 256},
                                            {"down 256x1024", 256, 1024},
                                            {"classifier 2048x256", 2048, 256}};

class GemvPool {
 public:
  explicit GemvPool(const GemvShape& s)
      : shape_(s),
        copies_(int((size_t(19) << 20) / (size_t(s.out) * size_t(s.in) * sizeof(float)))),
        weights_(size_t(s.out) * size_t(s.in) * size_t(copies_), 0.01f),
        x_(size_t(s.in), 1.0f),
        y_(size_t(s.out)) {}
  // One pass over every copy; returns a value so the compiler cannot drop the work.
  float gemv() {
    const size_t one = size_t(shape_.out) * size_t(shape_.in);
    for (int c = 0; c < copies_; ++c)
      matvec(x_.data(), weights_.data() + c * one, shape_.out, shape_.in, y_.data());
    return y_[0];
  }
  float stream() const { return stream_sum(weights_.data(), weights_.size()); }
  size_t bytes() const { return weights_.size() * sizeof(float); }

 private:
  GemvShape shape_;
  int copies_;
  AlignedFloats weights_;
  std::vector<float> x_, y_;
};

}  // namespace circulant::bench
