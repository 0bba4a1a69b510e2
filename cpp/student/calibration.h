// Calibration inputs: what each MLP matrix of chosen layers sees when a model reads the prompts.
#pragma once

#include <map>
#include <vector>

#include "model/transformer.h"

namespace circulant {

struct MlpInputs {
  std::vector<float> gate_up;  // (tokens, dim): the normed input shared by gate and up
  std::vector<float> down;     // (tokens, hidden_dim): the SwiGLU output that down reads
};

struct CalibrationInputs {
  std::map<int, MlpInputs> layers;  // by layer index
  int64_t tokens = 0;               // rows in each matrix above
};

// Runs `model` (the teacher, or the student built so far for sequential calibration) over the
// prompts as batches and keeps the MLP inputs of `layers`.
CalibrationInputs collect_mlp_inputs(const Transformer& model,
                                     const std::vector<std::vector<int>>& prompts,
                                     const std::vector<int>& layers);

}  // namespace circulant
