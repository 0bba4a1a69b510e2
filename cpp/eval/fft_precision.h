// float32 against float16 inside the FFT: how far a block-circulant operator's product lands from
// the exact product of its own parameters.
#pragma once

#include <cstdint>

#include "student/block_circulant_linear.h"

namespace circulant {

// Rows of the probe: 8 take the block-major (prefill) path, the other 4 the row-major (decode)
// one. The seed fixes the inputs, so the figure depends on the operator alone.
constexpr int kProductErrorRows = 12;
constexpr uint64_t kProductErrorSeed = 0x5eed16;

// ‖y − y_exact‖ / ‖y_exact‖ over `rows` rows of standard-normal inputs drawn from `seed`: y is
// op.forward in the operator's current mode (cache, FFT precision), y_exact the product computed
// in float64 from the same time-domain parameters c by the definition W[r][s] = c_ij[(r−s) mod B].
double relative_product_error(const BlockCirculantLinear& op, int rows = kProductErrorRows,
                              uint64_t seed = kProductErrorSeed);

}  // namespace circulant
