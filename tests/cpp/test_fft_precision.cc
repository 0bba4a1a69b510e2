// The block-circulant operator with float16 stores inside its FFT (FftPrecision::kFloat16): what
// it rounds, that float32 comes back bit for bit, and how far each mode lands from the float64
// product (eval/fft_precision.h).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "eval/fft_precision.h"
#include "kernels/half_float.h"
#include "student/block_circulant_linear.h"
#include "test_util.h"

namespace circulant {
namespace {

using testing::random_values;

std::unique_ptr<BlockCirculantLinear> make(int m, int n, int b, unsigned seed) {
  const size_t count = size_t((m + b - 1) / b) * ((n + b - 1) / b) * b;
  auto made = BlockCirculantLinear::create(m, n, b, random_values(count, seed));
  EXPECT_TRUE(made.ok()) << made.error();
  return std::move(made.value());
}

std::vector<float> forward(const BlockCirculantLinear& op, const std::vector<float>& x, int rows) {
  std::vector<float> y(size_t(rows) * op.out_features(), NAN);
  op.forward(x.data(), rows, y.data());
  return y;
}

// 1 and 3 rows take the row-major (decode) path, 8 the block-major one, 13 both.
constexpr int kRowCounts[] = {1, 3, 8, 13};

TEST(FftPrecision, Float16StoresItsInputAndOutputAsFloat16) {
  auto op = make(75, 44, 16, 1);  // padded: a 5×3 grid of 16×16 blocks over 75×44
  op->set_fft_precision(FftPrecision::kFloat16);
  for (int rows : kRowCounts) {
    const auto x = random_values(size_t(rows) * 44, unsigned(rows));
    std::vector<float> x16 = x;
    round_to_half(x16.data(), x16.size());
    const auto y = forward(*op, x, rows);
    EXPECT_EQ(y, forward(*op, x16, rows)) << rows;             // x is rounded before anything else
    for (float v : y) ASSERT_EQ(v, round_to_half(v)) << rows;  // y is stored as float16
  }
}

TEST(FftPrecision, Float32ComesBackBitForBit) {
  auto op = make(96, 160, 32, 2);
  for (int rows : kRowCounts) {
    const auto x = random_values(size_t(rows) * 160, unsigned(10 + rows));
    const auto before = forward(*op, x, rows);
    op->set_fft_precision(FftPrecision::kFloat16);
    EXPECT_EQ(op->fft_precision(), FftPrecision::kFloat16);
    EXPECT_NE(forward(*op, x, rows), before) << rows;
    op->set_fft_precision(FftPrecision::kFloat32);
    EXPECT_EQ(forward(*op, x, rows), before) << rows;
  }
}

TEST(FftPrecision, CacheOnOrOffAndNewParametersGiveTheSameFloat16Product) {
  auto op = make(64, 96, 16, 3);
  op->set_fft_precision(FftPrecision::kFloat16);
  const auto x = random_values(size_t(13) * 96, 4);
  const auto cached = forward(*op, x, 13);
  op->set_spectrum_cache(false);  // spectra computed afresh, then rounded as the cached ones were
  EXPECT_EQ(forward(*op, x, 13), cached);
  op->set_spectrum_cache(true);
  // New parameters in float16 mode refresh the rounded spectra too.
  auto other = make(64, 96, 16, 5);
  other->set_fft_precision(FftPrecision::kFloat16);
  ASSERT_TRUE(op->set_parameters(other->parameters()).ok());
  EXPECT_EQ(forward(*op, x, 13), forward(*other, x, 13));
}

TEST(FftPrecision, BlockOneHasNoFftToRound) {
  auto op = make(24, 40, 1, 6);
  const auto x = random_values(size_t(3) * 40, 7);
  const auto before = forward(*op, x, 3);
  op->set_fft_precision(FftPrecision::kFloat16);
  EXPECT_EQ(forward(*op, x, 3), before);
}

// Measured on Gaussian c: float32 1.4e-7 to 1.9e-7, float16 4.6e-4 at every B (float16's
// unit roundoff is 4.9e-4, and five stores each add theirs).
TEST(FftPrecision, Float16LandsFartherFromTheExactProductThanFloat32) {
  for (int b : {4, 16, 64, 256}) {
    auto op = make(1024, 256, b, unsigned(b));  // the shipped model's up/gate shape
    const double float32 = relative_product_error(*op);
    op->set_fft_precision(FftPrecision::kFloat16);
    const double float16 = relative_product_error(*op);
    EXPECT_LT(float32, 1e-6) << b;
    EXPECT_GT(float16, 1.5e-4) << b;
    EXPECT_LT(float16, 1.5e-3) << b;
    EXPECT_GT(float16, 100 * float32) << b;
  }
}

// ‖y16 − y32‖ / ‖y_ends − y32‖, where y_ends rounds only x and y to float16: how much the stores
// inside the FFT (X̂, Ĉ, the product spectrum) add to the error of the two ends.
double inner_to_ends_ratio(BlockCirculantLinear& op, int rows) {
  const auto x = random_values(size_t(rows) * op.in_features(), 99);
  std::vector<float> x16 = x;
  round_to_half(x16.data(), x16.size());
  const auto y32 = forward(op, x, rows);
  auto ends_only = forward(op, x16, rows);
  round_to_half(ends_only.data(), ends_only.size());
  op.set_fft_precision(FftPrecision::kFloat16);
  const auto y16 = forward(op, x, rows);
  op.set_fft_precision(FftPrecision::kFloat32);
  double ends = 0, all = 0;
  for (size_t e = 0; e < y32.size(); ++e) {
    ends += (ends_only[e] - y32[e]) * (ends_only[e] - y32[e]);
    all += (y16[e] - y32[e]) * (y16[e] - y32[e]);
  }
  return std::sqrt(all / ends);
}

// Each store adds about the same error variance, the ends two of the five, so the ratio is about
// √(5/2) = 1.58 with all five and √(4/2) = 1.41 without one of the inner three. Measured, mean
// over B = 4, 16, 64, 256: 1.59 (4 rows, row-major) and 1.57 (8 rows, block-major); 1.40 without
// the product spectrum's store.
TEST(FftPrecision, EveryStoreInsideTheFftAddsItsRounding) {
  for (int rows : {4, 8}) {
    double sum = 0;
    for (int b : {4, 16, 64, 256}) {
      auto op = make(1024, 256, b, unsigned(b));
      sum += inner_to_ends_ratio(*op, rows);
    }
    EXPECT_GT(sum / 4, 1.49) << rows << " rows";
    EXPECT_LT(sum / 4, 1.7) << rows << " rows";
  }
}

}  // namespace
}  // namespace circulant
