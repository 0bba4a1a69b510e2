// The decode step's matrix-vector products against a streaming read of the same bytes (see
// gemv_pool.h), natively with Google Benchmark: each iteration is one pair of passes, timed side by
// side. Prints the GEMV's share of the bound per shape.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>

#include "gemv_pool.h"

namespace {

using circulant::bench::GemvPool;
using circulant::bench::GemvShape;
using circulant::bench::kGemvShapes;
using circulant::bench::PairedTimes;

struct Figures {
  double gemv_bytes_per_second, stream_bytes_per_second, share;
};
std::map<std::string, Figures> figures;  // by shape, from the last run of each

void gemv_beside_stream(benchmark::State& state, GemvShape s) {
  GemvPool p(s);
  PairedTimes times;
  float sink = 0;
  for (int i = 0; i < 4; ++i) sink += p.gemv() + p.stream();  // both start from the same caches
  for (auto _ : state) times.add_pair([&] { return p.gemv(); }, [&] { return p.stream(); }, sink);
  benchmark::DoNotOptimize(sink);
  const Figures f = {times.gemv_bytes_per_second(p.bytes()),
                     times.stream_bytes_per_second(p.bytes()), times.share()};
  state.counters["gemv_GBps"] = f.gemv_bytes_per_second / 1e9;
  state.counters["stream_GBps"] = f.stream_bytes_per_second / 1e9;
  state.counters["share"] = f.share;
  figures[s.name] = f;
}

}  // namespace

int main(int argc, char** argv) {
  for (const GemvShape& s : kGemvShapes)
    benchmark::RegisterBenchmark((std::string("gemv_beside_stream/") + s.name).c_str(),
                                 gemv_beside_stream, s)
        ->MinTime(0.5);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  std::printf(
      "\n| decode GEMV (one thread, 19 MB of weights; median of pairs) | GB/s | "
      "streaming read GB/s | share of the bound |\n"
      "|---|---:|---:|---:|\n");
  for (const GemvShape& s : kGemvShapes) {
    const auto f = figures.find(s.name);
    if (f == figures.end()) continue;  // filtered out on the command line
    std::printf("| %s | %.1f | %.1f | %.2f |\n", s.name, f->second.gemv_bytes_per_second / 1e9,
                f->second.stream_bytes_per_second / 1e9, f->second.share);
  }
  return 0;
}
