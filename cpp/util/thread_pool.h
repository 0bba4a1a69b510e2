// The engine's one thread pool: workers started once and reused, and a parallel-for over fixed
// chunks, so that results never depend on how many threads ran them.
//
// Bit-identical results at any thread count rest on one rule for callers: cut the work into
// chunks whose number and bounds do not depend on threads() (rows of a product, heads, blocks,
// frequencies, lines of a batch), let each chunk write only its own outputs, and take any sum
// across chunks afterwards, on the calling thread, in chunk order. Which thread runs a chunk, and
// when, varies from run to run; nothing else may.
//
// Builds without threads (WebAssembly without -pthread) never start one: every chunk runs on the
// calling thread, in order, and threads() stays 1.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

#include "util/result.h"

namespace circulant {

// Beyond this a count is a typo, not a machine: each worker costs a stack and its scratch.
constexpr int kMaxThreads = 256;

#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
constexpr bool kThreadsAvailable = false;
#else
constexpr bool kThreadsAvailable = true;
#endif

// The machine's cores (std::thread::hardware_concurrency, at least 1; 1 without threads), capped
// at kMaxThreads.
int hardware_threads();

// Empty when `n` is a thread count set_threads accepts (1..kMaxThreads); else one line saying the
// range, for the CLI's and the page's messages.
Status check_threads(int n);

// The pool's size from now on (1 = everything on the calling thread). The caller is one of the n
// threads: n − 1 workers wait for work. Throws std::invalid_argument outside 1..kMaxThreads
// (builds without exceptions keep the current size instead; call check_threads first). Must not
// be called from inside a parallel_for.
void set_threads(int n);

// The current size (1 in builds without threads).
int threads();

// Which of the threads() threads runs the calling code: 0 outside the workers (the caller of
// parallel_for runs chunks too), 1..threads()−1 in them. For choosing per-thread scratch (a
// chunk's results must never depend on it).
int thread_index();

namespace detail {
using ChunkFunction = void (*)(const void* body, int64_t chunk);
void run_chunks(int64_t chunks, ChunkFunction run, const void* body);
}  // namespace detail

// Calls body(chunk) once for every chunk in [0, chunks), spread over the pool, and returns when
// all have run. A call made from inside a chunk, or while another thread's parallel_for holds
// the pool, runs its chunks on the calling thread, in order (same results, no deadlock).
template <class Body>
void parallel_for(int64_t chunks, const Body& body) {
  detail::run_chunks(
      chunks, [](const void* b, int64_t chunk) { (*static_cast<const Body*>(b))(chunk); }, &body);
}

// [0, n) cut into consecutive ranges of `chunk_size` items (the last may be shorter); calls
// body(begin, end) for each. The bounds depend on n and chunk_size only.
template <class Body>
void parallel_for_ranges(int64_t n, int64_t chunk_size, const Body& body) {
  if (n <= 0) return;
  if (chunk_size < 1) chunk_size = 1;
  const int64_t chunks = (n + chunk_size - 1) / chunk_size;
  parallel_for(chunks, [&](int64_t c) {
    const int64_t begin = c * chunk_size;
    body(begin, begin + chunk_size < n ? begin + chunk_size : n);
  });
}

}  // namespace circulant
