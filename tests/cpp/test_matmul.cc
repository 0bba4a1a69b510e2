// The production matmul (matvec for one row, Eigen natively, simd128 in the browser build) against
// plain loops.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kernels/matmul.h"

namespace circulant {
namespace {

TEST(Matmul, FastPathMatchesReferenceOnOddAndLargeShapes) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1, 1);
  struct Shape {
    int rows, out, in;
  };
  for (const Shape s : {Shape{1, 1, 1}, Shape{1, 7, 5}, Shape{3, 13, 17}, Shape{1, 1024, 256},
                        Shape{64, 256, 1024}, Shape{5, 2048, 64}}) {
    std::vector<float> x(size_t(s.rows) * s.in), w(size_t(s.out) * s.in);
    for (float& v : x) v = u(rng);
    for (float& v : w) v = u(rng);
    std::vector<float> fast(size_t(s.rows) * s.out), reference(fast.size());
    matmul_rows(x.data(), s.rows, w.data(), s.out, s.in, fast.data());
    matmul_rows_reference(x.data(), s.rows, w.data(), s.out, s.in, reference.data());
    for (size_t i = 0; i < fast.size(); ++i)
      ASSERT_NEAR(fast[i], reference[i], 1e-4f * std::sqrt(float(s.in)))
          << s.rows << "x" << s.out << "x" << s.in;
  }
}

// One row (decode) at every width around the kernels' cases: multiples of 16 up to 256 (AVX-512
// keeps x in registers there), multiples of 8 and of 4 but not 8, scalar tails, and more rows than
// a group of eight. Natively 64 rows and more go through matvec's copy of x and of the outputs,
// growing it as widths grow; in WebAssembly rows pair up half the matrix apart, with rows left
// over past the halves at 13 and 77 outputs.
TEST(Matmul, DecodeRowMatchesReferenceAtEveryWidth) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1, 1);
  for (int in = 1; in <= 288; in += (in < 24 ? 1 : 8)) {
    for (const int out : {3, 13, 24, 64, 77}) {
      std::vector<float> x(static_cast<size_t>(in)), w(size_t(out) * in);
      for (float& v : x) v = u(rng);
      for (float& v : w) v = u(rng);
      std::vector<float> fast(static_cast<size_t>(out)), reference(fast.size());
      matmul_rows(x.data(), 1, w.data(), out, in, fast.data());
      matmul_rows_reference(x.data(), 1, w.data(), out, in, reference.data());
      for (int o = 0; o < out; ++o)
        ASSERT_NEAR(fast[o], reference[o], 1e-5f * std::sqrt(float(in)))
            << "row " << o << " of " << out << "x" << in;
    }
  }
}

// The backward product of distillation, y = x·W, in the same shapes (simd128 in the page).
TEST(Matmul, TransposedProductMatchesReference) {
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> u(-1, 1);
  struct Shape {
    int rows, out, in;
  };
  for (const Shape s : {Shape{1, 1, 1}, Shape{3, 7, 5}, Shape{5, 13, 33}, Shape{64, 256, 1024},
                        Shape{9, 2048, 256}}) {
    std::vector<float> x(size_t(s.rows) * s.out), w(size_t(s.out) * s.in);
    for (float& v : x) v = u(rng);
    for (float& v : w) v = u(rng);
    std::vector<float> fast(size_t(s.rows) * s.in), reference(fast.size());
    matmul_rows_transposed(x.data(), s.rows, w.data(), s.out, s.in, fast.data());
    matmul_rows_transposed_reference(x.data(), s.rows, w.data(), s.out, s.in, reference.data());
    for (size_t i = 0; i < fast.size(); ++i)
      ASSERT_NEAR(fast[i], reference[i], 1e-4f * std::sqrt(float(s.out)))
          << s.rows << "x" << s.out << "x" << s.in;
  }
}

}  // namespace
}  // namespace circulant
