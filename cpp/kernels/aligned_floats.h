// Buffers that start on a 64-byte cache line: a row that starts there never makes a vector load
// straddle two lines, so streaming reads and matrix-vector products run at their best. The one
// place the alignment arithmetic lives (the checkpoint's placement, benchmarks, the bound).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace circulant {

constexpr size_t kCacheLineBytes = 64;

// Bytes to add to `address` to reach the next cache-line boundary (0 when it is on one).
inline size_t bytes_to_cache_line(uintptr_t address) {
  return (kCacheLineBytes - address % kCacheLineBytes) % kCacheLineBytes;
}

// `floats` floats, all `fill`, starting on a cache line.
class AlignedFloats {
 public:
  explicit AlignedFloats(size_t floats, float fill = 0.0f)
      : storage_(floats + kCacheLineBytes / sizeof(float), fill), floats_(floats) {
    offset_ = bytes_to_cache_line(reinterpret_cast<uintptr_t>(storage_.data())) / sizeof(float);
  }
  float* data() { return storage_.data() + offset_; }
  const float* data() const { return storage_.data() + offset_; }
  size_t size() const { return floats_; }

 private:
  std::vector<float> storage_;
  size_t floats_, offset_ = 0;
};

}  // namespace circulant
