// Throughput: warm-up, then the median of several timed runs per model.
#include "eval/throughput.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <utility>

#include "kernels/aligned_floats.h"
#include "kernels/ops.h"

namespace circulant {
namespace {

struct RunTimes {
  std::vector<double> prefill_seconds, decode_seconds, prefill_share, decode_share;
  std::vector<double> stream_seconds;  // paired with decode_seconds, run by run
  std::vector<double> memory_seconds;  // one read of the large buffer, run by run
};

using Spans = std::vector<std::pair<const float*, size_t>>;

double seconds_of_stream(const Spans& spans, int passes) {
  volatile float sink = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < passes; ++i)
    for (const auto& [data, floats] : spans) sink = sink + stream_sum(data, floats);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The bytes a decode step reads, where they lie and in the order it reads them: each layer's
// weights with the KV cache rows attention reads between its projections, then the classifier.
// So the bound is a read of the very same bytes, with their alignment and their place in the
// caches (a separate buffer of the same size evicted the weights between runs). Empty unless
// every operator is dense: a student's structured parameters live inside its operators.
struct DecodeBytes {
  std::vector<Spans> before_attention, after_attention;  // per layer
  Spans last;
  bool empty() const { return last.empty(); }
};

DecodeBytes dense_decode_bytes(const Transformer& model) {
  const Config& c = model.config();
  const Weights& w = model.weights();
  DecodeBytes b;
  auto dense = [](const LinearOperator* o) -> std::pair<const float*, size_t> {
    const auto* d = dynamic_cast<const DenseLinear*>(o);
    return d ? std::pair{d->weight(), size_t(d->parameter_count())} : std::pair{nullptr, 0};
  };
  for (int l = 0; l < c.n_layers; ++l) {
    const LayerOperators& op = model.layer(l);
    Spans before = {{w.layers[l].rms_attention, size_t(c.dim)}}, after;
    for (const auto* o : {op.wq.get(), op.wk.get(), op.wv.get()}) before.push_back(dense(o));
    for (const auto* o : {op.wo.get(), op.w1.get(), op.w3.get(), op.w2.get()})
      after.push_back(dense(o));
    after.insert(after.begin() + 1, {w.layers[l].rms_ffn, size_t(c.dim)});
    for (const Spans* spans : {&before, &after})
      for (const auto& span : *spans)
        if (!span.first) return {};
    b.before_attention.push_back(std::move(before));
    b.after_attention.push_back(std::move(after));
  }
  b.last = {{w.token_embedding, size_t(c.dim)},
            {w.rms_final, size_t(c.dim)},
            {w.classifier, size_t(c.vocab_size) * c.dim}};
  return b;
}

// Every decode step of a run, from position `first`, read as the steps read it: the weights and
// the key and value rows 0 … pos of each layer from `state`'s cache.
double seconds_of_decode_reads(const DecodeBytes& b, const RunState& state, const Config& c,
                               int first, int steps) {
  Spans all;
  for (int pos = first; pos < first + steps; ++pos) {
    const size_t kv = size_t(pos + 1) * c.kv_dim();
    for (int l = 0; l < c.n_layers; ++l) {
      all.insert(all.end(), b.before_attention[l].begin(), b.before_attention[l].end());
      all.push_back({state.key_cache(l), kv});
      all.push_back({state.value_cache(l), kv});
      all.insert(all.end(), b.after_attention[l].begin(), b.after_attention[l].end());
    }
    all.insert(all.end(), b.last.begin(), b.last.end());
  }
  return seconds_of_stream(all, 1);
}

// One prefill of `prompt` then `decode` single-token steps; the tokens fed do not change the cost.
// With `bound` bytes, then one streaming read of what those steps read; with `memory`, one read
// of it.
void time_one_run(const Transformer& model, const std::vector<int>& prompt, int decode,
                  const DecodeBytes& bound, const Spans& memory, RunTimes& out) {
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
  if (!bound.empty() && decode)
    out.stream_seconds.push_back(
        seconds_of_decode_reads(bound, state, model.config(), int(prompt.size()), decode));
  if (!memory.empty() && decode) out.memory_seconds.push_back(seconds_of_stream(memory, 1));
}

}  // namespace

std::vector<Throughput> measure_throughput(const std::vector<const Transformer*>& models,
                                           const ThroughputSettings& settings,
                                           const BeforeRun& before_run) {
  if (models.empty()) return {};
  const Config& c = models.front()->config();
  const int prompt_len = std::max(1, std::min(settings.prompt_tokens, c.seq_len - 1));
  const int decode = std::max(0, std::min(settings.decode_tokens, c.seq_len - prompt_len));
  std::vector<int> prompt(prompt_len);
  for (int i = 0; i < prompt_len; ++i) prompt[i] = (i * 7919 + 1) % c.vocab_size;  // any valid ids

  std::vector<DecodeBytes> bounds(models.size());
  if (settings.bound)
    for (size_t m = 0; m < models.size(); ++m) bounds[m] = dense_decode_bytes(*models[m]);
  Spans memory;
  if (settings.memory_read && settings.memory_read_floats)
    memory = {{settings.memory_read, settings.memory_read_floats}};
  std::vector<RunTimes> times(models.size());
  for (size_t m = 0; settings.warm_up && m < models.size(); ++m) {
    RunTimes warm_up;
    if (before_run) before_run(m);
    time_one_run(*models[m], prompt, decode, bounds[m], memory, warm_up);
  }
  for (int r = 0; r < std::max(1, settings.runs); ++r)
    for (size_t m = 0; m < models.size(); ++m) {
      if (before_run) before_run(m);
      time_one_run(*models[m], prompt, decode, bounds[m], memory, times[m]);
    }

  std::vector<Throughput> result;
  for (size_t m = 0; m < models.size(); ++m) {
    const RunTimes& t = times[m];
    Throughput th;
    const double weight_bytes = double(decode_weight_bytes(*models[m]));
    th.decode_bytes_per_token =
        decode ? weight_bytes + double(decode_cache_bytes(c, prompt_len, decode)) / decode : 0;
    if (!t.stream_seconds.empty()) {
      std::vector<double> fractions;
      for (size_t r = 0; r < t.stream_seconds.size(); ++r)
        fractions.push_back(t.stream_seconds[r] / t.decode_seconds[r]);
      th.bound_fraction = median(fractions);
      th.stream_bytes_per_second = th.decode_bytes_per_token * decode / median(t.stream_seconds);
    }
    if (!t.memory_seconds.empty()) {
      const double memory_bytes = double(settings.memory_read_floats * sizeof(float));
      std::vector<double> fractions;
      for (size_t r = 0; r < t.memory_seconds.size(); ++r)
        fractions.push_back(th.decode_bytes_per_token * decode / t.decode_seconds[r] /
                            (memory_bytes / t.memory_seconds[r]));
      th.memory_fraction = median(fractions);
      th.memory_bytes_per_second = memory_bytes / median(t.memory_seconds);
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

int64_t decode_cache_bytes(const Config& c, int first, int steps) {
  // Step at position p reads key and value rows 0 … p of every layer.
  const int64_t rows = int64_t(steps) * first + int64_t(steps) * (steps + 1) / 2;
  return 2 * int64_t(c.n_layers) * rows * c.kv_dim() * int64_t(sizeof(float));
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
  const AlignedFloats buffer(bytes / sizeof(float), 1.0f);
  const Spans whole = {{buffer.data(), buffer.size()}};
  // Each sample reads the buffer often enough to last 5 ms: one read of the shipped model's
  // 19 MB takes about 0.4 ms, which a browser's clock (100 µs steps without cross-origin
  // isolation) turned into 38, 47 or 63 GB/s and nothing between.
  std::vector<double> seconds_per_pass;
  for (int r = 0; r <= runs; ++r) {
    int passes = 1;
    double s = seconds_of_stream(whole, passes);
    while (s < 0.005 && passes < (1 << 20)) s = seconds_of_stream(whole, passes *= 2);
    if (r > 0) seconds_per_pass.push_back(s / passes);
  }
  return double(buffer.size() * sizeof(float)) / median(seconds_per_pass);
}

}  // namespace circulant
