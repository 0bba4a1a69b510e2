// Room in the engine's heap made ahead of a model, while its file still downloads. A browser
// hands a WebAssembly heap new pages untouched: the first write to each page costs the operating
// system a fault (2.8 ms a MB on the 2-core machine of docs/loading.md), which loading the default
// model (its file copied in, then widened to float32: 28 MB) paid on the way to the first number.
#include <emscripten/bind.h>

#include <cstdint>
#include <cstdlib>

namespace circulant {
namespace {

constexpr size_t kPageBytes = 4096;

// Allocates `bytes`, writes once to each page and frees them: the allocator keeps the room at the
// top of its heap, so the allocations that follow land on pages already written. False when the
// heap cannot grow that far (nothing is kept then; the load reports what does not fit).
bool reserveHeap(double bytes) {
  if (!(bytes > 0) || bytes > double(SIZE_MAX / 2)) return false;
  auto* room = static_cast<uint8_t*>(std::malloc(size_t(bytes)));
  if (room == nullptr) return false;
  volatile uint8_t* written = room;  // volatile: the writes must happen although the room is freed
  for (size_t at = 0; at < size_t(bytes); at += kPageBytes) written[at] = 0;
  std::free(room);
  return true;
}

}  // namespace

EMSCRIPTEN_BINDINGS(heap) { emscripten::function("reserveHeap", &reserveHeap); }

}  // namespace circulant
