// The decode step's matrix-vector product of every MLP and attention shape of the shipped model,
// side by side with a plain streaming read of the same bytes (kernels/ops.h stream_sum): the
// physical limit of a kernel that must read every weight once. Each shape cycles through copies
// adding up to the shipped model's 18.9 MB, so both read from the same level of the memory
// hierarchy. Prints the GEMV's share of the bound per shape.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "kernels/matmul.h"
#include "kernels/ops.h"

namespace {

struct Shape {
  const char* name;
  int out, in;
};
constexpr Shape kShapes[] = {{"attention 256x256", 256, 256},
                             {"gate/up 1024x256", 1024, 256},
                             {"down 256x1024", 256, 1024},
                             {"classifier 2048x256", 2048, 256}};
constexpr size_t kPoolBytes = size_t(19) << 20;

struct Pool {
  std::vector<float> weights, x, y;
  int copies;
};

Pool make_pool(const Shape& s) {
  Pool p;
  const size_t one = size_t(s.out) * s.in;
  p.copies = int(kPoolBytes / (one * sizeof(float)));
  p.weights.assign(one * p.copies, 0.01f);
  p.x.assign(s.in, 1.0f);
  p.y.assign(s.out, 0.0f);
  return p;
}

void gemv(benchmark::State& state, Shape s) {
  Pool p = make_pool(s);
  const size_t one = size_t(s.out) * s.in;
  for (auto _ : state) {
    for (int c = 0; c < p.copies; ++c)
      circulant::matvec(p.x.data(), p.weights.data() + c * one, s.out, s.in, p.y.data());
    benchmark::DoNotOptimize(p.y.data());
  }
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(p.weights.size() * sizeof(float)));
}

void stream(benchmark::State& state, Shape s) {
  Pool p = make_pool(s);
  for (auto _ : state)
    benchmark::DoNotOptimize(circulant::stream_sum(p.weights.data(), p.weights.size()));
  state.SetBytesProcessed(int64_t(state.iterations()) * int64_t(p.weights.size() * sizeof(float)));
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
  for (const Shape& s : kShapes) {
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
  for (const Shape& s : kShapes) {
    const double g = reporter.fastest[std::string("gemv/") + s.name + "/repeats:5"];
    const double r = reporter.fastest[std::string("stream/") + s.name + "/repeats:5"];
    std::printf("| %s | %.1f | %.1f | %.2f |\n", s.name, g / 1e9, r / 1e9, r > 0 ? g / r : 0);
  }
  return 0;
}
