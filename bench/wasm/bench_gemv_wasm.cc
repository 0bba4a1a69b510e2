// The decode GEMV against a streaming read of the same bytes (gemv_pool.h) in WebAssembly, run
// under Node: `node tests/wasm/run.cjs build/wasm-tests/bench/wasm/bench_gemv_wasm.cjs`. A plain
// loop, since there is no Google Benchmark for Emscripten here: after a warm-up that lets Node
// tier the code up, 300 pairs of passes timed side by side, as in the native bench_gemv.
#include <cstdio>

#include "gemv_pool.h"

int main() {
  using namespace circulant::bench;
  float sink = 0;
  std::printf(
      "| decode GEMV, WebAssembly in Node (19 MB of weights; median of pairs) | GB/s | streaming "
      "read GB/s | share of the bound |\n|---|---:|---:|---:|\n");
  for (const GemvShape& s : kGemvShapes) {
    GemvPool p(s);
    for (int i = 0; i < 20; ++i) sink += p.gemv() + p.stream();  // warm-up: tier up the code
    PairedTimes times;
    for (int i = 0; i < 300; ++i)
      times.add_pair([&] { return p.gemv(); }, [&] { return p.stream(); }, sink);
    std::printf("| %s | %.1f | %.1f | %.2f |\n", s.name,
                times.gemv_bytes_per_second(p.bytes()) / 1e9,
                times.stream_bytes_per_second(p.bytes()) / 1e9, times.share());
  }
  return sink == 12345.0f;  // never: keeps the sums alive
}
