// The page's measurements beyond accuracy: speed (with the student's spectrum cache on and off),
// the decode bound, and float32 against float16 inside the student's FFTs.
#include <chrono>

#include "eval/fft_precision.h"
#include "eval/prompt_set.h"
#include "session/playground.h"
#include "student/circulant_modes.h"
#include "student/student.h"

namespace circulant {
namespace {

const char kNoFftOperator[] =
    "the student has no block-circulant matrix with an FFT (B = 1, low-rank and removed have "
    "none): choose the circulant structure with a block size of 2 or more";

}  // namespace

Result<std::vector<Throughput>> Playground::benchmark(const ThroughputSettings& settings,
                                                      bool uncached_student) {
  if (!uncached_student) return measure_throughput({teacher_.get(), student_.get()}, settings);
  CirculantModes modes(*student_);  // gives the cache back when it goes
  if (modes.empty()) return Error{std::string("no spectrum to uncache: ") + kNoFftOperator};
  // One student measured twice, interleaved with the teacher: cached second, uncached third.
  return measure_throughput({teacher_.get(), student_.get(), student_.get()}, settings,
                            [&modes](size_t model) { modes.set_spectrum_cache(model != 2); });
}

Result<int> Playground::keep_timed(const CheckedPlan& checked, int prompt_tokens) {
  const StudentPlan& plan = *checked;
  if (plan.method == Method::kDistill || is_loss_aware(plan.projection))
    return Error{"a timed student is projected (Frobenius): its numbers do not change its speed"};
  auto structure_key = [](StudentPlan p) {
    p.block = 0;
    return plan_key(p);
  };
  int index = 0;
  for (const auto& [timed_plan, student] : timed_) {
    ++index;
    if (plan_key(timed_plan) == plan_key(plan)) return index;
  }
  if (!timed_.empty() && structure_key(timed_.front().first) != structure_key(plan)) timed_.clear();
  auto parameters = project_student(*teacher_, checked, calibration_, &svd_cache_);
  RETURN_IF_ERROR(parameters);
  auto student = assemble_student(*teacher_, checked, parameters.value());
  RETURN_IF_ERROR(student);
  timed_.emplace_back(plan, std::move(student.value()));
  ThroughputSettings prefill;
  prefill.prompt_tokens = prompt_tokens, prefill.decode_tokens = 0, prefill.runs = 1;
  prefill.warm_up = false;
  measure_throughput({&timed_.back().second}, prefill);
  return int(timed_.size());
}

Result<Throughput> Playground::time_run(int index, const ThroughputSettings& settings) const {
  if (index < 0 || index > int(timed_.size()))
    return Error{"no timed model " + std::to_string(index) + ": keep_timed has kept " +
                 std::to_string(timed_.size())};
  ThroughputSettings once = settings;
  once.runs = 1, once.warm_up = false;
  return measure_throughput({index == 0 ? teacher_.get() : &timed_[size_t(index) - 1].second}, once)
      .front();
}

void Playground::warm_up(double milliseconds) const {
  const auto start = std::chrono::steady_clock::now();
  ThroughputSettings quick;
  quick.prompt_tokens = 16, quick.decode_tokens = 16, quick.runs = 1;
  do measure_throughput({teacher_.get()}, quick);
  while (
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() <
      milliseconds);
}

Playground::DecodeBound Playground::decode_bound() const {
  DecodeBound b;
  b.weight_bytes = decode_weight_bytes(*teacher_);
  b.stream_bytes_per_second = streaming_read_bytes_per_second(size_t(b.weight_bytes), 5);
  return b;
}

Result<PrecisionReport> Playground::precision(const std::vector<std::string>& prompts,
                                              Positions positions) {
  CirculantModes modes(*student_);  // gives float32 back when it goes, whatever happens here
  if (modes.empty()) return Error{std::string("no FFT to run in float16: ") + kNoFftOperator};
  PrecisionReport report;
  for (FftPrecision p : {FftPrecision::kFloat32, FftPrecision::kFloat16}) {
    modes.set_fft_precision(p);
    double sum = 0;
    for (const BlockCirculantLinear* op : modes.operators()) sum += relative_product_error(*op);
    (p == FftPrecision::kFloat32 ? report.product_error.float32 : report.product_error.float16) =
        sum / double(modes.operators().size());
  }
  const int vocab = config().vocab_size;
  const bool all = positions == Positions::kAll;
  std::vector<PromptResult> float32, float16, shift;
  std::vector<float> logits32;  // (rows, vocab) the student in float32
  RunState state(config());
  for (size_t i = 0; i < prompts.size(); ++i) {
    auto tokens = encode_prompt(*tokenizer_, config(), prompts[i], parse_specials_);
    if (!tokens.ok()) return Error{"prompt " + std::to_string(i + 1) + ": " + tokens.error()};
    const int n = int(tokens->size()), rows = all ? n : 1;
    const float* t = teacher_logits(tokens.value()).data() + (all ? 0 : size_t(n - 1) * vocab);
    modes.set_fft_precision(FftPrecision::kFloat32);
    state.reset();
    const float* s = forward(*student_, state, tokens->data(), n, all);
    logits32.assign(s, s + size_t(rows) * vocab);
    modes.set_fft_precision(FftPrecision::kFloat16);
    state.reset();
    const float* s16 = forward(*student_, state, tokens->data(), n, all);
    float32.push_back(compare_prompt(t, logits32.data(), rows, vocab));
    float16.push_back(compare_prompt(t, s16, rows, vocab));
    shift.push_back(compare_prompt(logits32.data(), s16, rows, vocab));
  }
  report.float32 = summarize(std::move(float32));
  report.float16 = summarize(std::move(float16));
  report.shift = summarize(std::move(shift)).kl;
  return report;
}

}  // namespace circulant
