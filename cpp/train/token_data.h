// Token streams for training: spm_encode id files loaded as one BOS-separated stream, and batches.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace train {

// Reads an spm_encode --output_format=id file: one line of ids per text line. The stream is
// BOS (1), line ids, BOS, line ids, ... as the engine sees a prompt. Throws on a missing file.
std::vector<int32_t> load_id_stream(const std::string& path);

// `batch` random windows of seq_len + 1 tokens; the offsets depend only on (seed, step), so a
// resumed run sees the same batches as an uninterrupted one. Returns (batch, seq_len + 1) int64.
torch::Tensor random_batch(const std::vector<int32_t>& stream, int batch, int seq_len,
                           uint64_t seed, int64_t step);

// Consecutive non-overlapping windows of seq_len + 1 tokens covering the stream: (n, seq_len + 1).
torch::Tensor sequential_windows(const std::vector<int32_t>& stream, int seq_len);

}  // namespace train
