// The GGUF container, read front to back: header, metadata, tensor directory, data section. A
// count is compared with the bytes left before anything is reserved for it, so a 40-byte file
// that claims 2^60 tensors is refused with a message instead of an allocation.
#include "model/gguf_file.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <numeric>
#include <utility>

#include "model/gguf_tensor_types.h"

namespace circulant {
namespace {

constexpr uint64_t kMaxKeyBytes = 65535;      // the spec's bound on a key
constexpr uint64_t kMaxTensorNameBytes = 64;  // the spec's bound on a tensor name
constexpr uint32_t kMaxDimensions = 4;        // ggml's
constexpr int kMaxArrayNesting = 4;           // arrays of arrays: allowed, but not without end
constexpr uint64_t kMaxAlignment = uint64_t(1) << 20;
// The fewest bytes one metadata pair (1-byte key, 1-byte value) and one directory entry (1-byte
// name, one dimension) can take: what a count is checked against.
constexpr uint64_t kSmallestPair = 8 + 1 + 4 + 1;
constexpr uint64_t kSmallestTensorInfo = 8 + 1 + 4 + 8 + 4 + 8;

constexpr const char* kValueTypeNames[] = {"uint8",  "int8",    "uint16", "int16",  "uint32",
                                           "int32",  "float32", "bool",   "string", "array",
                                           "uint64", "int64",   "float64"};

// Bytes of one value of a fixed-size type; 0 for strings and arrays.
uint64_t fixed_size(GgufValueType t) {
  switch (t) {
    case GgufValueType::kUint8:
    case GgufValueType::kInt8:
    case GgufValueType::kBool:
      return 1;
    case GgufValueType::kUint16:
    case GgufValueType::kInt16:
      return 2;
    case GgufValueType::kUint32:
    case GgufValueType::kInt32:
    case GgufValueType::kFloat32:
      return 4;
    case GgufValueType::kUint64:
    case GgufValueType::kInt64:
    case GgufValueType::kFloat64:
      return 8;
    default:
      return 0;
  }
}

template <class T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

bool is_gguf(const uint8_t* head, size_t size) {
  return size >= 4 && std::memcmp(head, kGgufMagic, 4) == 0;
}

bool gguf_is_integer(GgufValueType t) {
  return fixed_size(t) > 0 && t != GgufValueType::kFloat32 && t != GgufValueType::kFloat64 &&
         t != GgufValueType::kBool;
}

const char* gguf_value_type_name(GgufValueType type) {
  const auto t = uint32_t(type);
  return t < std::size(kValueTypeNames) ? kValueTypeNames[t] : "unknown";
}

uint64_t GgufTensorInfo::values() const {
  return std::accumulate(shape.begin(), shape.end(), uint64_t(1),
                         [](uint64_t a, uint64_t b) { return a * b; });
}

// ----------------------------------------------------------------------------
// Reading: a cursor over the bytes whose every step checks what is left first.

class GgufParser {
 public:
  // `size` bytes can be read; the file holds `file_size` (more when only its head was read).
  GgufParser(GgufFile& f, const uint8_t* bytes, uint64_t size, uint64_t file_size)
      : f_(f), p_(bytes), size_(size), file_size_(file_size) {}

  Status run() {
    uint32_t version = 0;
    if (!magic() || !u32(version, "the version")) return error();
    if (version == 1 || version > 3)
      return fail("GGUF version " + std::to_string(version) +
                  (version > 0xFFFF ? " (a big-endian file?)" : "") +
                  " is not supported; we read versions 2 and 3: convert the model again with a "
                  "current llama.cpp");
    if (version == 0) return fail("GGUF version 0 is not a version; the file is corrupt");
    f_.version_ = version;
    uint64_t tensors = 0, pairs = 0;
    if (!u64(tensors, "the tensor count") || !u64(pairs, "the metadata count")) return error();
    if (!fits(pairs, kSmallestPair, "metadata pairs") ||
        !fits(tensors, kSmallestTensorInfo, "tensors"))
      return error();
    for (uint64_t i = 0; i < pairs; ++i)
      if (!pair()) return error();
    if (!alignment()) return error();
    for (uint64_t i = 0; i < tensors; ++i)
      if (!tensor_info()) return error();
    return data_section();
  }

 private:
  Error fail(const std::string& what) { return f_.fail(what); }
  Status error() { return Error{error_}; }
  bool stop(const std::string& what) {
    error_ = f_.name_ + ": " + what;
    return false;
  }
  bool ends_inside(const std::string& what) {
    return stop("the file ends inside " + what + " (at byte " + std::to_string(at_) + " of " +
                std::to_string(size_) + "); it is truncated: download or convert it again");
  }
  bool take(uint64_t n, const std::string& what, const uint8_t*& where) {
    if (n > size_ - at_) return ends_inside(what);
    where = p_ + at_;
    at_ += n;
    return true;
  }
  bool u32(uint32_t& v, const std::string& what) {
    const uint8_t* b;
    if (!take(4, what, b)) return false;
    v = load<uint32_t>(b);
    return true;
  }
  bool u64(uint64_t& v, const std::string& what) {
    const uint8_t* b;
    if (!take(8, what, b)) return false;
    v = load<uint64_t>(b);
    return true;
  }
  // `count` items of at least `each` bytes in what is left of the file.
  bool fits(uint64_t count, uint64_t each, const std::string& what) {
    if (count <= (size_ - at_) / each) return true;
    return stop("the file says it holds " + std::to_string(count) + " " + what +
                ", more than its " + std::to_string(size_) +
                " bytes can hold; the file is truncated or corrupt");
  }
  bool string(std::string& s, const std::string& what, uint64_t max_bytes) {
    uint64_t length = 0;
    const uint8_t* b;
    if (!u64(length, "the length of " + what)) return false;
    if (length > max_bytes)
      return stop(what + " is " + std::to_string(length) + " bytes long, more than the " +
                  std::to_string(max_bytes) + " GGUF allows; the file is corrupt");
    if (!take(length, what, b)) return false;
    s.assign(reinterpret_cast<const char*>(b), size_t(length));
    return true;
  }

  bool magic() {
    const uint8_t* b;
    if (size_ < 4 || std::memcmp(p_, kGgufMagic, 4) != 0)
      return stop(
          "not a GGUF file (it does not begin with the bytes 'GGUF'); give a .gguf model "
          "or a llama2.c checkpoint");
    return take(4, "the magic", b);
  }

  bool value_type(GgufValueType& t, const std::string& key) {
    uint32_t raw = 0;
    if (!u32(raw, "the type of " + key)) return false;
    if (raw > uint32_t(GgufValueType::kFloat64))
      return stop("metadata " + key + " has value type " + std::to_string(raw) +
                  ", which GGUF does not define; the file is corrupt");
    t = GgufValueType(raw);
    return true;
  }

  // One value of type `t` into `v` (arrays: where their elements lie, walked to their end).
  bool value(GgufValueType t, GgufValue& v, const std::string& key, int depth) {
    v.type = t;
    if (t == GgufValueType::kString) return string(v.text, "the value of " + key, UINT64_MAX);
    if (t == GgufValueType::kArray) return array(v, key, depth);
    const uint8_t* b;
    if (!take(fixed_size(t), "the value of " + key, b)) return false;
    switch (t) {
      case GgufValueType::kUint8:
        v.integer = load<uint8_t>(b);
        break;
      case GgufValueType::kInt8:
        v.integer = load<int8_t>(b);
        break;
      case GgufValueType::kUint16:
        v.integer = load<uint16_t>(b);
        break;
      case GgufValueType::kInt16:
        v.integer = load<int16_t>(b);
        break;
      case GgufValueType::kUint32:
        v.integer = load<uint32_t>(b);
        break;
      case GgufValueType::kInt32:
        v.integer = load<int32_t>(b);
        break;
      case GgufValueType::kInt64:
        v.integer = load<int64_t>(b);
        break;
      case GgufValueType::kUint64: {
        const uint64_t u = load<uint64_t>(b);
        v.above_int64 = u > uint64_t(INT64_MAX);
        v.integer = v.above_int64 ? INT64_MAX : int64_t(u);
        break;
      }
      case GgufValueType::kFloat32:
        v.number = load<float>(b);
        break;
      case GgufValueType::kFloat64:
        v.number = load<double>(b);
        break;
      case GgufValueType::kBool:
        if (*b > 1)
          return stop("metadata " + key + " is a bool holding " + std::to_string(*b) +
                      ", not 0 or 1; the file is corrupt");
        v.integer = *b;
        break;
      default:
        break;
    }
    return true;
  }

  bool array(GgufValue& v, const std::string& key, int depth) {
    if (depth >= kMaxArrayNesting)
      return stop("metadata " + key + " nests arrays more than " +
                  std::to_string(kMaxArrayNesting) + " deep; the file is corrupt");
    if (!value_type(v.element_type, key) || !u64(v.count, "the length of " + key)) return false;
    const uint64_t each = fixed_size(v.element_type);
    const bool strings = v.element_type == GgufValueType::kString;
    if (!fits(v.count, each ? each : strings ? 8 : 12, "elements in " + key)) return false;
    v.first = at_;
    if (each && v.element_type != GgufValueType::kBool) {
      at_ += v.count * each;
      return true;
    }
    GgufValue element;  // walked one by one, kept only for the check
    const std::string what = "an element of " + key;
    for (uint64_t i = 0; i < v.count; ++i) {
      if (strings) {
        uint64_t length = 0;
        const uint8_t* b;
        if (!u64(length, what) || !take(length, what, b)) return false;
      } else if (!value(v.element_type, element, key, depth + 1)) {
        return false;
      }
    }
    return true;
  }

  bool pair() {
    std::string key;
    GgufValueType type;
    if (!string(key, "a metadata key", kMaxKeyBytes) || !value_type(type, key)) return false;
    if (key.empty()) return stop("a metadata key is empty; the file is corrupt");
    GgufValue v;
    if (!value(type, v, key, 0)) return false;
    if (!f_.metadata_.emplace(key, std::move(v)).second)
      return stop("metadata " + key + " appears twice; the file is corrupt");
    return true;
  }

  bool alignment() {
    const GgufValue* a = f_.find("general.alignment");
    if (!a) return true;
    if (!gguf_is_integer(a->type) || a->integer < 8 || a->integer % 8 != 0 ||
        uint64_t(a->integer) > kMaxAlignment || a->above_int64)
      return stop("general.alignment is " +
                  (gguf_is_integer(a->type) ? std::to_string(a->integer)
                                            : std::string("a ") + gguf_value_type_name(a->type)) +
                  "; it must be a multiple of 8 up to " + std::to_string(kMaxAlignment) +
                  " (32 when absent): the file is corrupt");
    f_.alignment_ = uint32_t(a->integer);
    return true;
  }

  bool tensor_info() {
    GgufTensorInfo t;
    uint32_t dimensions = 0;
    if (!string(t.name, "a tensor name", kMaxTensorNameBytes) ||
        !u32(dimensions, "the dimension count of tensor " + t.name))
      return false;
    if (dimensions < 1 || dimensions > kMaxDimensions)
      return stop("tensor " + t.name + " has " + std::to_string(dimensions) +
                  " dimensions, expected 1 to 4; the file is corrupt");
    uint64_t values = 1;
    for (uint32_t d = 0; d < dimensions; ++d) {
      uint64_t n = 0;
      if (!u64(n, "the shape of tensor " + t.name)) return false;
      if (n == 0 || n > UINT64_MAX / values)
        return stop("tensor " + t.name + " has a dimension of " + std::to_string(n) +
                    "; the file is corrupt");
      values *= n;
      t.shape.push_back(n);
    }
    if (!u32(t.type, "the type of tensor " + t.name) ||
        !u64(t.offset, "the offset of tensor " + t.name))
      return false;
    return sized(t) && add(std::move(t));
  }

  // The bytes a tensor of a type we read takes; any other type is refused by its name.
  bool sized(GgufTensorInfo& t) {
    const GgufBlockLayout* layout = gguf_readable_layout(t.type);
    const char* type_name = gguf_type_name(t.type);
    if (!type_name)
      return stop("tensor " + t.name + " has type " + std::to_string(t.type) +
                  ", which is no ggml type; the file is corrupt or newer than this reader");
    if (!layout)
      return stop("tensor " + t.name + " is stored as " + type_name +
                  ", which we do not read (we " + "read " + gguf_readable_type_names() +
                  "); requantize the model to one of them");
    if (t.shape[0] % layout->block_values != 0)
      return stop("tensor " + t.name + " has rows of " + std::to_string(t.shape[0]) +
                  " values, not a whole number of " + type_name + " blocks (" +
                  std::to_string(layout->block_values) + "); the file is corrupt");
    const uint64_t blocks = t.values() / layout->block_values;
    if (blocks > file_size_ / layout->block_bytes)
      return stop("tensor " + t.name + " needs more bytes than the whole file holds (" +
                  std::to_string(file_size_) + "); the file is truncated or corrupt");
    t.bytes = blocks * layout->block_bytes;
    if (t.offset % f_.alignment_ != 0)
      return stop("tensor " + t.name + " starts at offset " + std::to_string(t.offset) +
                  ", not a multiple of the alignment " + std::to_string(f_.alignment_) +
                  "; the file is corrupt");
    return true;
  }

  bool add(GgufTensorInfo t) {
    if (!f_.by_name_.emplace(t.name, f_.tensors_.size()).second)
      return stop("tensor " + t.name + " appears twice in the file; the file is corrupt");
    f_.tensors_.push_back(std::move(t));
    return true;
  }

  // The data section starts at the next multiple of the alignment; each tensor lies inside it and
  // no two overlap.
  Status data_section() {
    const uint64_t a = f_.alignment_;
    f_.data_offset_ = at_ + (a - at_ % a) % a;
    std::vector<GgufTensorInfo*> by_offset;
    for (GgufTensorInfo& t : f_.tensors_) {
      const uint64_t room = f_.data_offset_ <= file_size_ ? file_size_ - f_.data_offset_ : 0;
      if (t.offset > room || t.bytes > room - t.offset)
        return fail("tensor " + t.name + " lies at bytes " + std::to_string(t.offset) + " to " +
                    std::to_string(t.offset + t.bytes) + " of the data section, which holds " +
                    std::to_string(room) + "; the file is truncated or corrupt");
      t.offset += f_.data_offset_;
      by_offset.push_back(&t);
    }
    std::stable_sort(
        by_offset.begin(), by_offset.end(),
        [](const GgufTensorInfo* x, const GgufTensorInfo* y) { return x->offset < y->offset; });
    for (size_t i = 1; i < by_offset.size(); ++i)
      if (by_offset[i]->offset < by_offset[i - 1]->offset + by_offset[i - 1]->bytes)
        return fail("tensors " + by_offset[i - 1]->name + " and " + by_offset[i]->name +
                    " overlap in the data section; the file is corrupt");
    return ok_status();
  }

  GgufFile& f_;
  const uint8_t* p_;
  uint64_t size_, file_size_, at_ = 0;
  std::string error_;
};

Result<GgufFile> GgufFile::parse(const uint8_t* bytes, uint64_t size, const std::string& name,
                                 const LoadLimits& limits) {
  GgufFile f;
  f.bytes_ = bytes;
  f.size_ = size;
  f.name_ = name;
  if (size > limits.max_file_bytes)
    return f.fail("file is " + std::to_string(size) + " bytes, more than the limit of " +
                  std::to_string(limits.max_file_bytes) + " bytes");
  Status parsed = GgufParser(f, bytes, size, size).run();
  RETURN_IF_ERROR(parsed);
  return f;
}

Result<GgufFile> GgufFile::parse_head(const uint8_t* head, uint64_t head_size, uint64_t file_size,
                                      const std::string& name) {
  GgufFile f;
  f.bytes_ = head;
  f.size_ = std::min(head_size, file_size);
  f.name_ = name;
  f.head_only_ = f.size_ < file_size;
  Status parsed = GgufParser(f, head, f.size_, file_size).run();
  RETURN_IF_ERROR(parsed);
  return f;
}

}  // namespace circulant
