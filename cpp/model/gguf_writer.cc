// GGUF version 3 (or 2, whose layout is the same) in the spec's order: magic, version, counts,
// metadata, directory, padding to the alignment, then each tensor padded to the alignment.
#include "model/gguf_writer.h"

#include <utility>

namespace circulant {

void append_gguf_string(std::vector<uint8_t>& out, const std::string& s) {
  append_le<uint64_t>(out, s.size());
  out.insert(out.end(), s.begin(), s.end());
}

GgufWriter::GgufWriter(uint32_t alignment, uint32_t version, bool write_alignment)
    : alignment_(alignment), version_(version) {
  if (write_alignment) add_uint32("general.alignment", alignment);
}

void GgufWriter::add_encoded(const std::string& key, GgufValueType type,
                             std::vector<uint8_t> value) {
  pairs_.push_back({key, type, std::move(value)});
}

void GgufWriter::add_uint32(const std::string& key, uint32_t value) {
  std::vector<uint8_t> v;
  append_le(v, value);
  add_encoded(key, GgufValueType::kUint32, std::move(v));
}

void GgufWriter::add_int32(const std::string& key, int32_t value) {
  std::vector<uint8_t> v;
  append_le(v, value);
  add_encoded(key, GgufValueType::kInt32, std::move(v));
}

void GgufWriter::add_uint64(const std::string& key, uint64_t value) {
  std::vector<uint8_t> v;
  append_le(v, value);
  add_encoded(key, GgufValueType::kUint64, std::move(v));
}

void GgufWriter::add_float32(const std::string& key, float value) {
  std::vector<uint8_t> v;
  append_le(v, value);
  add_encoded(key, GgufValueType::kFloat32, std::move(v));
}

void GgufWriter::add_bool(const std::string& key, bool value) {
  add_encoded(key, GgufValueType::kBool, {uint8_t(value ? 1 : 0)});
}

void GgufWriter::add_string(const std::string& key, const std::string& value) {
  std::vector<uint8_t> v;
  append_gguf_string(v, value);
  add_encoded(key, GgufValueType::kString, std::move(v));
}

void GgufWriter::add_strings(const std::string& key, const std::vector<std::string>& values) {
  std::vector<uint8_t> v;
  append_le(v, uint32_t(GgufValueType::kString));
  append_le<uint64_t>(v, values.size());
  for (const std::string& s : values) append_gguf_string(v, s);
  add_encoded(key, GgufValueType::kArray, std::move(v));
}

void GgufWriter::add_float32s(const std::string& key, const std::vector<float>& values) {
  std::vector<uint8_t> v;
  append_le(v, uint32_t(GgufValueType::kFloat32));
  append_le<uint64_t>(v, values.size());
  for (float x : values) append_le(v, x);
  add_encoded(key, GgufValueType::kArray, std::move(v));
}

void GgufWriter::add_int32s(const std::string& key, const std::vector<int32_t>& values) {
  std::vector<uint8_t> v;
  append_le(v, uint32_t(GgufValueType::kInt32));
  append_le<uint64_t>(v, values.size());
  for (int32_t x : values) append_le(v, x);
  add_encoded(key, GgufValueType::kArray, std::move(v));
}

void GgufWriter::add_tensor(const std::string& name, const std::vector<uint64_t>& shape,
                            uint32_t type, std::vector<uint8_t> data) {
  tensors_.push_back({name, shape, type, std::move(data)});
}

std::vector<uint8_t> GgufWriter::bytes() const {
  std::vector<uint8_t> out(kGgufMagic, kGgufMagic + 4);
  auto pad = [this, &out] {
    out.resize(out.size() + (alignment_ - out.size() % alignment_) % alignment_, 0);
  };
  append_le(out, version_);
  append_le<uint64_t>(out, tensors_.size());
  append_le<uint64_t>(out, pairs_.size());
  for (const Pair& p : pairs_) {
    append_gguf_string(out, p.key);
    append_le(out, uint32_t(p.type));
    out.insert(out.end(), p.value.begin(), p.value.end());
  }
  // Offsets count from the data section: each tensor starts on the alignment.
  uint64_t offset = 0;
  for (const Tensor& t : tensors_) {
    append_gguf_string(out, t.name);
    append_le(out, uint32_t(t.shape.size()));
    for (uint64_t n : t.shape) append_le(out, n);
    append_le(out, t.type);
    append_le(out, offset);
    offset += t.data.size() + (alignment_ - t.data.size() % alignment_) % alignment_;
  }
  pad();
  for (const Tensor& t : tensors_) {
    out.insert(out.end(), t.data.begin(), t.data.end());
    pad();
  }
  return out;
}

}  // namespace circulant
