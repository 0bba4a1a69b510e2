// Writes the trainer's model as a llama2.c legacy checkpoint (the format the engine loads).
#pragma once

#include <string>

#include "llama_model.h"

namespace train {

// Header: 7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size > 0 = shared
// classifier, seq_len); then float32 weights in run.c's order and the RoPE cos/sin tables.
// Writes `path`.tmp and renames it, so a reader never sees half a file. Throws on I/O errors.
void export_llama2c(Llama& model, const std::string& path);

}  // namespace train
