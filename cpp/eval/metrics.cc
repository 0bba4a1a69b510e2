// Metrics, accumulated in double.
#include "eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <tuple>
#include <utility>

#include "kernels/ops.h"
#include "util/thread_pool.h"

namespace circulant {
namespace {

std::vector<double> log_softmax(const float* logits, int n) {
  const double log_sum = log_sum_exp(logits, n);
  std::vector<double> out(n);
  for (int i = 0; i < n; ++i) out[i] = double(logits[i]) - log_sum;
  return out;
}

std::vector<int> top_k(const float* logits, int n, int k) {
  std::vector<int> index(n);
  std::iota(index.begin(), index.end(), 0);
  k = std::min(k, n);
  std::partial_sort(index.begin(), index.begin() + k, index.end(), [logits](int a, int b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  index.resize(k);
  return index;
}

bool all_finite(const float* values, int n) {
  for (int i = 0; i < n; ++i)
    if (!std::isfinite(values[i])) return false;
  return true;
}

bool all_zero(const float* values, int n) {
  for (int i = 0; i < n; ++i)
    if (values[i] != 0) return false;
  return true;
}

// Why compare_logits leaves metrics of this position NaN, or "" when it leaves none.
std::string undefined_reason(const float* teacher, const float* student, int vocab) {
  for (const auto& [logits, model] : {std::pair{teacher, "teacher"}, {student, "student"}})
    if (!all_finite(logits, vocab))
      return std::string("the ") + model + "'s logits are not finite (its numbers overflow)";
  for (const auto& [logits, model] : {std::pair{teacher, "teacher"}, {student, "student"}})
    if (all_zero(logits, vocab))
      return std::string("the ") + model +
             "'s logits are all zero, which gives a cosine no direction";
  return "";
}

// Two-sided 97.5 % quantiles of Student's t for 1..30 degrees of freedom; 1.96 beyond.
double t_quantile(int df) {
  static const double table[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                 2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                 2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                 2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  return df >= 1 && df <= 30 ? table[df - 1] : 1.96;
}

}  // namespace

PositionMetrics compare_logits(const float* teacher, const float* student, int vocab) {
  PositionMetrics m;
  const double nan = std::nan("");
  if (!all_finite(teacher, vocab) || !all_finite(student, vocab)) return {nan, nan, nan, nan};
  const auto log_p = log_softmax(teacher, vocab), log_q = log_softmax(student, vocab);
  double dot = 0, norm_t = 0, norm_s = 0;
  for (int i = 0; i < vocab; ++i) {
    m.kl += std::exp(log_p[i]) * (log_p[i] - log_q[i]);
    dot += double(teacher[i]) * student[i];
    norm_t += double(teacher[i]) * teacher[i];
    norm_s += double(student[i]) * student[i];
  }
  if (m.kl < 0) m.kl = 0;  // rounding can leave -1e-17 for identical distributions
  // All-zero logits have no direction: 0/0, left NaN on purpose.
  m.cosine = norm_t > 0 && norm_s > 0 ? dot / std::sqrt(norm_t * norm_s) : nan;
  const auto top_t = top_k(teacher, vocab, 5), top_s = top_k(student, vocab, 5);
  m.top1 = top_t[0] == top_s[0] ? 1.0 : 0.0;
  int shared = 0;
  for (int t : top_t) shared += int(std::count(top_s.begin(), top_s.end(), t));
  m.top5 = shared / double(top_t.size());
  return m;
}

Interval mean_interval(const std::vector<double>& values) {
  Interval r;
  const size_t n = values.size();
  if (n == 0) return r;
  for (double v : values)
    if (!std::isfinite(v)) {
      r.mean = r.low = r.high = std::nan("");
      r.undefined = "a value it averages is not a number";
      return r;
    }
  r.mean = std::accumulate(values.begin(), values.end(), 0.0) / n;
  r.low = r.high = r.mean;
  if (n < 2) return r;
  double ss = 0;
  for (double v : values) ss += (v - r.mean) * (v - r.mean);
  const double half = t_quantile(int(n - 1)) * std::sqrt(ss / (n - 1) / n);
  r.low = r.mean - half;
  r.high = r.mean + half;
  return r;
}

Interval metric_interval(const std::vector<double>& values, const std::string& metric) {
  Interval r = mean_interval(values);
  if ((metric == "top1" || metric == "top5") && r.undefined.empty())
    r.low = std::max(r.low, 0.0), r.high = std::min(r.high, 1.0);
  return r;
}

PromptResult compare_prompt(const float* teacher, const float* student, int rows, int vocab) {
  PromptResult prompt;
  for (int row = 0; row < rows; ++row) {
    const float* t = teacher + size_t(row) * vocab;
    const float* s = student + size_t(row) * vocab;
    prompt.positions.push_back(compare_logits(t, s, vocab));
    // Overflow makes every metric NaN and outranks all-zero logits, which make only the cosine.
    if (prompt.undefined.empty() || prompt.undefined.find("not finite") == std::string::npos) {
      const std::string why = undefined_reason(t, s, vocab);
      if (!why.empty()) prompt.undefined = why;
    }
  }
  const double n = double(rows);
  for (const PositionMetrics& p : prompt.positions) {
    prompt.mean.kl += p.kl / n;
    prompt.mean.cosine += p.cosine / n;
    prompt.mean.top1 += p.top1 / n;
    prompt.mean.top5 += p.top5 / n;
  }
  return prompt;
}

Comparison summarize(std::vector<PromptResult> prompts) {
  Comparison out;
  const std::tuple<const char*, Interval*, double PositionMetrics::*> metrics[] = {
      {"kl", &out.kl, &PositionMetrics::kl},
      {"cosine", &out.cosine, &PositionMetrics::cosine},
      {"top1", &out.top1, &PositionMetrics::top1},
      {"top5", &out.top5, &PositionMetrics::top5}};
  for (const auto& [name, interval, field] : metrics) {
    std::vector<double> values;
    for (const PromptResult& p : prompts) values.push_back(p.mean.*field);
    *interval = metric_interval(values, name);
    // The first prompt whose value is NaN says why.
    for (size_t i = 0; i < prompts.size() && !interval->undefined.empty(); ++i)
      if (std::isnan(prompts[i].mean.*field) && !prompts[i].undefined.empty()) {
        interval->undefined = prompts[i].undefined + " (prompt " + std::to_string(i + 1) + ")";
        break;
      }
  }
  out.prompts = std::move(prompts);
  return out;
}

// Prompts run side by side, one on each thread, each with the thread's own run states (made on
// first use); a prompt's result depends on its tokens only, and summarize reads them in order.
Comparison compare_models(const Transformer& teacher, const Transformer& student,
                          const std::vector<std::vector<int>>& prompts, Positions positions) {
  const Config& c = teacher.config();
  const bool all = positions == Positions::kAll;
  std::vector<std::unique_ptr<RunState>> teacher_states(threads()), student_states(threads());
  std::vector<PromptResult> results(prompts.size());
  parallel_for(int64_t(prompts.size()), [&](int64_t i) {
    std::unique_ptr<RunState>& ts = teacher_states[thread_index()];
    std::unique_ptr<RunState>& ss = student_states[thread_index()];
    if (!ts) ts = std::make_unique<RunState>(c), ss = std::make_unique<RunState>(c);
    ts->reset(), ss->reset();
    const std::vector<int>& tokens = prompts[i];
    const int n = int(tokens.size());
    const float* t = forward(teacher, *ts, tokens.data(), n, all);
    const float* s = forward(student, *ss, tokens.data(), n, all);
    results[i] = compare_prompt(t, s, all ? n : 1, c.vocab_size);
  });
  return summarize(std::move(results));
}

}  // namespace circulant
