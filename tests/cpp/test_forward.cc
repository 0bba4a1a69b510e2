// The forward pass: batched prefill equals token-by-token decode, and both equal a plain
// single-token reference written from the architecture (as llama2.c's run.c does it).
#include <gtest/gtest.h>

#include <cmath>

#include "kernels/matmul.h"
#include "model/transformer.h"
#include "test_util.h"

namespace circulant {
namespace {

using testing::random_weights;

// One token at `pos` through plain loops; caches (n_layers, seq_len, kv_dim) grow as we go.
std::vector<float> reference_step(const Weights& w, int token, int pos, std::vector<float>& kc,
                                  std::vector<float>& vc) {
  const Config& c = w.config;
  const int dim = c.dim, kv_dim = c.kv_dim(), hs = c.head_size();
  std::vector<float> x(w.token_embedding + size_t(token) * dim,
                       w.token_embedding + size_t(token + 1) * dim);
  auto norm = [&](const std::vector<float>& v, const float* g) {
    double ss = 0;
    for (float e : v) ss += double(e) * e;
    std::vector<float> o(v.size());
    for (size_t i = 0; i < v.size(); ++i)
      o[i] = float(g[i] * v[i] / std::sqrt(ss / v.size() + 1e-5));
    return o;
  };
  auto mat = [](const float* W, const std::vector<float>& v, int out) {
    std::vector<float> y(out);
    matmul_rows_reference(v.data(), 1, W, out, int(v.size()), y.data());
    return y;
  };
  auto rotate = [&](std::vector<float>& v) {
    for (size_t i = 0; i < v.size(); i += 2) {
      const double a = pos / std::pow(10000.0, double(i % hs) / hs);
      const float v0 = v[i], v1 = v[i + 1];
      v[i] = float(v0 * std::cos(a) - v1 * std::sin(a));
      v[i + 1] = float(v0 * std::sin(a) + v1 * std::cos(a));
    }
  };
  for (int l = 0; l < c.n_layers; ++l) {
    const Weights::Layer& L = w.layers[l];
    auto xb = norm(x, L.rms_attention);
    auto q = mat(L.wq, xb, dim), k = mat(L.wk, xb, kv_dim), v = mat(L.wv, xb, kv_dim);
    rotate(q), rotate(k);
    float* kl = kc.data() + size_t(l) * c.seq_len * kv_dim;
    float* vl = vc.data() + size_t(l) * c.seq_len * kv_dim;
    std::copy(k.begin(), k.end(), kl + size_t(pos) * kv_dim);
    std::copy(v.begin(), v.end(), vl + size_t(pos) * kv_dim);
    std::vector<float> att_out(dim, 0.0f);
    for (int h = 0; h < c.n_heads; ++h) {
      const int kvh = h / (c.n_heads / c.n_kv_heads);
      std::vector<double> s(pos + 1);
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
          att_out[h * hs + i] += float(s[t] / sum * vl[size_t(t) * kv_dim + kvh * hs + i]);
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

float max_abs_diff(const float* a, const float* b, int n) {
  float m = 0;
  for (int i = 0; i < n; ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

// Checks all three paths agree on a sequence of `n` tokens.
void expect_paths_agree(const std::shared_ptr<const Weights>& weights, int n) {
  ASSERT_NE(weights, nullptr);
  const Config& c = weights->config;
  const Transformer model(weights);
  std::vector<int> tokens(n);
  for (int i = 0; i < n; ++i) tokens[i] = (i * 31 + 1) % c.vocab_size;

  RunState batch(c);
  const float* all = forward(model, batch, tokens.data(), n, /*all_logits=*/true);
  std::vector<float> prefill(all, all + size_t(n) * c.vocab_size);

  RunState step(c);
  const size_t cache = size_t(c.n_layers) * c.seq_len * c.kv_dim();
  std::vector<float> kc(cache), vc(cache);
  for (int t = 0; t < n; ++t) {
    const float* decoded = forward(model, step, &tokens[t], 1);
    EXPECT_LT(max_abs_diff(decoded, &prefill[size_t(t) * c.vocab_size], c.vocab_size), 1e-4f)
        << "position " << t;
    const auto reference = reference_step(*weights, tokens[t], t, kc, vc);
    EXPECT_LT(max_abs_diff(decoded, reference.data(), c.vocab_size), 1e-4f) << "position " << t;
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
