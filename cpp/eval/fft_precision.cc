// The exact product is summed in double straight from c, independent of the FFT path it checks.
#include "eval/fft_precision.h"

#include <cmath>
#include <vector>

namespace circulant {
namespace {

constexpr double kPi = 3.14159265358979323846;

// splitmix64 and Box–Muller: the same inputs on every platform (std::normal_distribution's
// algorithm differs between the native and the WebAssembly standard libraries).
class Gaussian {
 public:
  explicit Gaussian(uint64_t seed) : state_(seed) {}
  double next() {
    const double u1 = (double(bits() >> 11) + 1) * 0x1p-53;  // (0, 1]
    const double u2 = double(bits() >> 11) * 0x1p-53;        // [0, 1)
    return std::sqrt(-2 * std::log(u1)) * std::cos(2 * kPi * u2);
  }

 private:
  uint64_t bits() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  uint64_t state_;
};

// y (rows, m) = x (rows, n)·Wᵀ in double, W from c (p, q, B) [i][j][s] by the definition.
std::vector<double> exact_product(const BlockCirculantLinear& op, const std::vector<float>& x,
                                  int rows) {
  const int m = op.out_features(), n = op.in_features(), b = op.block(), q = op.block_cols();
  const std::vector<float>& c = op.parameters();
  std::vector<double> y(size_t(rows) * m, 0.0);
  for (int r = 0; r < m; ++r)
    for (int s = 0; s < n; ++s) {
      const double w = c[(size_t(r / b) * q + s / b) * b + (r % b - s % b + b) % b];
      for (int t = 0; t < rows; ++t) y[size_t(t) * m + r] += w * x[size_t(t) * n + s];
    }
  return y;
}

}  // namespace

double relative_product_error(const BlockCirculantLinear& op, int rows, uint64_t seed) {
  const int m = op.out_features(), n = op.in_features();
  Gaussian normal(seed);
  std::vector<float> x(size_t(rows) * n);  // (rows, n)
  for (float& v : x) v = float(normal.next());
  std::vector<float> y(size_t(rows) * m);  // (rows, m)
  op.forward(x.data(), rows, y.data());
  const std::vector<double> exact = exact_product(op, x, rows);
  double diff = 0, norm = 0;
  for (size_t e = 0; e < y.size(); ++e) {
    diff += (y[e] - exact[e]) * (y[e] - exact[e]);
    norm += exact[e] * exact[e];
  }
  return norm > 0 ? std::sqrt(diff / norm) : 0;
}

}  // namespace circulant
