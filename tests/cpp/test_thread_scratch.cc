// What --max-memory counts for each thread beyond the first is a bound of what the threads'
// scratch really grows to: a student runs at 1, 2 and 4 threads, at several block sizes and
// structures, and every thread's buffers are read afterwards against the bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "eval/metrics.h"
#include "eval/prompt_set.h"
#include "kernels/matmul.h"
#include "model/checkpoint.h"
#include "model/generate.h"
#include "student/block_circulant_linear.h"
#include "student/low_rank_linear.h"
#include "student/student.h"
#include "test_util.h"
#include "util/thread_pool.h"

namespace circulant {
namespace {

// One thread's scratch, buffer by buffer, in floats.
struct Held {
  size_t copy = 0, slab = 0, spectra = 0, fresh = 0, inner = 0;
};

Held max_of(const Held& a, const Held& b) {
  return {std::max(a.copy, b.copy), std::max(a.slab, b.slab), std::max(a.spectra, b.spectra),
          std::max(a.fresh, b.fresh), std::max(a.inner, b.inner)};
}

// Each thread's scratch now, by thread_index() (a thread that ran no chunk here reads as empty).
std::vector<Held> held_by_thread() {
  std::vector<Held> held(threads());
  parallel_for(int64_t(threads()) * 64, [&](int64_t) {
    const BlockCirculantLinear::ScratchFloats f = BlockCirculantLinear::scratch_held();
    held[thread_index()] = {matvec_scratch_held(), f.slab, f.spectra, f.fresh,
                            LowRankLinear::scratch_held()};
  });
  return held;
}

// The bound, buffer by buffer, as the memory check computes it (student.cc sums these).
Held bound_of(const Config& c, int block, Structure structure, bool cache, bool builds) {
  Held b;
  b.copy = model_thread_scratch_bytes(c, false) / sizeof(float);
  for (MlpMatrix m : {MlpMatrix::kGate, MlpMatrix::kDown}) {
    const MatrixShape s = mlp_shape(c, m);
    if (structure == Structure::kLowRank)
      b.inner = std::max(b.inner, size_t(c.seq_len) * low_rank_rank(s.out, s.in, block));
    if (structure != Structure::kCirculant) continue;
    const auto f = BlockCirculantLinear::scratch_floats(s.out, s.in, block, cache, builds);
    b = max_of(b, {0, f.slab, f.spectra, f.fresh, 0});
  }
  return b;
}

void expect_within(const Held& held, const Held& bound, const std::string& where) {
  EXPECT_LE(held.copy, bound.copy) << where << ": matvec's copy";
  EXPECT_LE(held.slab, bound.slab) << where << ": FFT slab";
  EXPECT_LE(held.spectra, bound.spectra) << where << ": slab spectra";
  EXPECT_LE(held.fresh, bound.fresh) << where << ": fresh spectra";
  EXPECT_LE(held.inner, bound.inner) << where << ": low-rank x·Vᵀ";
}

struct Case {
  int block;
  Structure structure;
  bool cache;
};

void check_every_thread() {
  auto weights = load_checkpoint(testing::source_path("models/default.bin"));
  ASSERT_TRUE(weights.ok()) << weights.error();
  const Transformer teacher(weights.value());
  const Config& c = teacher.config();
  auto text = read_lines(testing::source_path("models/prompts/lecture-20.txt"));
  ASSERT_TRUE(text.ok()) << text.error();
  auto tokenizer = Tokenizer::load(testing::source_path("models/tokenizer.bin"), c.vocab_size);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.error();
  auto prompts = encode_lines(text.value(), tokenizer.value(), c, LongLines::kError);
  ASSERT_TRUE(prompts.ok()) << prompts.error();
  std::vector<int> whole_context(c.seq_len);  // the longest prefill a run can take
  for (int t = 0; t < c.seq_len; ++t) whole_context[t] = 1 + t % (c.vocab_size - 1);
  const std::vector<Case> cases = {{4, Structure::kCirculant, true},
                                   {16, Structure::kCirculant, false},
                                   {64, Structure::kCirculant, true},
                                   {256, Structure::kCirculant, false},
                                   {8, Structure::kLowRank, true}};
  // Buffers only grow, and a thread keeps them from one student to the next: each is checked
  // against the largest bound of what its thread has run so far (the caller's includes building).
  Held worker_bound, caller_bound;
  for (int n : {1, 2, 4}) {  // each count starts fresh workers (and one thread is the caller)
    set_threads(n);
    for (const Case& k : cases) {
      StudentPlan plan = testing::every_layer_plan(c.n_layers, k.block, Projection::kFrobenius);
      plan.structure = k.structure;
      plan.spectrum_cache = k.cache;
      auto student = build_student(teacher, testing::checked(plan, c.n_layers));
      ASSERT_TRUE(student.ok()) << student.error();
      compare_models(teacher, student.value(), prompts.value(), Positions::kAll);
      RunState state(c);
      forward(student.value(), state, whole_context.data(), c.seq_len, true);
      worker_bound = max_of(worker_bound, bound_of(c, k.block, k.structure, k.cache, false));
      caller_bound = max_of(caller_bound, bound_of(c, k.block, k.structure, k.cache, true));
      const std::vector<Held> held = held_by_thread();
      const std::string where = "B = " + std::to_string(k.block) + ", " +
                                structure_name(k.structure) + (k.cache ? "" : ", no cache") + ", " +
                                std::to_string(n) + " threads, thread ";
      for (size_t t = 0; t < held.size(); ++t)
        expect_within(held[t], t == 0 ? caller_bound : worker_bound, where + std::to_string(t));
      // Not a vacuous bound: the caller, which ran every kind of chunk, reaches it.
      if (n == 1) {
        EXPECT_EQ(held[0].fresh, caller_bound.fresh) << where << "0";
        EXPECT_EQ(held[0].inner, caller_bound.inner) << where << "0";
      }
    }
  }
  set_threads(1);
}

TEST(ThreadScratch, TheBoundHoldsWhatEveryThreadGrowsTo) {
  // On a thread of its own, whose buffers start empty whatever tests ran before in this process.
  set_threads(1);
  std::thread caller(check_every_thread);
  caller.join();
}

// The figure the CLI counts for a thread is the sum of the buffers above, in bytes.
TEST(ThreadScratch, StudentBytesAreTheBuffersBound) {
  const Config c{256, 768, 4, 8, 8, 4096, 256, true};
  for (int block : {1, 2, 16, 256})
    for (bool cache : {true, false}) {
      const Held b = bound_of(c, block, Structure::kCirculant, cache, false);
      EXPECT_EQ(student_thread_scratch_bytes(c, block, Structure::kCirculant, cache),
                (b.slab + 4 * b.spectra + 2 * b.fresh) * sizeof(float));
    }
  EXPECT_EQ(student_thread_scratch_bytes(c, 8, Structure::kLowRank, true),
            bound_of(c, 8, Structure::kLowRank, true, false).inner * sizeof(float));
  EXPECT_EQ(student_thread_scratch_bytes(c, 8, Structure::kRemoved, true), 0u);
}

}  // namespace
}  // namespace circulant
