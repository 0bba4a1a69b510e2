// GGUF files (versions 2 and 3) as a container: the header, the metadata, the tensor directory and
// where each tensor's bytes lie. Every count, length, dimension, offset and size is checked against
// the file's size before anything is allocated for it; what the tensors mean is gguf_model.h's.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/checkpoint.h"
#include "util/result.h"

namespace circulant {

constexpr uint8_t kGgufMagic[4] = {'G', 'G', 'U', 'F'};
constexpr uint32_t kGgufDefaultAlignment = 32;  // when general.alignment is absent

// True when `head` (the first bytes of a file) begins with GGUF's magic.
bool is_gguf(const uint8_t* head, size_t size);

enum class GgufValueType : uint32_t {
  kUint8 = 0,
  kInt8 = 1,
  kUint16 = 2,
  kInt16 = 3,
  kUint32 = 4,
  kInt32 = 5,
  kFloat32 = 6,
  kBool = 7,
  kString = 8,
  kArray = 9,
  kUint64 = 10,
  kInt64 = 11,
  kFloat64 = 12,
};
const char* gguf_value_type_name(GgufValueType type);  // "uint32", "array"
bool gguf_is_integer(GgufValueType type);              // of any width and sign

// One metadata value. Scalars are held as read; an array is held as where its elements lie, and
// is decoded on request (a vocabulary is 150,000 strings, most of which a reader never needs).
struct GgufValue {
  GgufValueType type = GgufValueType::kUint8;
  int64_t integer = 0;       // signed integers and bools; unsigned ones up to 2^63 − 1
  bool above_int64 = false;  // an unsigned 64-bit value past int64's range
  double number = 0;         // float32 and float64
  std::string text;          // a string
  GgufValueType element_type = GgufValueType::kUint8;  // an array's elements…
  uint64_t count = 0;                                  // …how many…
  uint64_t first = 0;                                  // …and the file offset of the first
};

struct GgufTensorInfo {
  std::string name;
  std::vector<uint64_t> shape;  // ggml's ne: fastest-varying first, so shape[0] is the row length
  uint32_t type = 0;            // ggml's type number (model/gguf_tensor_types.h)
  uint64_t offset = 0;          // of its first byte, from the start of the file
  uint64_t bytes = 0;           // it occupies
  uint64_t values() const;
};

// A parsed file: metadata and directory, and the bytes they point into (kept by the caller).
class GgufFile {
 public:
  // Checks header, metadata and directory. `name` is used in messages only. Every tensor must be
  // of a type we read (its size is known only then) and lie inside the data section, aligned,
  // apart from the others.
  static Result<GgufFile> parse(const uint8_t* bytes, uint64_t size, const std::string& name,
                                const LoadLimits& limits = {});

  // The same checks on the first `head_size` bytes of a file of `file_size` bytes: metadata and
  // directory only (what a page reads before deciding to read the rest). Fails with "the file ends
  // inside …" when the head is too short for the metadata; then read more. Tensor bytes are not
  // available from such a file (head_only()).
  static Result<GgufFile> parse_head(const uint8_t* head, uint64_t head_size, uint64_t file_size,
                                     const std::string& name);
  bool head_only() const { return head_only_; }

  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }  // the data section's first byte
  const uint8_t* bytes() const { return bytes_; }
  const std::string& name() const { return name_; }
  const std::map<std::string, GgufValue>& metadata() const { return metadata_; }
  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }

  // Typed lookups (model/gguf_metadata.cc); an error names the file and the key, and says what
  // it held.
  const GgufTensorInfo* tensor(const std::string& name) const;  // null when absent
  const GgufValue* find(const std::string& key) const;
  Result<std::string> text(const std::string& key) const;
  Result<int64_t> whole(const std::string& key, int64_t min, int64_t max) const;  // any integer
  Result<double> number(const std::string& key) const;                            // a float
  Result<bool> flag(const std::string& key) const;
  // Array values, refused unless the array has `count` elements of the matching kind.
  Result<std::vector<std::string>> strings(const std::string& key, uint64_t count) const;
  Result<std::vector<float>> floats(const std::string& key, uint64_t count) const;
  Result<std::vector<int32_t>> int32s(const std::string& key, uint64_t count) const;

  Error fail(const std::string& what) const { return Error{name_ + ": " + what}; }

 private:
  const uint8_t* bytes_ = nullptr;
  uint64_t size_ = 0;
  bool head_only_ = false;
  std::string name_;
  uint32_t version_ = 0, alignment_ = kGgufDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::map<std::string, GgufValue> metadata_;
  std::vector<GgufTensorInfo> tensors_;  // in the directory's order
  std::map<std::string, size_t> by_name_;
  friend class GgufParser;
};

}  // namespace circulant
