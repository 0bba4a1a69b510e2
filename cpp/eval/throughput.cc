// Throughput: warm-up, then the median of several timed runs per model.
#include "eval/throughput.h"

#include <algorithm>
#include <chrono>

#include "kernels/ops.h"

namespace circulant {
namespace {

struct RunTimes {
  std::vector<double> prefill_seconds, decode_seconds, prefill_share, decode_share;
};

// One prefill of `prompt` then `decode` single-token steps; the tokens fed do not change the cost.
void time_one_run(const Transformer& model, const std::vector<int>& prompt, int decode,
                  RunTimes& out) {
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

  std::vector<RunTimes> times(models.size());
  for (size_t m = 0; m < models.size(); ++m) {
    RunTimes warm_up;
    time_one_run(*models[m], prompt, decode, warm_up);
  }
  for (int r = 0; r < std::max(1, settings.runs); ++r)
    for (size_t m = 0; m < models.size(); ++m) time_one_run(*models[m], prompt, decode, times[m]);

  std::vector<Throughput> result;
  for (const RunTimes& t : times) {
    Throughput th;
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
  std::vector<float> buffer(bytes / sizeof(float), 1.0f);
  std::vector<double> seconds;
  volatile float sink = 0;
  for (int r = 0; r <= runs; ++r) {
    const auto start = std::chrono::steady_clock::now();
    sink = sink + stream_sum(buffer.data(), buffer.size());
    if (r > 0)
      seconds.push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return double(buffer.size() * sizeof(float)) / median(seconds);
}

}  // namespace circulant
