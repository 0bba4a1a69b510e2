// One distillation step against teacher forward passes over the same batch, side by side in one
// run: the shipped model, the first 16 lines of the shipped calibration set, every MLP matrix of
// every layer at B = 16 (and 64), one thread. Prints seconds per step and the ratio, with the
// teacher's targets cached (the first 128 MB of lines) and recomputed (the lines beyond them).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

#include "eval/prompt_set.h"
#include "model/checkpoint.h"
#include "model/tokenizer.h"
#include "student/distill.h"

namespace {

using namespace circulant;

struct Fixture {
  std::unique_ptr<Transformer> teacher;
  std::vector<std::vector<int>> batch;  // token ids of 16 calibration lines
};

const Fixture& fixture() {
  static Fixture f = [] {
    Fixture out;
    const std::string models = std::string(CIRCULANT_SOURCE_DIR) + "/models/";
    auto weights = load_checkpoint(models + "default.bin");
    auto tokenizer = Tokenizer::load(models + "tokenizer.bin", 2048);
    auto lines = read_lines(models + "prompts/calibration.txt");
    if (!weights.ok() || !tokenizer.ok() || !lines.ok()) {
      std::fprintf(stderr,
                   "bench_distill_step: cannot load the shipped model and calibration set\n");
      std::exit(1);
    }
    out.teacher = std::make_unique<Transformer>(weights.value());
    lines->resize(16);
    out.batch =
        encode_lines(lines.value(), tokenizer.value(), out.teacher->config(), LongLines::kTruncate)
            .value();
    return out;
  }();
  return f;
}

std::map<std::string, double> seconds;  // fastest iteration of each benchmark

void record(benchmark::State& state, const std::string& name, double elapsed) {
  state.SetIterationTime(elapsed);
  auto it = seconds.find(name);
  if (it == seconds.end() || elapsed < it->second) seconds[name] = elapsed;
}

void teacher_forward(benchmark::State& state) {
  const Fixture& f = fixture();
  RunState run(f.teacher->config());
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    for (const auto& line : f.batch) {
      run.reset();
      benchmark::DoNotOptimize(forward(*f.teacher, run, line.data(), int(line.size()), true));
    }
    record(state, "teacher",
           std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
}

void distill_step(benchmark::State& state) {
  const Fixture& f = fixture();
  StudentPlan plan;
  plan.layers = parse_layers("all", f.teacher->config().n_layers).value();
  plan.matrices = parse_matrices("all").value();
  plan.block = int(state.range(0));
  plan.method = Method::kDistill;
  const bool cached = state.range(1) != 0;
  auto d = Distiller::create(*f.teacher, check_plan(plan, f.teacher->config().n_layers).value(),
                             f.batch, cached ? Distiller::kTeacherCacheBytes : 0);
  d.value()->step();  // cached: the teacher's targets are computed on first use, outside the timing
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(d.value()->step());
    record(state, "B" + std::to_string(plan.block) + (cached ? "" : " recomputed"),
           std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
}

}  // namespace

BENCHMARK(teacher_forward)->UseManualTime()->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(distill_step)
    ->Args({16, 1})
    ->Args({64, 1})
    ->Args({16, 0})
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond)
    ->MinTime(4.0);

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  const double teacher = seconds["teacher"];
  std::printf(
      "\n| what (16 calibration lines, %lld tokens) | seconds (fastest) | ÷ teacher forward |\n"
      "|---|---:|---:|\n| teacher forward, all positions | %.3f | 1.00 |\n",
      (long long)count_tokens(fixture().batch), teacher);
  for (const char* b : {"B16", "B64", "B16 recomputed"})
    if (seconds.count(b))
      std::printf("| distillation step, all layers, %s | %.3f | %.2f |\n", b, seconds[b],
                  seconds[b] / teacher);
  return 0;
}
