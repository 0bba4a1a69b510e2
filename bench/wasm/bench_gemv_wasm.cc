// The decode GEMV against a streaming read of the same bytes (gemv_pool.h) in WebAssembly, run
// under Node: `node tests/wasm/run.cjs build/wasm-tests/bench/wasm/bench_gemv_wasm.cjs`. A plain
// timer, since there is no Google Benchmark for Emscripten here: after a warm-up that lets Node
// tier the code up, the two alternate and the fastest of 9 repetitions of each is kept.
#include <algorithm>
#include <chrono>
#include <cstdio>

#include "gemv_pool.h"

namespace {

template <class F>
double fastest_bytes_per_second(F&& pass, size_t bytes, double& sink) {
  using clock = std::chrono::steady_clock;
  double best = 0;
  for (int repetition = 0; repetition < 9; ++repetition) {
    const auto start = clock::now();
    int passes = 0;
    do sink += pass(), ++passes;
    while (clock::now() - start < std::chrono::milliseconds(40));
    const double seconds = std::chrono::duration<double>(clock::now() - start).count();
    best = std::max(best, double(bytes) * passes / seconds);
  }
  return best;
}

}  // namespace

int main() {
  using namespace circulant::bench;
  double sink = 0;
  std::printf(
      "| decode GEMV, WebAssembly in Node (19 MB of weights) | GB/s | streaming read GB/s | share "
      "of the bound |\n|---|---:|---:|---:|\n");
  for (const GemvShape& s : kGemvShapes) {
    GemvPool p(s);
    for (int i = 0; i < 20; ++i) sink += p.gemv() + p.stream();  // warm-up: tier up the code
    const double g = fastest_bytes_per_second([&] { return p.gemv(); }, p.bytes(), sink);
    const double r = fastest_bytes_per_second([&] { return p.stream(); }, p.bytes(), sink);
    std::printf("| %s | %.1f | %.1f | %.2f |\n", s.name, g / 1e9, r / 1e9, g / r);
  }
  return sink == 12345.0;  // never: keeps the sums alive
}
