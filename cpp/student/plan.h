// What to patch: which layers and MLP matrices become block-circulant, at which B, projected how.
#pragma once

#include <string>
#include <vector>

#include "model/config.h"
#include "model/result.h"
#include "model/transformer.h"

namespace circulant {

enum class Projection { kFrobenius, kLossAware, kLossAwareSequential };

struct StudentPlan {
  std::vector<int> layers;          // sorted, unique, each in [0, n_layers)
  std::vector<MlpMatrix> matrices;  // subset of gate, up, down, in that order
  int block = 64;                   // B: a power of two from 1 to 256
  Projection projection = Projection::kFrobenius;
  double lambda = 0.01;             // ridge, relative to the mean diagonal of G_k (loss-aware)
  bool spectrum_cache = true;       // false: FFT(c) recomputed on every call (to show its worth)
};

// "all", "first:k", "last:k", a single index "i", or a comma list "0,2,3".
Result<std::vector<int>> parse_layers(const std::string& spec, int n_layers);
// Comma list of gate, up, down (or "all").
Result<std::vector<MlpMatrix>> parse_matrices(const std::string& spec);
Result<Projection> parse_projection(const std::string& name);
Status check_block_size(long block);

std::string projection_name(Projection p);
std::string matrix_names(const std::vector<MlpMatrix>& matrices);  // "gate,up,down"
// The shortest spec that names these layers ("all", "first:2", "3", "0,2").
std::string layers_spec(const std::vector<int>& layers, int n_layers);

}  // namespace circulant
