// The real FFT plan against a naive DFT in long double, its round trip, and the circulant identity.
#include <gtest/gtest.h>

#include <cmath>
#include <complex>
#include <random>
#include <vector>

#include "kernels/batched_real_fft.h"

namespace circulant {
namespace {

constexpr int kLengths[] = {1, 2, 4, 8, 16, 32, 64, 128, 256};

// X[k] = Σ x[s] e^{−2πiks/B}, k = 0..B/2: the layout fft.h promises, computed the slow way.
std::vector<std::complex<double>> naive_rfft(const std::vector<double>& x) {
  const int length = int(x.size());
  const long double pi = std::acos(-1.0L);
  std::vector<std::complex<double>> spectrum(length / 2 + 1);
  for (int k = 0; k <= length / 2; ++k) {
    long double re = 0, im = 0;
    for (int s = 0; s < length; ++s) {
      const long double angle = -2 * pi * ((long long)k * s % length) / length;
      re += x[s] * std::cos(angle);
      im += x[s] * std::sin(angle);
    }
    spectrum[k] = {double(re), double(im)};
  }
  return spectrum;
}

std::vector<double> random_signal(int length, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<double> x(length);
  for (double& v : x) v = normal(rng);
  return x;
}

TEST(RealFft, SupportsPowersOfTwoUpTo256) {
  for (int b : kLengths) EXPECT_TRUE(RealFft<float>::supports_length(b)) << b;
  for (int b : {0, -4, 3, 6, 48, 512}) EXPECT_FALSE(RealFft<float>::supports_length(b)) << b;
}

TEST(RealFft, DoubleForwardMatchesNaiveDft) {
  for (int b : kLengths) {
    const std::vector<double> x = random_signal(b, 10 + b);
    const auto expected = naive_rfft(x);
    std::vector<std::complex<double>> actual(b / 2 + 1);
    RealFft<double>(b).forward(x.data(), actual.data());
    for (int k = 0; k <= b / 2; ++k)
      EXPECT_LT(std::abs(actual[k] - expected[k]), 1e-12 * b) << b << " " << k;
  }
}

TEST(RealFft, FloatForwardMatchesNaiveDft) {
  for (int b : kLengths) {
    const std::vector<double> x = random_signal(b, 20 + b);
    const std::vector<float> xf(x.begin(), x.end());
    const auto expected = naive_rfft(std::vector<double>(xf.begin(), xf.end()));
    std::vector<std::complex<float>> actual(b / 2 + 1);
    RealFft<float>(b).forward(xf.data(), actual.data());
    for (int k = 0; k <= b / 2; ++k)
      EXPECT_LT(std::abs(std::complex<double>(actual[k]) - expected[k]), 2e-6 * b) << b << " " << k;
  }
}

TEST(RealFft, RoundTripIsIdentity) {
  for (int b : kLengths) {
    const std::vector<double> x = random_signal(b, 30 + b);
    RealFft<double> plan(b);
    std::vector<std::complex<double>> spectrum(b / 2 + 1), work(b / 2 + 1);
    std::vector<double> back(b);
    plan.forward(x.data(), spectrum.data());
    plan.inverse(spectrum.data(), back.data(), work.data());
    for (int s = 0; s < b; ++s) EXPECT_NEAR(back[s], x[s], 1e-13) << b << " " << s;

    const std::vector<float> xf(x.begin(), x.end());
    RealFft<float> plan_f(b);
    std::vector<std::complex<float>> spectrum_f(b / 2 + 1), work_f(b / 2 + 1);
    std::vector<float> back_f(b);
    plan_f.forward(xf.data(), spectrum_f.data());
    plan_f.inverse(spectrum_f.data(), back_f.data(), work_f.data());
    for (int s = 0; s < b; ++s) EXPECT_NEAR(back_f[s], xf[s], 2e-6) << b << " " << s;
  }
}

// The convention DESIGN §2 rests on: C[r][s] = c[(r−s) mod B] gives C·x = irfft(rfft(c) ⊙ rfft(x)).
TEST(RealFft, ProductOfSpectraIsTheCirculantMatrixProduct) {
  for (int b : kLengths) {
    const std::vector<double> c = random_signal(b, 40 + b), x = random_signal(b, 50 + b);
    RealFft<double> plan(b);
    std::vector<std::complex<double>> c_hat(b / 2 + 1), x_hat(b / 2 + 1), work(b / 2 + 1);
    plan.forward(c.data(), c_hat.data());
    plan.forward(x.data(), x_hat.data());
    for (int k = 0; k <= b / 2; ++k) c_hat[k] *= x_hat[k];
    std::vector<double> y(b);
    plan.inverse(c_hat.data(), y.data(), work.data());
    for (int r = 0; r < b; ++r) {
      double expected = 0;
      for (int s = 0; s < b; ++s) expected += c[((r - s) % b + b) % b] * x[s];
      EXPECT_NEAR(y[r], expected, 1e-12 * b) << b << " " << r;
    }
  }
}

// Spectra from products may carry rounding noise in the imaginary parts of DC and Nyquist.
TEST(RealFft, InverseIgnoresImaginaryDcAndNyquist) {
  for (int b : {4, 64}) {
    const std::vector<double> x = random_signal(b, 60 + b);
    RealFft<double> plan(b);
    std::vector<std::complex<double>> spectrum(b / 2 + 1), work(b / 2 + 1);
    std::vector<double> back(b);
    plan.forward(x.data(), spectrum.data());
    spectrum[0].imag(3.0);
    spectrum[b / 2].imag(-2.0);
    plan.inverse(spectrum.data(), back.data(), work.data());
    for (int s = 0; s < b; ++s) EXPECT_NEAR(back[s], x[s], 1e-13);
  }
}

// Batched storage: lane l of the slab is an independent signal; each must match RealFft<double>.
TEST(BatchedRealFft, ForwardAndInverseMatchTheSingleSignalPlan) {
  for (int b : kLengths) {
    for (int lanes : {8, 16, 40}) {
      std::vector<float> slab(size_t(b) * lanes);
      std::vector<std::vector<double>> signals(lanes);
      for (int l = 0; l < lanes; ++l) {
        signals[l] = random_signal(b, 100 * b + l);
        for (int s = 0; s < b; ++s) slab[size_t(s) * lanes + l] = float(signals[l][s]);
      }
      const int bins = b / 2 + 1;
      std::vector<float> re(size_t(bins) * lanes), im(size_t(bins) * lanes);
      BatchedRealFft plan(b);
      plan.forward(slab.data(), re.data(), im.data(), lanes);
      RealFft<double> reference(b);
      std::vector<std::complex<double>> expected(bins);
      for (int l = 0; l < lanes; ++l) {
        reference.forward(signals[l].data(), expected.data());
        for (int k = 0; k < bins; ++k) {
          const std::complex<double> actual(re[size_t(k) * lanes + l], im[size_t(k) * lanes + l]);
          ASSERT_LT(std::abs(actual - expected[k]), 2e-6 * b) << b << " " << lanes << " " << k;
        }
      }
      std::vector<float> back(size_t(b) * lanes);
      plan.inverse(re.data(), im.data(), back.data(), lanes);
      for (int l = 0; l < lanes; ++l)
        for (int s = 0; s < b; ++s)
          ASSERT_NEAR(back[size_t(s) * lanes + l], signals[l][s], 2e-6) << b << " " << s;
    }
  }
}

}  // namespace
}  // namespace circulant
