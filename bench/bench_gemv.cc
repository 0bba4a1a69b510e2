// The decode step's matrix-vector products against a streaming read of the same bytes (see
// gemv_pool.h), natively with Google Benchmark. Prints the GEMV's share of the bound per shape.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "gemv_pool.h"

namespace {

using circulant::bench::GemvPool;
using circulant::bench::GemvShape;
using circulant::bench::kGemvShapes;

void gemv(benchmark::State& state, GemvShape s) {
  GemvPool p(s);
  for (auto _ : state) benchmark::DoNotOptimize(p.gemv());
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(p.bytes()));
}

void stream(benchmark::State& state, GemvShape s) {
  const GemvPool p(s);
  for (auto _ : state) benchmark::DoNotOptimize(p.stream());
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(p.bytes()));
}

// Bytes per second of each run, read from the reporter (the fastest repetition).
class Collect : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) {
      const double rate =
          r.counters.count("bytes_per_second") ? double(r.counters.at("bytes_per_second")) : 0;
      auto& best = fastest[r.benchmark_name()];
      best = std::max(best, rate);
    }
    ConsoleReporter::ReportRuns(runs);
  }
  std::map<std::string, double> fastest;
};

}  // namespace

int main(int argc, char** argv) {
  for (const GemvShape& s : kGemvShapes) {
    benchmark::RegisterBenchmark((std::string("gemv/") + s.name).c_str(), gemv, s)->Repetitions(5);
    benchmark::RegisterBenchmark((std::string("stream/") + s.name).c_str(), stream, s)
        ->Repetitions(5);
  }
  benchmark::Initialize(&argc, argv);
  Collect reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  std::printf(
      "\n| decode GEMV (one thread, 19 MB of weights) | GB/s | streaming read GB/s | share of the "
      "bound |\n"
      "|---|---:|---:|---:|\n");
  for (const GemvShape& s : kGemvShapes) {
    const double g = reporter.fastest[std::string("gemv/") + s.name + "/repeats:5"];
    const double r = reporter.fastest[std::string("stream/") + s.name + "/repeats:5"];
    std::printf("| %s | %.1f | %.1f | %.2f |\n", s.name, g / 1e9, r / 1e9, r > 0 ? g / r : 0);
  }
  return 0;
}
