// Loading checkpoints (llama2.c's legacy and "version 1" float32 exports, and our float16 one),
// validated before allocating: two entry points (a path, bytes) and one set of limits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kernels/aligned_floats.h"
#include "model/config.h"
#include "model/weights.h"
#include "util/result.h"

namespace circulant {

// What a load may take, checked before anything is allocated or mapped.
// The most bytes one allocation may take. 32-bit WebAssembly's allocator (dlmalloc) refuses a
// request of 2 GB or more, though the page's heap grows to 4 GB: the float32 weights, which are one
// block, and the model file's copy must each stay below it. Natively there is no such bound.
#ifdef __EMSCRIPTEN__
inline constexpr uint64_t kLargestBlockBytes = (uint64_t(1) << 31) - (uint64_t(1) << 20);
#else
inline constexpr uint64_t kLargestBlockBytes = ~uint64_t(0);
#endif

struct LoadLimits {
  // Largest file we agree to load: the page passes its heap.
  uint64_t max_file_bytes = uint64_t(4) << 30;
  // Most memory a run of the model may take (its KV cache): the header can ask for far more than
  // the file holds (seq_len costs no file bytes). The CLI's --max-memory and the page's heap set
  // it.
  uint64_t max_run_bytes = uint64_t(4) << 30;
  // Runs of the model held at once (the CLI evaluates prompts side by side, one run a thread):
  // max_run_bytes must hold this many.
  int runs_at_once = 1;
  // Threads beyond the first that run the model (the CLI's --threads − 1), each keeping scratch
  // for its life: max_run_bytes must hold theirs too. The first thread's is not counted, as the
  // single-threaded engine's never was, so one thread admits what it always did.
  int extra_threads = 0;
  // Bytes of one thread's scratch for a model of this header, from the caller, who knows what
  // will run: model_thread_scratch_bytes for the model's own, plus a student's (the student
  // layer's to say). Unset: none counted.
  std::function<uint64_t(const Config&)> thread_scratch_bytes = nullptr;
};

// A model file's bytes placed in `storage` at `offset` so that its weights (28 or 256 bytes in)
// begin on a 64-byte cache line: then no load of a row straddles two lines, which streams faster
// (docs/speed.md). Used where the bytes are copied anyway.
struct ModelBytes {
  std::vector<uint8_t, UninitializedAllocator<uint8_t>> storage;
  size_t offset = 0, size = 0;
  uint8_t* data() { return storage.data() + offset; }
  const uint8_t* data() const { return storage.data() + offset; }

  // Room for a file of `size` bytes that begins with `head` (its first bytes say where the
  // weights start); the caller fills data() with the file.
  static ModelBytes room_for(size_t size, const uint8_t* head, size_t head_size);
  // A copy of bytes the caller keeps, made once, into place.
  static ModelBytes copy_of(const uint8_t* bytes, size_t size);
  // Bytes handed over, kept where they are (the weights are float-aligned, not line-aligned).
  static ModelBytes adopt(std::vector<uint8_t> bytes);
};

// The two ways in. `name` is used in messages only (a path, or the file name a user dropped on
// the page). Header, length and run memory are checked first, the weights for NaN and infinity
// after (the message names the tensor). From a path, nothing is allocated or mapped before the
// header passes, and natively the file is mapped, not copied.
Result<std::shared_ptr<const Weights>> load_checkpoint(const std::string& path,
                                                       const LoadLimits& limits = {});
// The weights point into `bytes`, which the result keeps (no copy).
Result<std::shared_ptr<const Weights>> parse_checkpoint(ModelBytes bytes, const std::string& name,
                                                        const LoadLimits& limits = {});

// A checkpoint's header alone (the first 256 bytes, or the whole file when shorter) checked as a
// load checks it against the file's size: the model it defines and its format's name ("version-1
// checkpoint"). No memory limit applies: what it needs is the caller's question.
struct CheckpointHeader {
  Config config;
  std::string format;
  bool float16 = false;
};
Result<CheckpointHeader> read_checkpoint_header(const uint8_t* head, size_t head_size,
                                                uint64_t file_size, const std::string& name);

// Bytes a RunState of this model allocates, dominated by its KV cache (2·n_layers·seq_len·kv_dim
// floats).
uint64_t run_state_bytes(const Config& config);

// Bytes one thread keeps for its life when it runs this model's dense products (matvec's copy
// of x and y, at the widest of the model's matrices) and, with `trains`, distillation's backward
// pass too (a row of float64 exponentials over the vocabulary, a row of attention's gradient as
// long as the context): a bound of what those buffers grow to, whatever the prompts.
uint64_t model_thread_scratch_bytes(const Config& config, bool trains);

// Checks a header alone; the error says which value is wrong. Used before any allocation.
Status validate_config(const Config& config);

// What a model of this header needs against the limits, before any allocation: `widened_floats`
// float32 weights made at load (0 when the weights are the file's own bytes) against
// max_file_bytes, and runs_at_once run states plus extra_threads threads' scratch against
// max_run_bytes. The error says which and the fix.
Status check_memory(const Config& config, uint64_t widened_floats, const LoadLimits& limits);

// A loaded model as llama2.c's version-1 export (float32, bit for bit its weights) or, with
// `float16`, as our float16 checkpoint (each weight rounded to the nearest float16, ties to even);
// a weight beyond float16's range is refused, naming it, and so is a model whose RoPE, norm
// epsilon or biases llama2.c's header cannot record (a GGUF qwen2 model, say).
Result<std::vector<uint8_t>> serialize_checkpoint(const Weights& weights, bool float16);

// Serialises weights in llama2.c's legacy layout (tests and the trainer's exports use it).
std::vector<uint8_t> serialize_legacy_checkpoint(const Config& config,
                                                 const std::vector<float>& payload);

// Reads a whole regular file, refusing before allocating when it is larger than max_bytes (and
// refusing directories, pipes and devices, whose size says nothing); `kind` names what was
// expected in the messages ("a text file").
Result<std::vector<uint8_t>> read_file_bytes(const std::string& path, uint64_t max_bytes,
                                             const std::string& kind = "a file");

}  // namespace circulant
