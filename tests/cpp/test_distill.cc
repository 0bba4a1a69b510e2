// Distillation on a real teacher (llama2.c's stories260K): a step lowers the calibration loss,
// 100 steps more than halve the Frobenius student's KL on prompts never trained on, runs are
// bit-identical, the batched float gradient equals the float64 one, low-rank starts from the
// SVD, and student files round-trip exactly and refuse what is not theirs.
#include <gtest/gtest.h>

#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <tuple>

#include "eval/metrics.h"
#include "eval/prompt_set.h"
#include "peer_fixture.h"
#include "student/differentiable_operators.h"
#include "student/distill.h"
#include "student/low_rank_linear.h"
#include "student/student_file.h"
#include "test_util.h"

namespace circulant {
namespace {

class PeerDistill : public testing::PeerModel {
 protected:
  StudentPlan plan(int block, int steps, Structure structure = Structure::kCirculant) {
    StudentPlan p;
    p.layers = parse_layers("all", teacher_->config().n_layers).value();
    p.matrices = parse_matrices("all").value();
    p.block = block;
    p.structure = structure;
    p.method = Method::kDistill;
    p.distill.steps = steps;
    return p;
  }
  CheckedPlan check(const StudentPlan& p) const {
    return testing::checked(p, teacher_->config().n_layers);
  }
  double held_out_kl(const Transformer& student) {
    return compare_models(*teacher_, student, lecture_, Positions::kAll).kl.mean;
  }
};

TEST_F(PeerDistill, OneStepLowersTheLossOfItsBatch) {
  StudentPlan p = plan(16, 1);
  const std::vector<std::vector<int>> lines(calibration_.begin(), calibration_.begin() + 32);
  p.distill.batch = 32;  // every line: the same batch before and after the step
  auto d = Distiller::create(*teacher_, check(p), lines);
  ASSERT_TRUE(d.ok()) << d.error();
  const double before = d.value()->step();
  const double after = d.value()->step();
  EXPECT_LT(after, before);
  std::printf("calibration KL %.4f -> %.4f after one step\n", before, after);
}

TEST_F(PeerDistill, HundredStepsAtLeastHalveTheHeldOutKl) {
  StudentPlan frobenius = plan(16, 0);
  frobenius.method = Method::kProject;
  auto start = build_student(*teacher_, check(frobenius));
  auto distilled = build_student(*teacher_, check(plan(16, 100)), calibration_);
  ASSERT_TRUE(start.ok() && distilled.ok()) << distilled.error();
  const double before = held_out_kl(start.value()), after = held_out_kl(distilled.value());
  EXPECT_LE(after, 0.5 * before);
  std::printf(
      "B=16, all layers, lecture prompts (never trained on), all positions: KL %.3f -> %.3f\n",
      before, after);
}

TEST_F(PeerDistill, SameSettingsGiveBitIdenticalStudentsAndFilesRoundTrip) {
  StudentPlan p = plan(8, 5);
  p.distill.train_norms = true;
  p.distill.seed = 42;
  // 24 lines in batches of 16: lines come back, from the teacher cache or recomputed.
  const std::vector<std::vector<int>> lines(calibration_.begin(), calibration_.begin() + 24);
  auto run = [&](size_t cache_bytes) {
    auto d = Distiller::create(*teacher_, check(p), lines, cache_bytes);
    EXPECT_TRUE(d.ok()) << d.error();
    while (d.value()->steps_done() < p.distill.steps) d.value()->step();
    return d.value()->parameters();
  };
  const StudentParameters a = run(Distiller::kTeacherCacheBytes),
                          b = run(Distiller::kTeacherCacheBytes);
  ASSERT_EQ(a.matrices.size(), 15u);
  ASSERT_EQ(a.ffn_norms.size(), 5u);
  EXPECT_EQ(a.matrices, b.matrices);
  EXPECT_EQ(a.ffn_norms, b.ffn_norms);
  // The page's heap bounds the cache; a smaller one (or none) must not change the student.
  for (size_t budget : {size_t(0), size_t(1) << 20}) {
    const StudentParameters c = run(budget);
    EXPECT_EQ(c.matrices, a.matrices) << "teacher cache of " << budget << " bytes";
    EXPECT_EQ(c.ffn_norms, a.ffn_norms) << "teacher cache of " << budget << " bytes";
  }
  StudentPlan other_seed = p;
  other_seed.distill.seed = 43;
  auto d = Distiller::create(*teacher_, check(other_seed), lines);
  ASSERT_TRUE(d.ok());
  while (d.value()->steps_done() < 5) d.value()->step();
  EXPECT_NE(d.value()->parameters().matrices, a.matrices) << "the seed orders the batches";

  const std::vector<uint8_t> bytes = serialize_students(teacher_->weights(), {{check(p), a}});
  auto back = parse_students(bytes.data(), bytes.size(), "round trip", teacher_->weights());
  ASSERT_TRUE(back.ok()) << back.error();
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ(back->front().parameters.matrices, a.matrices);
  EXPECT_EQ(back->front().parameters.ffn_norms, a.ffn_norms);
  EXPECT_EQ(serialize_students(teacher_->weights(), back.value()), bytes);
  const StudentPlan& q = *back->front().plan;
  EXPECT_EQ(q.layers, p.layers);
  EXPECT_EQ(q.matrices, p.matrices);
  EXPECT_EQ(q.block, 8);
  EXPECT_EQ(q.distill.seed, 42u);
  EXPECT_TRUE(q.distill.train_norms);
  // The reloaded student computes what the trained one did.
  auto original = assemble_student(*teacher_, check(p), a);
  auto reloaded = assemble_student(*teacher_, back->front().plan, back->front().parameters);
  ASSERT_TRUE(original.ok() && reloaded.ok());
  EXPECT_EQ(held_out_kl(original.value()), held_out_kl(reloaded.value()));
}

TEST_F(PeerDistill, BrokenAndForeignStudentFilesAreRefusedWithTheReason) {
  StudentPlan p = plan(16, 1);
  auto parameters = project_student(*teacher_, check(p), calibration_);
  ASSERT_TRUE(parameters.ok()) << parameters.error();
  const auto bytes = serialize_students(teacher_->weights(), {{check(p), parameters.value()}});
  const Weights& w = teacher_->weights();
  auto refused = [&](std::vector<uint8_t> b, const Weights& teacher, const std::string& expected) {
    auto r = parse_students(b.data(), b.size(), "s.bin", teacher);
    ASSERT_FALSE(r.ok()) << expected;
    EXPECT_NE(r.error().find(expected), std::string::npos) << r.error();
    EXPECT_EQ(r.error().find('\n'), std::string::npos);
  };
  refused({'n', 'o', 'p', 'e'}, w, "not a student file");
  refused(std::vector<uint8_t>(bytes.begin(), bytes.end() - 7), w, "truncated");
  auto longer = bytes;
  longer.push_back(0);
  refused(longer, w, "bytes after the last student");
  auto version = bytes;
  version[8] = 9;
  refused(version, w, "version 9");
  // Another model of the same shape (one weight changed), and a model of another shape.
  auto file = read_file_bytes(testing::peer_path("stories260K.bin"), 1 << 22);
  ASSERT_TRUE(file.ok());
  file.value()[28 + 4 * 100] ^= 1;  // one bit of one weight
  auto changed = parse_checkpoint(ModelBytes::adopt(std::move(file.value())), "changed.bin");
  ASSERT_TRUE(changed.ok()) << changed.error();
  refused(bytes, *changed.value(), "other weights");
  auto other = testing::random_weights(Config{32, 64, 1, 4, 4, 512, 16, true}, 5);
  refused(bytes, *other, "made for another model");
  // A block size the plan cannot have.
  auto block = bytes;
  // magic, version, length and checksum, config, fingerprint, count, codes
  const size_t block_at = 8 + 4 + 16 + 28 + 8 + 4 + 12;
  block[block_at] = 48;
  refused(block, w, "checksum does not match");
  reseal_student_file(block);
  refused(block, w, "not a power of two");
}

TEST_F(PeerDistill, LowRankStartsAtTheSvdAndDistillsToo) {
  StudentPlan p = plan(16, 40, Structure::kLowRank);
  const Config& c = teacher_->config();
  EXPECT_EQ(low_rank_rank(c.hidden_dim, c.dim, 16), 3);  // round(172·64 / (16·236)) = round(2.9)
  StudentPlan svd = p;
  svd.method = Method::kProject;
  auto start = build_student(*teacher_, check(svd));
  auto distilled = build_student(*teacher_, check(p), calibration_);
  ASSERT_TRUE(start.ok() && distilled.ok()) << distilled.error();
  EXPECT_LT(held_out_kl(distilled.value()), held_out_kl(start.value()));
  // Parameters: r·(m+n) per matrix.
  EXPECT_EQ(start->mlp_parameters(), int64_t(c.n_layers) * 3 * 3 * (c.hidden_dim + c.dim));
}

TEST_F(PeerDistill, RemovedIsTheFloorAndCannotBeDistilled) {
  StudentPlan removed = plan(16, 1, Structure::kRemoved);
  removed.method = Method::kProject;
  auto student = build_student(*teacher_, check(removed));
  ASSERT_TRUE(student.ok()) << student.error();
  EXPECT_EQ(student->mlp_parameters(), 0);
  StudentPlan frobenius = plan(256, 1);
  frobenius.method = Method::kProject;
  EXPECT_GT(held_out_kl(student.value()),
            held_out_kl(build_student(*teacher_, check(frobenius)).value()) * 0.5);
  auto d = check_plan(plan(16, 1, Structure::kRemoved), teacher_->config().n_layers);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().find("no parameters to distill"), std::string::npos) << d.error();
}

TEST(LowRank, FullRankSvdGivesBackTheMatrixAndTheOperatorMatchesItsDenseForm) {
  const int m = 24, n = 10;
  const auto w = testing::random_values(size_t(m) * n, 4);
  const auto full = truncated_svd(w.data(), m, n, n);
  auto op = LowRankLinear::create(m, n, n, full);
  ASSERT_TRUE(op.ok()) << op.error();
  const auto dense = op.value()->to_dense();
  for (size_t i = 0; i < w.size(); ++i) EXPECT_NEAR(dense[i], w[i], 1e-4);
  auto rank3 = LowRankLinear::create(m, n, 3, truncated_svd(w.data(), m, n, 3));
  ASSERT_TRUE(rank3.ok());
  const auto x = testing::random_values(size_t(5) * n, 8);
  std::vector<float> y(size_t(5) * m);
  rank3.value()->forward(x.data(), 5, y.data());
  const auto d3 = rank3.value()->to_dense();
  for (int t = 0; t < 5; ++t)
    for (int i = 0; i < m; ++i) {
      double ref = 0;
      for (int j = 0; j < n; ++j) ref += double(d3[size_t(i) * n + j]) * x[size_t(t) * n + j];
      EXPECT_NEAR(y[size_t(t) * m + i], ref, 1e-4);
    }
  EXPECT_FALSE(LowRankLinear::create(m, n, 11, std::vector<float>(11 * (m + n))).ok());
}

// Eckart–Young, against Eigen's own SVD as the oracle: the rank-r truncation misses exactly the
// singular values it drops, ‖W − U·V‖² = Σ_{k≥r} σ_k², for tall and wide matrices and for a matrix
// of rank 2 asked for more (the extra directions contribute nothing, never NaN).
TEST(LowRank, TruncationIsTheNearestMatrixOfItsRank) {
  auto check_shape = [](int m, int n, int true_rank) {
    std::vector<float> w = testing::random_values(size_t(m) * n, 11);
    if (true_rank < std::min(m, n)) {  // an outer product sum of `true_rank` terms
      const auto a = testing::random_values(size_t(m) * true_rank, 12);
      const auto b = testing::random_values(size_t(true_rank) * n, 13);
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) {
          float sum = 0;
          for (int t = 0; t < true_rank; ++t)
            sum += a[size_t(i) * true_rank + t] * b[size_t(t) * n + j];
          w[size_t(i) * n + j] = sum;
        }
    }
    const Eigen::MatrixXd dense =
        Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
            w.data(), m, n)
            .cast<double>();
    const Eigen::VectorXd sigma = Eigen::BDCSVD<Eigen::MatrixXd>(dense).singularValues();
    for (int rank : {1, 3, std::min(m, n) - 1, std::min(m, n)}) {
      auto op = LowRankLinear::create(m, n, rank, truncated_svd(w.data(), m, n, rank));
      ASSERT_TRUE(op.ok()) << op.error();
      const auto approx = op.value()->to_dense();
      double missed = 0, dropped = 0;
      for (size_t i = 0; i < w.size(); ++i) {
        ASSERT_TRUE(std::isfinite(approx[i])) << m << "x" << n << " rank " << rank;
        missed += (double(w[i]) - approx[i]) * (double(w[i]) - approx[i]);
      }
      for (int k = rank; k < sigma.size(); ++k) dropped += sigma(k) * sigma(k);
      EXPECT_NEAR(missed, dropped, 1e-9 * sigma(0) * sigma(0) * double(m) * n + 1e-6 * dropped)
          << m << "x" << n << " of rank " << true_rank << ", truncated to " << rank;
    }
  };
  check_shape(40, 16, 16);  // tall: WᵀW
  check_shape(16, 40, 16);  // wide: WWᵀ
  check_shape(30, 12, 2);   // rank 2
}

// A sweep over B asks for the same matrix at every rank: the cache decomposes it once and gives
// every rank bit for bit what a fresh decomposition gives.
TEST(LowRank, SvdCacheDecomposesOnceAndTruncatesToTheSameBits) {
  const int m = 40, n = 16;
  const auto w = testing::random_values(size_t(m) * n, 5);
  const auto other = testing::random_values(size_t(m) * n, 6);
  SvdCache cache;
  for (int rank : {1, 3, 8, 16}) {
    EXPECT_EQ(truncated_svd(w.data(), m, n, rank, &cache), truncated_svd(w.data(), m, n, rank))
        << rank;
    EXPECT_EQ(truncated_svd(other.data(), m, n, rank, &cache),
              truncated_svd(other.data(), m, n, rank));
  }
  EXPECT_EQ(cache.decompositions(), 2u);
}

// The distillation path runs in float through the batched FFT; the checked gradient is float64
// through KissFFT. They must compute the same thing.
TEST(CirculantGradientFloat, MatchesTheFloat64Path) {
  for (const auto& [m, n, block] :
       {std::tuple{40, 24, 8}, std::tuple{44, 16, 4}, std::tuple{32, 32, 16}}) {
    const int rows = 7;
    const int p = (m + block - 1) / block, q = (n + block - 1) / block;
    const auto c = testing::random_values(size_t(p) * q * block, 1);
    const auto x = testing::random_values(size_t(rows) * n, 2),
               dy = testing::random_values(size_t(rows) * m, 3);
    const std::vector<double> c64(c.begin(), c.end()), x64(x.begin(), x.end()),
        dy64(dy.begin(), dy.end());
    CirculantGradient<float> f(m, n, block, c.data());
    CirculantGradient<double> d(m, n, block, c64.data());
    std::vector<float> y(size_t(rows) * m), dx(size_t(rows) * n), grad(c.size(), 0.f);
    std::vector<double> y64(y.size()), dx64(dx.size()), grad64(c.size(), 0.0);
    f.forward(x.data(), rows, y.data());
    d.forward(x64.data(), rows, y64.data());
    f.backward(x.data(), dy.data(), rows, dx.data(), grad.data());
    d.backward(x64.data(), dy64.data(), rows, dx64.data(), grad64.data());
    for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], y64[i], 1e-4 * (1 + std::abs(y64[i])));
    for (size_t i = 0; i < dx.size(); ++i)
      EXPECT_NEAR(dx[i], dx64[i], 1e-4 * (1 + std::abs(dx64[i])));
    for (size_t i = 0; i < grad.size(); ++i)
      EXPECT_NEAR(grad[i], grad64[i], 1e-4 * (1 + std::abs(grad64[i])));
  }
}

}  // namespace
}  // namespace circulant
