// Throughput: warm-up, then the median of several timed runs per model.
#include "eval/throughput.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>

#include "kernels/ops.h"

namespace circulant {
namespace {

struct RunTimes {
  std::vector<double> prefill_seconds, decode_seconds, prefill_share, decode_share;
  std::vector<double> stream_seconds;  // paired with decode_seconds, run by run
};

// `floats` floats from a 64-byte (cache-line) boundary: a streaming read at its best.
class AlignedFloats {
 public:
  explicit AlignedFloats(size_t floats) : storage_(floats + 16, 1.0f), floats_(floats) {
    const auto address = reinterpret_cast<uintptr_t>(storage_.data());
    offset_ = ((64 - address % 64) % 64) / sizeof(float);
  }
  const float* data() const { return storage_.data() + offset_; }
  size_t size() const { return floats_; }

 private:
  std::vector<float> storage_;
  size_t floats_, offset_ = 0;
};

double seconds_of_stream(const float* data, size_t floats, int passes) {
  volatile float sink = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < passes; ++i) sink = sink + stream_sum(data, floats);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// One prefill of `prompt` then `decode` single-token steps; the tokens fed do not change the cost.
// With `bound`, then as many streaming reads of `bound_floats` as there were decode steps.
void time_one_run(const Transformer& model, const std::vector<int>& prompt, int decode,
                  const AlignedFloats* bound, size_t bound_floats, RunTimes& out) {
  RunState state(model.config());
  ForwardTimers prefill_timers, decode_timers;
  state.timers = &prefill_timers;
  const float* logits = forward(model, state, prompt.data(), int(prompt.size()));
  state.timers = &decode_timers;
  int token = int(std::max_element(logits, logits + model.config().vocab_size) - logits);
  for (int i = 0; i < decode; ++i) {
    logits = forward(model, state, &token, 1);
    token = int(std::max_element(logits, logits + model.config().vocab_size) - logits);
  }
  out.prefill_seconds.push_back(prefill_timers.total_seconds);
  out.decode_seconds.push_back(decode_timers.total_seconds);
  out.prefill_share.push_back(prefill_timers.mlp_seconds / prefill_timers.total_seconds);
  out.decode_share.push_back(decode ? decode_timers.mlp_seconds / decode_timers.total_seconds : 0);
  if (bound && decode)
    out.stream_seconds.push_back(seconds_of_stream(bound->data(), bound_floats, decode));
}

}  // namespace

std::vector<Throughput> measure_throughput(const std::vector<const Transformer*>& models,
                                           const ThroughputSettings& settings) {
  if (models.empty()) return {};
  const Config& c = models.front()->config();
  const int prompt_len = std::max(1, std::min(settings.prompt_tokens, c.seq_len - 1));
  const int decode = std::max(0, std::min(settings.decode_tokens, c.seq_len - prompt_len));
  std::vector<int> prompt(prompt_len);
  for (int i = 0; i < prompt_len; ++i) prompt[i] = (i * 7919 + 1) % c.vocab_size;  // any valid ids

  std::vector<size_t> bound_floats(models.size(), 0);
  std::unique_ptr<AlignedFloats> bound;
  if (settings.bound) {
    for (size_t m = 0; m < models.size(); ++m)
      bound_floats[m] = size_t(decode_weight_bytes(*models[m])) / sizeof(float);
    bound = std::make_unique<AlignedFloats>(
        *std::max_element(bound_floats.begin(), bound_floats.end()));
  }
  std::vector<RunTimes> times(models.size());
  for (size_t m = 0; m < models.size(); ++m) {
    RunTimes warm_up;
    time_one_run(*models[m], prompt, decode, bound.get(), bound_floats[m], warm_up);
  }
  for (int r = 0; r < std::max(1, settings.runs); ++r)
    for (size_t m = 0; m < models.size(); ++m)
      time_one_run(*models[m], prompt, decode, bound.get(), bound_floats[m], times[m]);

  std::vector<Throughput> result;
  for (size_t m = 0; m < models.size(); ++m) {
    const RunTimes& t = times[m];
    Throughput th;
    if (!t.stream_seconds.empty()) {
      std::vector<double> fractions;
      for (size_t r = 0; r < t.stream_seconds.size(); ++r)
        fractions.push_back(t.stream_seconds[r] / t.decode_seconds[r]);
      th.bound_fraction = median(fractions);
      th.stream_bytes_per_second =
          double(bound_floats[m] * sizeof(float)) * decode / median(t.stream_seconds);
    }
    th.prefill_tokens_per_second = prompt_len / median(t.prefill_seconds);
    th.decode_tokens_per_second = decode ? decode / median(t.decode_seconds) : 0;
    th.prefill_mlp_share = median(t.prefill_share);
    th.decode_mlp_share = median(t.decode_share);
    th.prompt_tokens = prompt_len;
    th.decode_tokens = decode;
    result.push_back(th);
  }
  return result;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const size_t mid = v.size() / 2;
  return v.size() % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

int64_t decode_weight_bytes(const Transformer& model) {
  const Config& c = model.config();
  int64_t floats =
      int64_t(c.vocab_size) * c.dim + c.dim + c.dim;  // classifier, final norm, one embedding row
  for (int l = 0; l < c.n_layers; ++l) {
    const LayerOperators& op = model.layer(l);
    floats += 2 * c.dim;  // the two norms
    for (const auto* o : {op.wq.get(), op.wk.get(), op.wv.get(), op.wo.get(), op.w1.get(),
                          op.w2.get(), op.w3.get()})
      floats += o->parameter_count();
  }
  return floats * int64_t(sizeof(float));
}

double streaming_read_bytes_per_second(size_t bytes, int runs) {
  const AlignedFloats buffer(bytes / sizeof(float));
  std::vector<double> seconds;
  for (int r = 0; r <= runs; ++r) {
    const double s = seconds_of_stream(buffer.data(), buffer.size(), 1);
    if (r > 0) seconds.push_back(s);
  }
  return double(buffer.size() * sizeof(float)) / median(seconds);
}

}  // namespace circulant
