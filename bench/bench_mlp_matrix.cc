// One MLP matrix, dense (the production DenseLinear path) vs block-circulant, side by side:
// shapes 1024×256 and 256×1024 (out×in), B = 2..256, T = 1 (decode) and 64 (prefill) rows,
// the circulant spectrum cache on and off. Prints a markdown table of dense/circulant ratios.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "model/linear.h"
#include "student/block_circulant_linear.h"

namespace {

using circulant::BlockCirculantLinear;
using circulant::DenseLinear;
using circulant::LinearOperator;

struct Shape {
  int out, in;
};
constexpr Shape kShapes[] = {{1024, 256}, {256, 1024}};
constexpr int kRows[] = {1, 64};
constexpr int kBlocks[] = {2, 4, 8, 16, 32, 64, 128, 256};

std::vector<float> random_values(size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.f, 0.05f);
  std::vector<float> values(count);
  for (float& v : values) v = normal(rng);
  return values;
}

std::string key(const char* kind, Shape shape, int rows, int block) {
  return std::string(kind) + "/" + std::to_string(shape.out) + "x" + std::to_string(shape.in) +
         "/T" + std::to_string(rows) + (block ? "/B" + std::to_string(block) : "");
}

// Times op.forward on `rows` random rows; the operator is shared so setup is outside the loop.
// With --benchmark_repetitions=N the table uses the fastest repetition: on a shared machine
// interference only ever adds time, so the minimum is the least noisy estimate.
void register_forward(const std::string& name, std::shared_ptr<LinearOperator> op, int rows) {
  if (!op) return;  // a shape the operator rejected: no row in the table
  auto* bench = benchmark::RegisterBenchmark(name.c_str(), [op, rows](benchmark::State& state) {
    const auto x = random_values(size_t(rows) * op->in_features(), 1);
    std::vector<float> y(size_t(rows) * op->out_features());
    op->forward(x.data(), rows, y.data());  // warm-up: scratch grows here, not in the loop
    for (auto _ : state) {
      op->forward(x.data(), rows, y.data());
      benchmark::DoNotOptimize(y.data());
      benchmark::ClobberMemory();
    }
    state.counters["params"] = double(op->parameter_count());
    state.counters["rows/s"] =
        benchmark::Counter(double(rows), benchmark::Counter::kIsIterationInvariantRate);
  });
  bench->ComputeStatistics(
      "min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); });
}

std::shared_ptr<LinearOperator> make_circulant(Shape shape, int block, bool cache) {
  const int p = (shape.out + block - 1) / block, q = (shape.in + block - 1) / block;
  auto made = BlockCirculantLinear::create(shape.out, shape.in, block,
                                           random_values(size_t(p) * q * block, block));
  if (!made.ok()) return nullptr;
  made.value()->set_spectrum_cache(cache);
  return std::shared_ptr<LinearOperator>(std::move(made.value()));
}

void register_all(std::vector<std::shared_ptr<void>>& keep_alive) {
  for (Shape shape : kShapes) {
    auto weight =
        std::make_shared<std::vector<float>>(random_values(size_t(shape.out) * shape.in, 7));
    keep_alive.push_back(weight);
    auto dense = std::make_shared<DenseLinear>(weight, weight->data(), shape.out, shape.in);
    for (int rows : kRows) {
      register_forward(key("dense", shape, rows, 0), dense, rows);
      for (int block : kBlocks) {
        register_forward(key("circulant", shape, rows, block), make_circulant(shape, block, true),
                         rows);
        register_forward(key("uncached", shape, rows, block), make_circulant(shape, block, false),
                         rows);
      }
    }
  }
}

// Keeps the console output and remembers each benchmark's CPU time per call: the "min"
// aggregate when repeated, else the single run.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  RatioReporter() : ConsoleReporter(OO_Tabular) {}  // no colour codes: the output is pasted
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      const std::string name = run.run_name.str();
      const bool min = run.run_type == Run::RT_Aggregate && run.aggregate_name == "min";
      if (min || (run.run_type == Run::RT_Iteration && !from_min_.count(name)))
        seconds_[name] = run.GetAdjustedCPUTime() * multiplier(run.time_unit);
      if (min) from_min_.insert({name, true});
    }
  }
  void print_table() const;

 private:
  static double multiplier(benchmark::TimeUnit unit) {  // → seconds
    return unit == benchmark::kNanosecond ? 1e-9 : unit == benchmark::kMicrosecond ? 1e-6 : 1e-3;
  }
  double micros(const std::string& name) const {
    auto it = seconds_.find(name);
    return it == seconds_.end() ? 0 : it->second * 1e6;
  }
  std::map<std::string, double> seconds_;
  std::map<std::string, bool> from_min_;
};

void RatioReporter::print_table() const {
  std::printf(
      "\n| shape (out×in) | T | B | dense µs | circulant µs | dense/circulant | uncached µs | "
      "cache gain |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (Shape shape : kShapes)
    for (int rows : kRows)
      for (int block : kBlocks) {
        const double dense = micros(key("dense", shape, rows, 0));
        const double circ = micros(key("circulant", shape, rows, block));
        const double uncached = micros(key("uncached", shape, rows, block));
        if (dense <= 0 || circ <= 0) continue;  // filtered out
        std::printf("| %d×%d | %d | %d | %.2f | %.2f | %.2f× | %.2f | %.2f× |\n", shape.out,
                    shape.in, rows, block, dense, circ, dense / circ, uncached,
                    circ > 0 ? uncached / circ : 0.0);
      }
  std::printf(
      "\nRatios > 1 mean the block-circulant product is faster than dense. CPU time per call.\n");
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  std::vector<std::shared_ptr<void>> keep_alive;
  register_all(keep_alive);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_table();
  benchmark::Shutdown();
  return 0;
}
