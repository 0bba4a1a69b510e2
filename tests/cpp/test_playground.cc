// The page's engine on the shipped model: the benchmark's uncached student (the spectrum cache is
// on again afterwards, and caching changes no logit) and the float32/float16 precision report
// (bounds from measured values; float32 afterwards, whatever happened).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "eval/prompt_set.h"
#include "session/playground.h"
#include "student/circulant_modes.h"
#include "student/student.h"
#include "test_util.h"

namespace circulant {
namespace {

constexpr char kPrompt[] = "Once upon a time, a little fox found a shiny stone.";

class PlaygroundTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto model = read_file_bytes(testing::source_path("models/default.bin"), uint64_t(1) << 30);
    ASSERT_TRUE(model.ok()) << model.error();
    auto tokenizer = read_file_bytes(testing::source_path("models/tokenizer.bin"), 1 << 20);
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.error();
    ModelBytes bytes = ModelBytes::room_for(model->size(), model->data(), 4);
    std::copy(model->begin(), model->end(), bytes.data());
    auto created = Playground::create(std::move(bytes), "default.bin", tokenizer.value(),
                                      "tokenizer.bin", uint64_t(512) << 20);
    ASSERT_TRUE(created.ok()) << created.error();
    playground_ = created.value().release();
  }
  static void TearDownTestSuite() { delete playground_; }

  static StudentPlan plan(int block, Structure structure = Structure::kCirculant) {
    StudentPlan p;
    p.block = block;
    p.structure = structure;
    p.layers = parse_layers("all", playground_->config().n_layers).value();
    p.matrices = parse_matrices("all").value();
    return p;
  }
  static CheckedPlan check(const StudentPlan& p) {
    return testing::checked(p, playground_->config().n_layers);
  }
  static void use(const StudentPlan& p) {
    auto pending = playground_->set_plan(check(p));
    ASSERT_TRUE(pending.ok()) << pending.error();
    ASSERT_EQ(pending.value(), 0);
  }
  static std::vector<PositionMetrics> positions(const std::string& prompt) {
    auto a = playground_->analyze(prompt);
    EXPECT_TRUE(a.ok()) << a.error();
    return a.ok() ? a->positions : std::vector<PositionMetrics>{};
  }
  static bool same(const std::vector<PositionMetrics>& a, const std::vector<PositionMetrics>& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](auto& x, auto& y) {
             return x.kl == y.kl && x.cosine == y.cosine && x.top1 == y.top1 && x.top5 == y.top5;
           });
  }
  static ThroughputSettings quick() {
    ThroughputSettings s;
    s.prompt_tokens = 8, s.decode_tokens = 4, s.runs = 1;
    return s;
  }

  static Playground* playground_;
};
Playground* PlaygroundTest::playground_ = nullptr;

TEST_F(PlaygroundTest, UncachedBenchmarkLeavesTheSpectrumCacheOn) {
  use(plan(16));
  const auto before = positions(kPrompt);
  auto measured = playground_->benchmark(quick(), true);
  ASSERT_TRUE(measured.ok()) << measured.error();
  ASSERT_EQ(measured->size(), 3u);  // teacher, cached student, uncached student
  for (const Throughput& t : measured.value()) EXPECT_GT(t.decode_tokens_per_second, 0);
  const auto operators = fft_operators(playground_->student());
  ASSERT_EQ(operators.size(), size_t(3 * playground_->config().n_layers));
  for (const BlockCirculantLinear* op : operators) EXPECT_TRUE(op->spectrum_cache());
  EXPECT_TRUE(same(positions(kPrompt), before));
  auto plain = playground_->benchmark(quick());
  ASSERT_TRUE(plain.ok()) << plain.error();
  EXPECT_EQ(plain->size(), 2u);
}

// The speed chart's students: kept beside the student on screen (which does not change), each
// timed alone, and installed by set_plan as they are, computing what a fresh projection computes.
TEST_F(PlaygroundTest, TimedStudentsLeaveTheStudentAndServeTheSweep) {
  use(plan(16));
  const auto on_screen = positions(kPrompt);
  ASSERT_EQ(playground_->keep_timed(check(plan(4)), 8).value(), 1);
  ASSERT_EQ(playground_->keep_timed(check(plan(64)), 8).value(), 2);
  EXPECT_EQ(playground_->keep_timed(check(plan(4)), 8).value(), 1);  // kept, not built again
  EXPECT_TRUE(same(positions(kPrompt), on_screen));
  for (int index : {0, 1, 2}) {
    auto run = playground_->time_run(index, quick());
    ASSERT_TRUE(run.ok()) << run.error();
    EXPECT_GT(run->prefill_tokens_per_second, 0);
    EXPECT_GT(run->decode_tokens_per_second, 0);
  }
  EXPECT_NE(playground_->time_run(3, quick()).error().find("keep_timed has kept 2"),
            std::string::npos);
  use(plan(64));  // the kept student
  const auto kept = positions(kPrompt);
  StudentPlan distilled = plan(64);
  distilled.method = Method::kDistill;
  EXPECT_FALSE(playground_->keep_timed(check(distilled), 8).ok());
  // Another structure empties the set (index 1 is the low-rank student now), so B = 64 is
  // projected afresh.
  EXPECT_EQ(playground_->keep_timed(check(plan(64, Structure::kLowRank)), 8).value(), 1);
  use(plan(16));
  use(plan(64));
  EXPECT_TRUE(same(positions(kPrompt), kept));
}

// All-position logits (tokens, vocab): one prefill (block-major path), or a decode step per
// token (row-major path).
std::vector<float> logits(const Transformer& model, const std::vector<int>& tokens, bool decode) {
  const int n = int(tokens.size()), vocab = model.config().vocab_size;
  RunState state(model.config());
  if (!decode) {
    const float* z = forward(model, state, tokens.data(), n, true);
    return std::vector<float>(z, z + size_t(n) * vocab);
  }
  std::vector<float> all;
  for (int t = 0; t < n; ++t) {
    const float* z = forward(model, state, &tokens[t], 1);
    all.insert(all.end(), z, z + vocab);
  }
  return all;
}

TEST_F(PlaygroundTest, UncachedStudentComputesTheCachedStudentsLogits) {
  auto weights = load_checkpoint(testing::source_path("models/default.bin"));
  ASSERT_TRUE(weights.ok()) << weights.error();
  const Transformer teacher(weights.value());
  auto built = build_student(teacher, check(plan(16)));
  ASSERT_TRUE(built.ok()) << built.error();
  Transformer& student = built.value();
  const std::vector<int> tokens = {kBos, 42, 7, 300, 1200, 5, 99, 640, 2000, 13, 8};
  for (bool decode : {false, true}) {
    const std::vector<float> cached = logits(student, tokens, decode);
    CirculantModes modes(student);
    ASSERT_FALSE(modes.empty());
    modes.set_spectrum_cache(false);
    for (const BlockCirculantLinear* op : modes.operators()) ASSERT_FALSE(op->spectrum_cache());
    const std::vector<float> uncached = logits(student, tokens, decode);
    ASSERT_EQ(uncached.size(), cached.size());
    for (size_t e = 0; e < cached.size(); ++e)
      ASSERT_NEAR(uncached[e], cached[e], 1e-5) << (decode ? "decode " : "prefill ") << e;
  }
}

TEST_F(PlaygroundTest, StudentsWithoutFftHaveNothingToUncacheOrRound) {
  for (const StudentPlan& p :
       {plan(1), plan(16, Structure::kLowRank), plan(16, Structure::kRemoved)}) {
    use(p);
    auto measured = playground_->benchmark(quick(), true);
    ASSERT_FALSE(measured.ok()) << structure_name(p.structure) << " B=" << p.block;
    EXPECT_NE(measured.error().find("no spectrum to uncache"), std::string::npos);
    EXPECT_NE(measured.error().find("block size of 2 or more"), std::string::npos);
    EXPECT_TRUE(playground_->benchmark(quick()).ok());
    auto report = playground_->precision({kPrompt}, Positions::kLast);
    ASSERT_FALSE(report.ok());
    EXPECT_NE(report.error().find("no FFT to run in float16"), std::string::npos);
  }
}

// Measured (Frobenius students, first 4 lecture prompts, all positions): product error float32
// 1.6e-7 (B = 16) and 1.7e-7 (B = 64), float16 4.6e-4 at both; KL to the teacher 7.358 and 7.402
// in either precision; shift 8.3e-9 and 1.4e-10 nats (these students' MLPs add little).
TEST_F(PlaygroundTest, PrecisionReportsFloat16FartherFromExactAndFloat32AsTheStudentRuns) {
  auto lecture = read_lines(testing::source_path("models/prompts/lecture-20.txt"));
  ASSERT_TRUE(lecture.ok()) << lecture.error();
  const std::vector<std::string> prompts(lecture->begin(), lecture->begin() + 4);
  for (int block : {16, 64}) {
    use(plan(block));
    const auto before = positions(kPrompt);
    auto report = playground_->precision(prompts, Positions::kAll);
    ASSERT_TRUE(report.ok()) << report.error();
    const PrecisionReport& r = report.value();
    EXPECT_LT(r.product_error.float32, 1e-6) << block;
    EXPECT_GT(r.product_error.float16, 2e-4) << block;
    EXPECT_LT(r.product_error.float16, 1.5e-3) << block;
    EXPECT_GT(r.shift.mean, 0) << block;     // float16 moved the student's distribution …
    EXPECT_LT(r.shift.mean, 1e-6) << block;  // … by little
    EXPECT_NE(r.float16.kl.mean, r.float32.kl.mean) << block;
    EXPECT_EQ(r.float16.prompts.size(), prompts.size());
    auto evaluated = playground_->evaluate(prompts, Positions::kAll);
    ASSERT_TRUE(evaluated.ok());
    EXPECT_EQ(r.float32.kl.mean, evaluated->kl.mean);  // float32 is the student as it runs
    EXPECT_EQ(r.float32.top5.mean, evaluated->top5.mean);
    for (const BlockCirculantLinear* op : fft_operators(playground_->student()))
      ASSERT_EQ(op->fft_precision(), FftPrecision::kFloat32);
    EXPECT_TRUE(same(positions(kPrompt), before));
  }
}

TEST_F(PlaygroundTest, PrecisionFailingHalfwayLeavesTheStudentInFloat32) {
  use(plan(32));
  auto report = playground_->precision({kPrompt, ""}, Positions::kLast);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().find("prompt 2"), std::string::npos) << report.error();
  for (const BlockCirculantLinear* op : fft_operators(playground_->student()))
    ASSERT_EQ(op->fft_precision(), FftPrecision::kFloat32);
}

// next_logits (the browser suite gives llama.cpp and this engine the same ids): the teacher's
// logits after exactly the ids given, the ones analyze's top candidates come from; no BOS added;
// ids it cannot run get a message.
TEST_F(PlaygroundTest, NextLogitsAreTheTeachersAfterExactlyTheIdsGiven) {
  use(plan(16));  // the student must not be what next_logits runs
  auto a = playground_->analyze(kPrompt);
  ASSERT_TRUE(a.ok()) << a.error();
  auto next = playground_->next_logits(a->tokens);
  ASSERT_TRUE(next.ok()) << next.error();
  const std::vector<float>& logits = next.value();
  ASSERT_EQ(int(logits.size()), playground_->config().vocab_size);
  double largest = *std::max_element(logits.begin(), logits.end()), sum = 0;
  for (float x : logits) sum += std::exp(double(x) - largest);
  for (const Candidate& top : a->teacher_top)
    EXPECT_NEAR(std::exp(double(logits[size_t(top.token)]) - largest) / sum,
                top.teacher_probability, 1e-6);
  const std::vector<int> without_bos(a->tokens.begin() + 1, a->tokens.end());
  EXPECT_NE(playground_->next_logits(without_bos).value(), logits);
  const int vocab = playground_->config().vocab_size;
  for (const std::vector<int>& bad :
       {std::vector<int>{}, {1, vocab}, {1, -1}, std::vector<int>(100000, 1)})
    EXPECT_FALSE(playground_->next_logits(bad).ok());
  EXPECT_NE(playground_->next_logits({1, vocab}).error().find("outside the vocabulary"),
            std::string::npos);
}

}  // namespace
}  // namespace circulant
