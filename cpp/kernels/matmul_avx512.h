// The AVX-512 decode kernel (matmul_avx512.cc), which the native matvec (matmul_native.cc) takes
// for the widths it serves. Declared for every target, defined only where AVX-512 is on.
#pragma once

namespace circulant {

// y (out) = W (out, in) · x (in) with x held in registers, for `in` a multiple of 16 up to 256;
// returns false, computing nothing, for any other width.
bool matvec_x_held(const float* x, const float* weight, int out, int in, float* y);

}  // namespace circulant
