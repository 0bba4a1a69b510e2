// What a user sees is the same bits at 1, 2 and 4 threads, on the shipped model: greedy texts and
// logits of the teacher and of a student, the lecture table (prompts evaluated side by side),
// perplexity, a sweep's rows, a loss-aware-sequential student and a short distillation. Each run
// at 2 and 4 threads is compared with the run at 1, to the last bit of every float and double.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "eval/experiment.h"
#include "eval/perplexity.h"
#include "eval/prompt_set.h"
#include "model/generate.h"
#include "student/distill.h"
#include "student/low_rank_linear.h"
#include "student/student.h"
#include "test_util.h"
#include "util/thread_pool.h"

namespace circulant {
namespace {

class ThreadsOnShippedModel : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto weights = load_checkpoint(testing::source_path("models/default.bin"));
    ASSERT_TRUE(weights.ok()) << weights.error();
    teacher_ = new Transformer(weights.value());
    auto tokenizer = Tokenizer::load(testing::source_path("models/tokenizer.bin"),
                                     teacher_->config().vocab_size);
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.error();
    tokenizer_ = new Tokenizer(std::move(tokenizer.value()));
    prompts_ = lines("models/prompts/lecture-20.txt", LongLines::kError);
    calibration_ = lines("models/prompts/calibration.txt", LongLines::kTruncate);
  }
  static void TearDownTestSuite() {
    delete teacher_;
    delete tokenizer_;
  }
  void TearDown() override { set_threads(1); }

  static std::vector<std::vector<int>> lines(const std::string& file, LongLines long_lines) {
    auto text = read_lines(testing::source_path(file));
    EXPECT_TRUE(text.ok()) << text.error();
    auto encoded = encode_lines(text.value(), *tokenizer_, teacher_->config(), long_lines);
    EXPECT_TRUE(encoded.ok()) << encoded.error();
    return encoded.value();
  }

  static StudentPlan plan(int block, Projection projection) {
    return testing::every_layer_plan(teacher_->config().n_layers, block, projection);
  }

  // The bytes of what `run` returns at 1 thread, then checked at 2 and 4.
  static void expect_same_at_any_thread_count(const std::string& what,
                                              const std::function<std::string()>& run) {
    set_threads(1);
    const std::string one = run();
    ASSERT_FALSE(one.empty()) << what;
    for (int n : {2, 4}) {
      set_threads(n);
      EXPECT_TRUE(run() == one) << what << " differs at " << n << " threads";
    }
  }

  static Transformer* teacher_;
  static Tokenizer* tokenizer_;
  static std::vector<std::vector<int>> prompts_, calibration_;
};

Transformer* ThreadsOnShippedModel::teacher_ = nullptr;
Tokenizer* ThreadsOnShippedModel::tokenizer_ = nullptr;
std::vector<std::vector<int>> ThreadsOnShippedModel::prompts_, ThreadsOnShippedModel::calibration_;

template <class T>
void append(std::string& bytes, const T* values, size_t count) {
  bytes.append(reinterpret_cast<const char*>(values), count * sizeof(T));
}

void append_interval(std::string& bytes, const Interval& i) {
  const double v[] = {i.mean, i.low, i.high};
  append(bytes, v, 3);
}

std::string comparison_bytes(const Comparison& c) {
  std::string bytes;
  for (const Interval* i : {&c.kl, &c.cosine, &c.top1, &c.top5}) append_interval(bytes, *i);
  for (const PromptResult& p : c.prompts)
    for (const PositionMetrics& m : p.positions) {
      const double v[] = {m.kl, m.cosine, m.top1, m.top5};
      append(bytes, v, 4);
    }
  return bytes;
}

// Greedy texts of both models, the logits of every position of a long prompt (attention's heads
// side by side), the lecture table over all positions and perplexity (prompts side by side).
TEST_F(ThreadsOnShippedModel, TextsLogitsTableAndPerplexityOfTeacherAndStudent) {
  auto student = build_student(*teacher_, testing::checked(plan(16, Projection::kFrobenius), 4));
  ASSERT_TRUE(student.ok()) << student.error();
  std::vector<int> long_prompt;  // about 200 tokens: several calibration lines run together
  for (size_t i = 0; long_prompt.size() < 200; ++i)
    long_prompt.insert(long_prompt.end(), calibration_[i].begin(), calibration_[i].end());
  const std::vector<std::vector<int>> held_out(calibration_.end() - 30, calibration_.end());
  for (const Transformer* model : {teacher_, &student.value()}) {
    const std::string name = model == teacher_ ? "teacher" : "student";
    expect_same_at_any_thread_count(name + " texts and logits", [&] {
      std::string bytes;
      SamplerSettings greedy;
      greedy.temperature = 0;
      for (const char* prompt : {"The history of the city", "A Fourier series"}) {
        auto g = generate(*model, *tokenizer_, prompt, 48, greedy);
        EXPECT_TRUE(g.ok()) << g.error();
        bytes += g->text + "\n";
      }
      RunState state(model->config());
      const float* logits =
          forward(*model, state, long_prompt.data(), int(long_prompt.size()), true);
      append(bytes, logits, long_prompt.size() * model->config().vocab_size);
      const PerplexityResult p = perplexity(*model, held_out);
      append(bytes, &p.mean_nll, 1);
      return bytes;
    });
  }
  expect_same_at_any_thread_count("the lecture table", [&] {
    return comparison_bytes(compare_models(*teacher_, student.value(), prompts_, Positions::kAll));
  });
}

TEST_F(ThreadsOnShippedModel, SweepRows) {
  ExperimentSettings settings;
  settings.measure_speed = false;
  expect_same_at_any_thread_count("a sweep", [&] {
    auto rows = run_experiment(*teacher_, testing::checked(plan(4, Projection::kFrobenius), 4),
                               {1, 4, 32, 256}, prompts_, {}, settings);
    EXPECT_TRUE(rows.ok()) << rows.error();
    std::string bytes;
    for (const ExperimentRow& row : rows.value()) bytes += comparison_bytes(row.metrics);
    return bytes;
  });
}

// A layer's matrices are projected side by side, the low-rank ones' SVDs among them (through one
// cache, as the page's sweep does).
TEST_F(ThreadsOnShippedModel, LowRankStudent) {
  expect_same_at_any_thread_count("a low-rank student", [&] {
    StudentPlan p = plan(16, Projection::kFrobenius);
    p.structure = Structure::kLowRank;
    SvdCache cache;
    auto parameters = project_student(*teacher_, testing::checked(p, 4), {}, &cache);
    EXPECT_TRUE(parameters.ok()) << parameters.error();
    EXPECT_EQ(cache.decompositions(), size_t(3 * teacher_->config().n_layers));
    std::string bytes;
    for (const std::vector<float>& m : parameters->matrices) append(bytes, m.data(), m.size());
    return bytes;
  });
}

TEST_F(ThreadsOnShippedModel, LossAwareSequentialStudent) {
  const std::vector<std::vector<int>> calibration(calibration_.begin(), calibration_.begin() + 12);
  expect_same_at_any_thread_count("a loss-aware-sequential student", [&] {
    auto p = project_student(
        *teacher_, testing::checked(plan(32, Projection::kLossAwareSequential), 4), calibration);
    EXPECT_TRUE(p.ok()) << p.error();
    std::string bytes;
    for (const std::vector<float>& m : p->matrices) append(bytes, m.data(), m.size());
    return bytes;
  });
}

// Three steps of eight lines, with room to cache the teacher's targets of ten lines only, so
// later steps recompute some targets (side by side) and keep others.
TEST_F(ThreadsOnShippedModel, ShortDistillation) {
  StudentPlan p = plan(16, Projection::kFrobenius);
  p.method = Method::kDistill;
  p.distill.batch = 8;
  p.distill.train_norms = true;
  const std::vector<std::vector<int>> calibration(calibration_.begin(), calibration_.begin() + 20);
  size_t ten_lines = 0;
  for (int i = 0; i < 10; ++i)
    ten_lines += calibration[i].size() * teacher_->config().vocab_size * sizeof(float);
  expect_same_at_any_thread_count("a distillation", [&] {
    auto d = Distiller::create(*teacher_, testing::checked(p, 4), calibration, ten_lines);
    EXPECT_TRUE(d.ok()) << d.error();
    std::string bytes;
    for (int step = 0; step < 3; ++step) {
      const double kl = d.value()->step();
      append(bytes, &kl, 1);
    }
    const StudentParameters& trained = d.value()->parameters();
    for (const std::vector<float>& m : trained.matrices) append(bytes, m.data(), m.size());
    for (const std::vector<float>& g : trained.ffn_norms) append(bytes, g.data(), g.size());
    return bytes;
  });
}

}  // namespace
}  // namespace circulant
