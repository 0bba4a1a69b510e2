// The memory a model's load and runs take, checked against LoadLimits before anything is
// allocated (model/checkpoint.h check_memory), with messages that name both figures.
#include <algorithm>
#include <cstdio>
#include <string>
#include <utility>

#include "kernels/matmul.h"
#include "model/checkpoint.h"

namespace circulant {
namespace {

// Bytes in the unit that suits them (KiB, MiB, GiB), with `decimals` decimals.
std::string amount(uint64_t bytes, int decimals) {
  static const char* units[] = {"bytes", "KiB", "MiB", "GiB"};
  int unit = 0;
  double value = double(bytes);
  while (unit < 3 && value >= 1024) value /= 1024, ++unit;
  char text[48];
  std::snprintf(text, sizeof text, "%.*f %s", unit == 0 ? 0 : decimals, value, units[unit]);
  return text;
}

// A need and a limit it exceeds, written so that they differ (0.001 GiB once read "needs 0.00
// GiB … limit of 0.00 GiB"): more decimals until they do.
std::pair<std::string, std::string> need_and_limit(uint64_t need, uint64_t limit) {
  for (int decimals = 2; decimals <= 9; ++decimals) {
    std::pair<std::string, std::string> texts{amount(need, decimals), amount(limit, decimals)};
    if (texts.first != texts.second) return texts;
  }
  return {std::to_string(need) + " bytes", std::to_string(limit) + " bytes"};
}

}  // namespace

uint64_t model_thread_scratch_bytes(const Config& c, bool trains) {
  // Every dense matrix the model runs, (out, in); a student's low-rank factors and B = 1
  // circulant blocks are no wider than the MLP's (r ≤ min(m, n)).
  const int shapes[][2] = {{c.dim, c.dim},
                           {c.kv_dim(), c.dim},
                           {c.hidden_dim, c.dim},
                           {c.dim, c.hidden_dim},
                           {c.vocab_size, c.dim}};
  size_t copy_floats = 0;
  for (const auto& s : shapes)
    copy_floats = std::max(copy_floats, matvec_scratch_floats(s[0], s[1]));
  uint64_t bytes = copy_floats * sizeof(float);
  // backward.cc's loss_gradient and attention backward, in float64 at most.
  if (trains) bytes += (uint64_t(c.vocab_size) + uint64_t(c.seq_len)) * sizeof(double);
  return bytes;
}

Status check_memory(const Config& c, uint64_t widened_floats, const LoadLimits& limits) {
  if (widened_floats * sizeof(float) > limits.max_file_bytes)
    return Error{"its weights take " + std::to_string(widened_floats * sizeof(float)) +
                 " bytes as float32, more than the limit of " +
                 std::to_string(limits.max_file_bytes) + " bytes; use a smaller model"};
  if (widened_floats * sizeof(float) > kLargestBlockBytes)
    return Error{"its weights take " + std::to_string(widened_floats * sizeof(float) >> 20) +
                 " MB as float32, in one block, and this engine's 32-bit WebAssembly memory "
                 "allocates less than 2 GB in one block: the page runs models of up to about " +
                 std::to_string(kLargestBlockBytes / sizeof(float) / 1000000) +
                 " M parameters (the native CLI has no such limit)"};
  // The length bounds the weights, not the run: seq_len costs no bytes in a version-1 file.
  const uint64_t runs = std::max(1, limits.runs_at_once), kv_bytes = run_state_bytes(c) * runs;
  const uint64_t extra = uint64_t(std::max(0, limits.extra_threads));
  const uint64_t per_thread =
      extra > 0 && limits.thread_scratch_bytes ? limits.thread_scratch_bytes(c) : 0;
  const uint64_t need_bytes = kv_bytes + extra * per_thread;
  if (need_bytes > limits.max_run_bytes) {
    const auto [need, limit] = need_and_limit(need_bytes, limits.max_run_bytes);
    const bool threaded = runs > 1 || per_thread > 0;
    const std::string kv_per_thread =
        runs > 1 ? ", once for each of " + std::to_string(runs) + " threads" : "";
    // The KV cache's figure keeps the place it had before scratch was counted.
    const std::string kv = per_thread > 0 ? amount(kv_bytes, 2) : need;
    const std::string scratch =
        per_thread > 0
            ? " and " + amount(extra * per_thread, 2) + " of scratch for " + std::to_string(extra) +
                  " more thread" + (extra > 1 ? "s" : "") + " (" + amount(per_thread, 2) +
                  " each: copies for the dense products, FFT slabs), " + need + " in all"
            : "";
    return Error{"running this model needs " + kv + " for its KV cache (" +
                 std::to_string(c.n_layers) + " layers × seq_len " + std::to_string(c.seq_len) +
                 " × kv_dim " + std::to_string(c.kv_dim()) + " × 2" + kv_per_thread + ")" +
                 scratch + ", more than the limit of " + limit +
                 "; use a model with a shorter context" + (threaded ? ", fewer --threads" : "") +
                 " (or raise --max-memory)"};
  }
  return ok_status();
}

}  // namespace circulant
