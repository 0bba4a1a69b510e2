// Loading llama2.c checkpoints (legacy and "version 1" float32 exports), validated before allocating.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/config.h"
#include "model/result.h"

namespace circulant {

// Pointers into `storage`, laid out as llama2.c's legacy file (shapes are (rows, cols) row-major).
struct Weights {
  Config config;
  std::vector<float> storage;      // every weight of the file, one allocation
  const float* token_embedding;    // (vocab_size, dim)
  const float* rms_final;          // (dim)
  const float* classifier;         // (vocab_size, dim); == token_embedding when shared
  struct Layer {
    const float* rms_attention;    // (dim)
    const float* wq;               // (dim, dim)
    const float* wk;               // (kv_dim, dim)
    const float* wv;               // (kv_dim, dim)
    const float* wo;               // (dim, dim)
    const float* rms_ffn;          // (dim)
    const float* w1;               // (hidden_dim, dim)  gate
    const float* w2;               // (dim, hidden_dim)  down
    const float* w3;               // (hidden_dim, dim)  up
  };
  std::vector<Layer> layers;       // (n_layers)
};

// Largest file we agree to load: the browser build passes a smaller one.
constexpr uint64_t kDefaultMaxCheckpointBytes = uint64_t(4) << 30;

// `name` is used in messages only (a path, or the file name a user dropped on the page).
Result<std::shared_ptr<const Weights>> load_checkpoint(const std::string& path,
                                                       uint64_t max_bytes = kDefaultMaxCheckpointBytes);
Result<std::shared_ptr<const Weights>> parse_checkpoint(const uint8_t* bytes, size_t size,
                                                        const std::string& name,
                                                        uint64_t max_bytes = kDefaultMaxCheckpointBytes);

// Checks a header alone; the error says which value is wrong. Used before any allocation.
Status validate_config(const Config& config);
ParameterCounts count_parameters(const Config& config);

// Serialises weights in llama2.c's legacy layout (tests and the trainer's exports use it).
std::vector<uint8_t> serialize_legacy_checkpoint(const Config& config, const std::vector<float>& payload);

// Reads a whole file, refusing before allocating when it is larger than max_bytes.
Result<std::vector<uint8_t>> read_file_bytes(const std::string& path, uint64_t max_bytes);

}  // namespace circulant
