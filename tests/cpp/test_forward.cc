// The forward pass: batched prefill equals token-by-token decode, and both equal a plain float64
// single-token reference written from the architecture (as llama2.c's run.c does it), for
// llama2.c's models and with the settings GGUF's llama and qwen2 models bring.
#include <gtest/gtest.h>

#include <cmath>

#include "model/transformer.h"
#include "test_util.h"

namespace circulant {
namespace {

using testing::random_weights;

// One token at `pos` through plain float64 loops written from the architecture (llama2.c's run.c;
// llama.cpp's "neox" rope and qwen2's q/k/v biases); caches (n_layers, seq_len, kv_dim) grow as
// we go.
std::vector<double> reference_step(const Weights& w, int token, int pos, std::vector<double>& kc,
                                   std::vector<double>& vc) {
  using Vec = std::vector<double>;
  const Config& c = w.config;
  const int dim = c.dim, kv_dim = c.kv_dim(), hs = c.head_size();
  Vec x(w.token_embedding + size_t(token) * dim, w.token_embedding + size_t(token + 1) * dim);
  auto norm = [&](const Vec& v, const float* g) {
    double ss = 0;
    for (double e : v) ss += e * e;
    Vec o(v.size());
    for (size_t i = 0; i < v.size(); ++i)
      o[i] = g[i] * v[i] / std::sqrt(ss / v.size() + double(c.norm_epsilon));
    return o;
  };
  auto mat = [](const float* W, const Vec& v, int out, const float* bias = nullptr) {
    Vec y(out);
    for (int o = 0; o < out; ++o) {
      for (size_t i = 0; i < v.size(); ++i) y[o] += W[o * v.size() + i] * v[i];
      if (bias) y[o] += bias[o];
    }
    return y;
  };
  auto rotate = [&](Vec& v) {  // pair p of each head: (2p, 2p+1), or (p, p + hs/2) in halves
    const bool halves = c.rope_style == RopeStyle::kHalves;
    for (size_t head = 0; head < v.size(); head += hs)
      for (int p = 0; p < hs / 2; ++p) {
        const double a = pos / std::pow(double(c.rope_theta), 2.0 * p / hs);
        const size_t i = head + (halves ? p : 2 * p), j = i + (halves ? hs / 2 : 1);
        const double v0 = v[i], v1 = v[j];
        v[i] = v0 * std::cos(a) - v1 * std::sin(a);
        v[j] = v0 * std::sin(a) + v1 * std::cos(a);
      }
  };
  for (int l = 0; l < c.n_layers; ++l) {
    const Weights::Layer& L = w.layers[l];
    auto xb = norm(x, L.rms_attention);
    auto q = mat(L.wq, xb, dim, L.bq), k = mat(L.wk, xb, kv_dim, L.bk);
    auto v = mat(L.wv, xb, kv_dim, L.bv);
    rotate(q), rotate(k);
    double* kl = kc.data() + size_t(l) * c.seq_len * kv_dim;
    double* vl = vc.data() + size_t(l) * c.seq_len * kv_dim;
    std::copy(k.begin(), k.end(), kl + size_t(pos) * kv_dim);
    std::copy(v.begin(), v.end(), vl + size_t(pos) * kv_dim);
    Vec att_out(dim, 0.0);
    for (int h = 0; h < c.n_heads; ++h) {
      const int kvh = h / (c.n_heads / c.n_kv_heads);
      Vec s(pos + 1);
      double mx = -1e300, sum = 0;
      for (int t = 0; t <= pos; ++t) {
        double d = 0;
        for (int i = 0; i < hs; ++i) d += q[h * hs + i] * kl[size_t(t) * kv_dim + kvh * hs + i];
        s[t] = d / std::sqrt(double(hs));
        mx = std::max(mx, s[t]);
      }
      for (double& e : s) sum += (e = std::exp(e - mx));
      for (int t = 0; t <= pos; ++t)
        for (int i = 0; i < hs; ++i)
          att_out[h * hs + i] += s[t] / sum * vl[size_t(t) * kv_dim + kvh * hs + i];
    }
    auto o = mat(L.wo, att_out, dim);
    for (int i = 0; i < dim; ++i) x[i] += o[i];
    xb = norm(x, L.rms_ffn);
    auto g = mat(L.w1, xb, c.hidden_dim), u = mat(L.w3, xb, c.hidden_dim);
    for (int i = 0; i < c.hidden_dim; ++i) g[i] = g[i] / (1 + std::exp(-g[i])) * u[i];
    auto d = mat(L.w2, g, dim);
    for (int i = 0; i < dim; ++i) x[i] += d[i];
  }
  return mat(w.classifier, norm(x, w.rms_final), c.vocab_size);
}

template <class A, class B>
double max_abs_diff(const A* a, const B* b, int n) {
  double m = 0;
  for (int i = 0; i < n; ++i) m = std::max(m, std::fabs(double(a[i]) - double(b[i])));
  return m;
}

std::vector<int> test_tokens(const Config& c, int n) {
  std::vector<int> tokens(n);
  for (int i = 0; i < n; ++i) tokens[i] = (i * 31 + 1) % c.vocab_size;
  return tokens;
}

// (n, vocab) logits of test_tokens in one batch
std::vector<float> prefill_logits(const std::shared_ptr<const Weights>& weights, int n) {
  const Transformer model(weights);
  RunState batch(weights->config);
  const float* all =
      forward(model, batch, test_tokens(weights->config, n).data(), n, /*all_logits=*/true);
  return std::vector<float>(all, all + size_t(n) * weights->config.vocab_size);
}

constexpr double kAgree = 1e-4;  // the largest difference of a logit between two paths

// Checks all three paths agree on a sequence of `n` tokens.
void expect_paths_agree(const std::shared_ptr<const Weights>& weights, int n) {
  ASSERT_NE(weights, nullptr);
  const Config& c = weights->config;
  const Transformer model(weights);
  const std::vector<int> tokens = test_tokens(c, n);
  const std::vector<float> prefill = prefill_logits(weights, n);

  RunState step(c);
  const size_t cache = size_t(c.n_layers) * c.seq_len * c.kv_dim();
  std::vector<double> kc(cache), vc(cache);
  for (int t = 0; t < n; ++t) {
    const float* decoded = forward(model, step, &tokens[t], 1);
    EXPECT_LT(max_abs_diff(decoded, &prefill[size_t(t) * c.vocab_size], c.vocab_size), kAgree)
        << "position " << t;
    const auto reference = reference_step(*weights, tokens[t], t, kc, vc);
    EXPECT_LT(max_abs_diff(decoded, reference.data(), c.vocab_size), kAgree) << "position " << t;
  }
}

TEST(Forward, PrefillDecodeAndReferenceAgreeOnGroupedQueryTiedModel) {
  Config c{64, 172, 2, 8, 4, 512, 64, true};
  expect_paths_agree(random_weights(c, 1), 20);
}

TEST(Forward, PrefillDecodeAndReferenceAgreeOnWideModelWithSeparateClassifier) {
  // Shapes stories260K does not have: dim 256, hidden 1024, n_kv_heads = n_heads, own classifier.
  Config c{256, 1024, 2, 4, 4, 300, 32, false};
  expect_paths_agree(random_weights(c, 2, 0.05f), 12);
}

TEST(Forward, PrefillDecodeAndReferenceAgreeOnPeerModel) {
  const std::string path = testing::peer_path("stories260K.bin");
  if (!testing::file_exists(path))
    GTEST_SKIP() << "../shared/peer-models is absent; peer tests skipped";
  auto weights = load_checkpoint(path);
  ASSERT_TRUE(weights.ok()) << weights.error();
  expect_paths_agree(weights.value(), 40);
}

// ----------------------------------------------------------------------------
// Settings of GGUF models (llama, qwen2) that llama2.c's never change, on 6 query heads sharing 2
// key/value heads of size 8. Each setting must move some logit ten times further than the paths
// may differ, or a pass that ignored it could still match the reference.

Config grouped_config() { return Config{48, 96, 2, 6, 2, 97, 24, true}; }

void expect_setting_runs(const Config& c, const std::vector<Config>& without) {
  const auto weights = testing::random_weights_with_architecture(c, 5);
  expect_paths_agree(weights, 16);
  const std::vector<float> logits = prefill_logits(weights, 16);
  for (const Config& other : without) {
    const auto plain = prefill_logits(testing::random_weights_with_architecture(other, 5), 16);
    EXPECT_GT(max_abs_diff(logits.data(), plain.data(), int(logits.size())), 10 * kAgree);
  }
}

TEST(Forward, RopeBaseAndNormEpsilonComeFromTheConfig) {
  Config c = grouped_config(), old_theta, old_epsilon;
  c.rope_theta = 1e6f, c.norm_epsilon = 1e-6f;
  old_theta = c, old_theta.rope_theta = 10000.0f;
  old_epsilon = c, old_epsilon.norm_epsilon = 1e-5f;
  expect_setting_runs(c, {old_theta, old_epsilon});
}

TEST(Forward, RopeOnHalvesAgreesWithReference) {
  Config c = grouped_config();
  c.rope_style = RopeStyle::kHalves;
  expect_setting_runs(c, {grouped_config()});
}

TEST(Forward, QkvBiasesAreAdded) {
  Config c = grouped_config();
  c.qkv_bias = true;
  expect_setting_runs(c, {grouped_config()});
}

TEST(Forward, Qwen2SettingsTogetherWithSeparateClassifier) {
  Config c = grouped_config(), llama;
  c.shared_classifier = false;
  llama = c;
  c.rope_theta = 1e6f, c.norm_epsilon = 1e-6f, c.rope_style = RopeStyle::kHalves;
  c.qkv_bias = true;
  expect_setting_runs(c, {llama});
}

TEST(Forward, SeparateClassifierIsUsedNotTheEmbedding) {
  Config c{32, 64, 1, 4, 2, 50, 16, false};
  auto weights = random_weights(c, 3);
  ASSERT_NE(weights, nullptr);
  EXPECT_NE(weights->classifier, weights->token_embedding);
  Config tied = c;
  tied.shared_classifier = true;
  auto tied_weights = random_weights(tied, 3);
  EXPECT_EQ(tied_weights->classifier, tied_weights->token_embedding);
}

}  // namespace
}  // namespace circulant
