// The decode step's matrix-vector products at the shipped model's shapes, each cycling through
// copies that add up to the shipped model's 18.9 MB, beside a plain streaming read of the same
// bytes (kernels/ops.h stream_sum): the physical limit of a kernel that must read every weight
// once. The copies start on a cache line, as the weights do in WebAssembly (model/checkpoint.h).
// Shared by the Google Benchmark target (native) and the plain-timer one (WebAssembly, where Debian
// has no Google Benchmark to link).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

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
  explicit GemvPool(const GemvShape& s) : shape_(s), x_(size_t(s.in), 1.0f), y_(size_t(s.out)) {
    const size_t one = size_t(s.out) * size_t(s.in);
    copies_ = int((size_t(19) << 20) / (one * sizeof(float)));
    storage_.assign(one * size_t(copies_) + 16, 0.01f);
    const auto address = reinterpret_cast<uintptr_t>(storage_.data());
    weights_ = storage_.data() + ((64 - address % 64) % 64) / sizeof(float);
    floats_ = one * size_t(copies_);
  }
  // One pass over every copy; returns a value so the compiler cannot drop the work.
  float gemv() {
    const size_t one = size_t(shape_.out) * size_t(shape_.in);
    for (int c = 0; c < copies_; ++c)
      matvec(x_.data(), weights_ + c * one, shape_.out, shape_.in, y_.data());
    return y_[0];
  }
  float stream() const { return stream_sum(weights_, floats_); }
  size_t bytes() const { return floats_ * sizeof(float); }

 private:
  GemvShape shape_;
  std::vector<float> storage_, x_, y_;
  const float* weights_ = nullptr;
  size_t floats_ = 0;
  int copies_ = 0;
};

}  // namespace circulant::bench
