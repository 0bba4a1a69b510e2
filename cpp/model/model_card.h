// What a model file is, read from its head before the rest is: the card the page shows beside a
// dropped file, and the figures it checks the file against its memory with before reading it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "model/config.h"
#include "util/result.h"

namespace circulant {

struct TensorTypeCount {
  std::string type;  // "Q4_K", "F32"
  int tensors = 0;
  uint64_t bytes = 0;  // in the file
};

struct ModelCard {
  std::string name;          // GGUF's general.name, else the file's name
  std::string format;        // "GGUF v3", "version-1 checkpoint"
  std::string architecture;  // "llama", "qwen2"
  std::string tokenizer;     // "llama (SentencePiece)", "gpt2 (byte-level BPE, qwen2)", "a separate
                             // tokenizer.bin"
  bool chat_template = false;
  Config config;
  int64_t parameters = 0;                     // of the dense model
  std::vector<TensorTypeCount> tensor_types;  // most bytes first
  uint64_t file_bytes = 0;
  uint64_t weight_bytes = 0;  // the float32 weights a load makes (or keeps: a float32 .bin's own)
  uint64_t run_bytes = 0;     // one RunState (its KV cache) at the model's full context
};

// `head`: the file's first bytes (the whole file will do); `file_size`: its length. A GGUF head
// too short for the metadata fails with "the file ends inside …": read more and ask again. Every
// check a load makes on the header, metadata and directory is made here, so a file this refuses
// would be refused by the load, with the same line.
Result<ModelCard> inspect_model(const uint8_t* head, size_t head_size, uint64_t file_size,
                                const std::string& name);

}  // namespace circulant
