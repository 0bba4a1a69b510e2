// N threads against 1 on the shipped model, side by side in one process: each round times every
// workload at 1 thread and then at N (N = argv[1], default 2), so both see the same minutes of a
// shared host. Prints the median seconds of each and the median of the rounds' ratios, with the
// load average before and after (docs/speed.md, "Threads").
//
//   build/native/bench/bench_threads [N] [rounds]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "eval/experiment.h"
#include "eval/prompt_set.h"
#include "kernels/matmul.h"
#include "model/checkpoint.h"
#include "model/tokenizer.h"
#include "student/distill.h"
#include "student/student.h"
#include "util/thread_pool.h"

namespace {

using namespace circulant;

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

template <class T>
T must(Result<T> r, const char* what) {
  if (!r.ok()) {
    std::fprintf(stderr, "bench_threads: %s: %s\n", what, r.error().c_str());
    std::exit(1);
  }
  return std::move(r.value());
}

double seconds_of(const std::function<void()>& work) {
  const auto start = std::chrono::steady_clock::now();
  work();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

struct Workload {
  std::string name;
  std::function<void()> run;
  std::vector<double> one, many;  // seconds per round at 1 thread and at N
};

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 2;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  if (!check_threads(n).ok() || rounds < 1) {
    std::fprintf(stderr, "usage: bench_threads [threads 1..%d] [rounds ≥ 1]\n", kMaxThreads);
    return 2;
  }
  const std::string models = std::string(CIRCULANT_SOURCE_DIR) + "/models/";
  const Transformer teacher(must(load_checkpoint(models + "default.bin"), "model"));
  const Config& c = teacher.config();
  const Tokenizer tokenizer = must(Tokenizer::load(models + "tokenizer.bin", c.vocab_size), "tok");
  const auto prompts = must(
      encode_lines(must(read_lines(models + "prompts/lecture-20.txt"), "prompts"), tokenizer, c),
      "prompts");
  auto lines = must(read_lines(models + "prompts/calibration.txt"), "calibration");
  lines.resize(16);
  const auto batch = must(encode_lines(lines, tokenizer, c, LongLines::kTruncate), "calibration");

  StudentPlan plan;
  plan.layers = parse_layers("all", c.n_layers).value();
  plan.matrices = parse_matrices("all").value();
  plan.block = 16;
  const Transformer student = must(build_student(teacher, must(check_plan(plan, 4), "plan")), "s");
  plan.method = Method::kDistill;
  auto distiller = must(Distiller::create(teacher, must(check_plan(plan, 4), "plan"), batch), "d");
  distiller->step();  // the teacher's targets, cached from here on

  std::vector<int> prompt;  // 64 tokens of calibration text, as `circulant bench` prefills
  for (size_t i = 0; prompt.size() < 64; ++i)
    prompt.insert(prompt.end(), batch[i].begin(), batch[i].end());
  prompt.resize(64);
  RunState state(c);
  ExperimentSettings table;
  table.measure_speed = false;
  const std::vector<int> sweep_blocks = {1, 2, 4, 8, 16, 32, 64, 128, 256};
  plan.method = Method::kProject;
  const CheckedPlan sweep_plan = must(check_plan(plan, 4), "plan");

  std::vector<Workload> work = {
      {"distillation step (B = 16, all layers, 16 lines)", [&] { distiller->step(); }},
      {"sweep (9 block sizes, 20 prompts, no timing)",
       [&] {
         must(run_experiment(teacher, sweep_plan, sweep_blocks, prompts, {}, table), "sweep");
       }},
      {"evaluating the 20 lecture prompts (teacher and B = 16 student)",
       [&] { compare_models(teacher, student, prompts, Positions::kLast); }},
      {"prefill, 64 tokens, teacher (x 20)",
       [&] {
         for (int r = 0; r < 20; ++r) state.reset(), forward(teacher, state, prompt.data(), 64);
       }},
      {"decode, 128 tokens after 64, teacher",
       [&] {
         state.reset();
         forward(teacher, state, prompt.data(), 64);
         for (int t = 0; t < 128; ++t) forward(teacher, state, &prompt[t % 64], 1);
       }},
  };
  // The decode step's matrix-vector products with their rows split in two halves across the pool
  // (one parallel_for per product, as decode would make them), against one thread: whether the
  // split pays against the hand-off at the shipped model's shapes.
  const int shapes[][2] = {{256, 256}, {1024, 256}, {256, 1024}, {2048, 256}};
  std::vector<std::vector<float>> gemv_buffers;
  for (const auto& shape : shapes) {
    const int out = shape[0], in = shape[1];
    gemv_buffers.emplace_back(size_t(out) * in + in + out, 0.01f);
    float* w = gemv_buffers.back().data();
    work.push_back({"decode GEMV " + std::to_string(out) + "x" + std::to_string(in) +
                        ", rows in halves (x 2000)",
                    [=] {
                      const float* x = w + size_t(out) * in;
                      float* y = w + size_t(out) * in + in;
                      const int half = out / 2;
                      for (int r = 0; r < 2000; ++r)
                        parallel_for(2, [&](int64_t h) {
                          matvec(x, w + size_t(h) * half * in, half, in, y + h * half);
                        });
                    }});
  }
  const std::string load_before = load_average();
  for (int round = 0; round < rounds; ++round)
    for (Workload& w : work) {
      set_threads(1);
      w.one.push_back(seconds_of(w.run));
      set_threads(n);
      w.many.push_back(seconds_of(w.run));
    }
  std::printf("\nload average before: %s, after: %s; %d rounds\n\n", load_before.c_str(),
              load_average().c_str(), rounds);
  // Other processes only ever add time, so the fastest round of each is the least disturbed.
  std::printf(
      "| workload | 1 thread, s (median) | %d threads, s (median) | speed-up, median of rounds "
      "(range) | speed-up of the fastest rounds |\n",
      n);
  std::printf("|---|---:|---:|---:|---:|\n");
  for (const Workload& w : work) {
    std::vector<double> ratios;
    for (size_t r = 0; r < w.one.size(); ++r) ratios.push_back(w.one[r] / w.many[r]);
    const double fastest = *std::min_element(w.one.begin(), w.one.end()) /
                           *std::min_element(w.many.begin(), w.many.end());
    std::printf("| %s | %.4f | %.4f | %.2f× (%.2f–%.2f) | %.2f× |\n", w.name.c_str(), median(w.one),
                median(w.many), median(ratios), *std::min_element(ratios.begin(), ratios.end()),
                *std::max_element(ratios.begin(), ratios.end()), fastest);
  }
  return 0;
}
