// Buffers that start on a 64-byte cache line: a row that starts there never makes a vector load
// straddle two lines, so streaming reads and matrix-vector products run at their best. The one
// place the alignment arithmetic lives (the checkpoint's placement, benchmarks, the bound).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace circulant {

constexpr size_t kCacheLineBytes = 64;

// Bytes to add to `address` to reach the next cache-line boundary (0 when it is on one).
inline size_t bytes_to_cache_line(uintptr_t address) {
  return (kCacheLineBytes - address % kCacheLineBytes) % kCacheLineBytes;
}

// An allocator whose resize() leaves new elements as they were: for a buffer written whole right
// after (the model file's copy, the widened weights), zeros first are a pass over memory for
// nothing, and in a browser's first, baseline-compiled run a slow one (docs/loading.md).
template <class T>
struct UninitializedAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <class U>
  UninitializedAllocator(const UninitializedAllocator<U>&) {}
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

// `floats` floats starting on a cache line: all `fill`, or, given kUninitialized, left for the
// caller to write every one of them.
class AlignedFloats {
 public:
  struct Uninitialized {};
  static constexpr Uninitialized kUninitialized{};

  explicit AlignedFloats(size_t floats, float fill = 0.0f)
      : storage_(floats + kPadding, fill), floats_(floats) {
    place();
  }
  AlignedFloats(size_t floats, Uninitialized) : storage_(floats + kPadding), floats_(floats) {
    place();
  }
  float* data() { return storage_.data() + offset_; }
  const float* data() const { return storage_.data() + offset_; }
  size_t size() const { return floats_; }
  // Floats allocated, the padding that finds the line included.
  size_t allocated() const { return storage_.capacity(); }

 private:
  static constexpr size_t kPadding = kCacheLineBytes / sizeof(float);
  void place() {
    offset_ = bytes_to_cache_line(reinterpret_cast<uintptr_t>(storage_.data())) / sizeof(float);
  }
  std::vector<float, UninitializedAllocator<float>> storage_;
  size_t floats_, offset_ = 0;
};

// Growable buffers on a cache line. Threads write neighbouring tiles of one product's outputs: on a
// line of its own a tile's rows are written by one core only, where straddling ones bounced
// between the two (a 64-token prefill at two threads ran 1.33× one thread's speed, 1.46× after).
template <class T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <class U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}
  T* allocate(size_t n) {
    return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t(kCacheLineBytes)));
  }
  void deallocate(T* p, size_t) { ::operator delete(p, std::align_val_t(kCacheLineBytes)); }
  template <class U>
  bool operator==(const CacheLineAllocator<U>&) const {
    return true;
  }
  template <class U>
  bool operator!=(const CacheLineAllocator<U>&) const {
    return false;
  }
};
template <class T>
using LineVector = std::vector<T, CacheLineAllocator<T>>;
using LineFloats = LineVector<float>;

}  // namespace circulant
