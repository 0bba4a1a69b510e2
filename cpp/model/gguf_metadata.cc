// GGUF metadata looked up by key and type: each error names the file and the key and says what
// the key holds instead.
#include <cstring>
#include <string>
#include <vector>

#include "model/gguf_file.h"

namespace circulant {

const GgufValue* GgufFile::find(const std::string& key) const {
  auto it = metadata_.find(key);
  return it == metadata_.end() ? nullptr : &it->second;
}

const GgufTensorInfo* GgufFile::tensor(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &tensors_[it->second];
}

namespace {

template <class T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::string held(const GgufValue& v) {
  if (v.type != GgufValueType::kArray) return std::string("a ") + gguf_value_type_name(v.type);
  return std::string("an array of ") + std::to_string(v.count) + " " +
         gguf_value_type_name(v.element_type) + " values";
}

}  // namespace

Result<std::string> GgufFile::text(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) return fail("the metadata lacks " + key + "; the file is incomplete");
  if (v->type != GgufValueType::kString)
    return fail("metadata " + key + " is " + held(*v) + ", expected a string");
  return v->text;
}

Result<int64_t> GgufFile::whole(const std::string& key, int64_t min, int64_t max) const {
  const GgufValue* v = find(key);
  if (!v) return fail("the metadata lacks " + key + "; the file is incomplete");
  if (!gguf_is_integer(v->type))
    return fail("metadata " + key + " is " + held(*v) + ", expected an integer");
  if (v->above_int64 || v->integer < min || v->integer > max)
    return fail("metadata " + key + " is " +
                (v->above_int64 ? std::string("above 2^63") : std::to_string(v->integer)) +
                ", expected " + std::to_string(min) + " to " + std::to_string(max));
  return v->integer;
}

Result<double> GgufFile::number(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) return fail("the metadata lacks " + key + "; the file is incomplete");
  if (v->type != GgufValueType::kFloat32 && v->type != GgufValueType::kFloat64)
    return fail("metadata " + key + " is " + held(*v) + ", expected a float");
  return v->number;
}

Result<bool> GgufFile::flag(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) return fail("the metadata lacks " + key + "; the file is incomplete");
  if (v->type != GgufValueType::kBool)
    return fail("metadata " + key + " is " + held(*v) + ", expected a bool");
  return v->integer != 0;
}

namespace {

// The array at `key` if it holds `count` elements of type `element`, else the error.
Result<const GgufValue*> array_of(const GgufFile& f, const std::string& key, GgufValueType element,
                                  uint64_t count) {
  const GgufValue* v = f.find(key);
  if (!v) return f.fail("the metadata lacks " + key + "; the file is incomplete");
  if (v->type != GgufValueType::kArray || v->element_type != element)
    return f.fail("metadata " + key + " is " + held(*v) + ", expected an array of " +
                  gguf_value_type_name(element) + " values");
  if (v->count != count)
    return f.fail("metadata " + key + " has " + std::to_string(v->count) + " elements where " +
                  std::to_string(count) + " were expected (one per token)");
  return v;
}

}  // namespace

// The parse walked every element, so the reads below stay inside the file.
Result<std::vector<std::string>> GgufFile::strings(const std::string& key, uint64_t count) const {
  auto v = array_of(*this, key, GgufValueType::kString, count);
  RETURN_IF_ERROR(v);
  std::vector<std::string> out(static_cast<size_t>(count));
  const uint8_t* p = bytes_ + v.value()->first;
  for (std::string& s : out) {
    const uint64_t length = load<uint64_t>(p);
    s.assign(reinterpret_cast<const char*>(p + 8), size_t(length));
    p += 8 + length;
  }
  return out;
}

Result<std::vector<float>> GgufFile::floats(const std::string& key, uint64_t count) const {
  auto v = array_of(*this, key, GgufValueType::kFloat32, count);
  RETURN_IF_ERROR(v);
  std::vector<float> out(static_cast<size_t>(count));
  if (count) std::memcpy(out.data(), bytes_ + v.value()->first, size_t(count) * 4);
  return out;
}

Result<std::vector<int32_t>> GgufFile::int32s(const std::string& key, uint64_t count) const {
  auto v = array_of(*this, key, GgufValueType::kInt32, count);
  RETURN_IF_ERROR(v);
  std::vector<int32_t> out(static_cast<size_t>(count));
  if (count) std::memcpy(out.data(), bytes_ + v.value()->first, size_t(count) * 4);
  return out;
}

}  // namespace circulant
