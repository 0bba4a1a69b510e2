// Writing GGUF files: metadata pairs of every kind, then the tensor directory and the tensors,
// each on the alignment. `circulant convert` writes models with it; tests build files with it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/gguf_file.h"

namespace circulant {

class GgufWriter {
 public:
  // Writes general.alignment first unless `write_alignment` is false (then readers assume 32,
  // which must then be `alignment`).
  explicit GgufWriter(uint32_t alignment = kGgufDefaultAlignment, uint32_t version = 3,
                      bool write_alignment = true);

  void add_uint32(const std::string& key, uint32_t value);
  void add_int32(const std::string& key, int32_t value);
  void add_uint64(const std::string& key, uint64_t value);
  void add_float32(const std::string& key, float value);
  void add_bool(const std::string& key, bool value);
  void add_string(const std::string& key, const std::string& value);
  void add_strings(const std::string& key, const std::vector<std::string>& values);
  void add_float32s(const std::string& key, const std::vector<float>& values);
  void add_int32s(const std::string& key, const std::vector<int32_t>& values);
  // A pair whose value is given as its encoded bytes (any type, arrays of arrays included).
  void add_encoded(const std::string& key, GgufValueType type, std::vector<uint8_t> value);

  // `data` holds the tensor as `type` stores it; `shape` is ggml's ne (row length first).
  void add_tensor(const std::string& name, const std::vector<uint64_t>& shape, uint32_t type,
                  std::vector<uint8_t> data);

  std::vector<uint8_t> bytes() const;

 private:
  struct Pair {
    std::string key;
    GgufValueType type;
    std::vector<uint8_t> value;
  };
  struct Tensor {
    std::string name;
    std::vector<uint64_t> shape;
    uint32_t type;
    std::vector<uint8_t> data;
  };
  uint32_t alignment_, version_;
  std::vector<Pair> pairs_;
  std::vector<Tensor> tensors_;
};

// Encoding helpers for add_encoded: a little-endian value and a GGUF string.
template <class T>
void append_le(std::vector<uint8_t>& out, T value) {
  const auto* p = reinterpret_cast<const uint8_t*>(&value);
  out.insert(out.end(), p, p + sizeof value);
}
void append_gguf_string(std::vector<uint8_t>& out, const std::string& s);

}  // namespace circulant
