// The decode step's matrix-vector products at the shipped model's shapes, each cycling through
// copies that add up to the shipped model's 18.9 MB, beside a plain streaming read of the same
// bytes (kernels/ops.h stream_sum): the physical limit of a kernel that must read every weight
// once. The copies start on a cache line, as the weights do in WebAssembly (model/checkpoint.h).
// Shared by the Google Benchmark target (native) and the plain-timer one (WebAssembly, where Debian
// has no Google Benchmark to link).
#pragma once

#include <chrono>
#include <cstddef>
#include <vector>

#include "eval/throughput.h"
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
        xy_(size_t(s.in) + kGapFloats + size_t(s.out), 1.0f) {}
  // One pass over every copy; returns a value so the compiler cannot drop the work.
  float gemv() {
    const size_t one = size_t(shape_.out) * size_t(shape_.in);
    float* const y = xy_.data() + shape_.in + kGapFloats;
    for (int c = 0; c < copies_; ++c)
      matvec(xy_.data(), weights_.data() + c * one, shape_.out, shape_.in, y);
    return y[0];
  }
  float stream() const { return stream_sum(weights_.data(), weights_.size()); }
  size_t bytes() const { return weights_.size() * sizeof(float); }

 private:
  // y starts 4 KB after x ends, as the model's buffers lie apart. A kernel that reads x beside
  // the weights ran at 0.82–0.95 of the bound with y right after x and at 0.63–0.83 with y 512 B
  // or more away (docs/speed.md), so an adjacent pair would measure a case decode never sees.
  static constexpr size_t kGapFloats = 1024;
  GemvShape shape_;
  int copies_;
  AlignedFloats weights_, xy_;
};

// The GEMV's share of the bound from pairs: one GEMV pass and one streaming pass timed back to
// back, the order swapped every pair, the share the median of the pairs' ratios. On these shared
// hosts speed drifts by ±30 % from minute to minute; the fastest run of each, taken apart, came
// from different minutes: the same kernel measured 0.63–0.89 of its bound that way and 0.77–0.93
// in pairs.
class PairedTimes {
 public:
  template <class Gemv, class Stream>
  void add_pair(Gemv&& gemv, Stream&& stream, float& sink) {
    const bool gemv_first = gemv_.size() % 2 == 0;
    if (gemv_first) gemv_.push_back(seconds_of(gemv, sink));
    stream_.push_back(seconds_of(stream, sink));
    if (!gemv_first) gemv_.push_back(seconds_of(gemv, sink));
  }
  double share() const {
    std::vector<double> ratios;
    for (size_t i = 0; i < gemv_.size(); ++i) ratios.push_back(stream_[i] / gemv_[i]);
    return median(ratios);
  }
  double gemv_bytes_per_second(size_t bytes) const { return double(bytes) / median(gemv_); }
  double stream_bytes_per_second(size_t bytes) const { return double(bytes) / median(stream_); }

 private:
  template <class F>
  static double seconds_of(F&& pass, float& sink) {
    const auto start = std::chrono::steady_clock::now();
    sink += pass();
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  std::vector<double> gemv_, stream_;
};

}  // namespace circulant::bench
