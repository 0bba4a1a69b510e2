// Loading llama2.c checkpoints (legacy and "version 1" float32 exports), validated before
// allocating.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/config.h"
#include "util/result.h"

namespace circulant {

// Pointers into the file's bytes, laid out as llama2.c's formats store them (shapes are (rows,
// cols) row-major). Loaded without copies: natively the file is mapped read-only; in WebAssembly
// and the page it is written into the engine's memory once, into place (ModelBytes); bytes handed
// over as a vector are kept as they are.
struct Weights {
  Config config;
  std::shared_ptr<const void> owner;  // keeps the bytes alive
  const float* data = nullptr;        // (floats) every weight of the file, in its order
  size_t floats = 0;
  const float* token_embedding;  // (vocab_size, dim)
  const float* rms_final;        // (dim)
  const float* classifier;       // (vocab_size, dim); == token_embedding when shared
  struct Layer {
    const float* rms_attention;  // (dim)
    const float* wq;             // (dim, dim)
    const float* wk;             // (kv_dim, dim)
    const float* wv;             // (kv_dim, dim)
    const float* wo;             // (dim, dim)
    const float* rms_ffn;        // (dim)
    const float* w1;             // (hidden_dim, dim)  gate
    const float* w2;             // (dim, hidden_dim)  down
    const float* w3;             // (hidden_dim, dim)  up
  };
  std::vector<Layer> layers;  // (n_layers)
};

// Largest file we agree to load: the browser build passes a smaller one.
constexpr uint64_t kDefaultMaxCheckpointBytes = uint64_t(4) << 30;
// Most memory a run of the model may take (its KV cache): the header can ask for far more than
// the file holds (seq_len costs no file bytes), so this is checked too. The CLI's --max-memory
// and the page's heap set it.
constexpr uint64_t kDefaultMaxRunBytes = uint64_t(4) << 30;

// A model file's bytes placed in `storage` at `offset` so that its weights (28 or 256 bytes in)
// begin on a 64-byte cache line: then no load of a row straddles two lines (a GEMV on such rows
// streamed 5-20 % faster in bench_gemv-like tests). Used where the bytes are copied anyway.
struct ModelBytes {
  std::vector<uint8_t> storage;
  size_t offset = 0, size = 0;
  uint8_t* data() { return storage.data() + offset; }
};
// Room for a file of `size` bytes that begins with `head` (its first bytes say where the weights
// start); the caller fills data() with the file.
ModelBytes place_model_bytes(size_t size, const uint8_t* head, size_t head_size);

// `name` is used in messages only (a path, or the file name a user dropped on the page). Header,
// length and run memory are checked before anything is allocated or mapped, the weights for NaN
// and infinity after (the message names the tensor). Natively the file is mapped, not copied.
Result<std::shared_ptr<const Weights>> load_checkpoint(
    const std::string& path, uint64_t max_bytes = kDefaultMaxCheckpointBytes,
    uint64_t max_run_bytes = kDefaultMaxRunBytes);
// The weights point into `bytes`, which the result keeps (no copy).
Result<std::shared_ptr<const Weights>> parse_checkpoint(
    ModelBytes bytes, const std::string& name, uint64_t max_bytes = kDefaultMaxCheckpointBytes,
    uint64_t max_run_bytes = kDefaultMaxRunBytes);
Result<std::shared_ptr<const Weights>> parse_checkpoint(
    std::vector<uint8_t> bytes, const std::string& name,
    uint64_t max_bytes = kDefaultMaxCheckpointBytes, uint64_t max_run_bytes = kDefaultMaxRunBytes);
// The same for bytes the caller keeps: they are copied once, into place.
Result<std::shared_ptr<const Weights>> parse_checkpoint(
    const uint8_t* bytes, size_t size, const std::string& name,
    uint64_t max_bytes = kDefaultMaxCheckpointBytes, uint64_t max_run_bytes = kDefaultMaxRunBytes);

// Bytes a RunState of this model allocates, dominated by its KV cache (2·n_layers·seq_len·kv_dim
// floats).
uint64_t run_state_bytes(const Config& config);

// Checks a header alone; the error says which value is wrong. Used before any allocation.
Status validate_config(const Config& config);
ParameterCounts count_parameters(const Config& config);

// Serialises weights in llama2.c's legacy layout (tests and the trainer's exports use it).
std::vector<uint8_t> serialize_legacy_checkpoint(const Config& config,
                                                 const std::vector<float>& payload);

// Reads a whole regular file, refusing before allocating when it is larger than max_bytes (and
// refusing directories, pipes and devices, whose size says nothing); `kind` names what was
// expected in the messages ("a text file").
Result<std::vector<uint8_t>> read_file_bytes(const std::string& path, uint64_t max_bytes,
                                             const std::string& kind = "a file");

}  // namespace circulant
