// The GGUF container: every metadata value type read back, versions 2 and 3, the alignment, and
// one clear line for every malformed file (checked before anything is allocated for it).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "model/gguf_file.h"
#include "model/gguf_tensor_types.h"
#include "model/gguf_writer.h"

namespace circulant {
namespace {

constexpr uint32_t kF32 = uint32_t(GgufType::kF32);

std::vector<uint8_t> floats_bytes(size_t n, float first = 1) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i < n; ++i) append_le(out, first + float(i));
  return out;
}

// Two float32 tensors and a little metadata.
GgufWriter small_file(uint32_t alignment = 32, uint32_t version = 3) {
  GgufWriter w(alignment, version);
  w.add_string("general.architecture", "llama");
  w.add_tensor("a", {3, 2}, kF32, floats_bytes(6));
  w.add_tensor("b", {5}, kF32, floats_bytes(5, 10));
  return w;
}

std::string error_of(const std::vector<uint8_t>& bytes) {
  auto f = GgufFile::parse(bytes.data(), bytes.size(), "m.gguf");
  return f.ok() ? "" : f.error();
}

// One line that names the file and says `text`.
void expect_refused(const std::vector<uint8_t>& bytes, const std::string& text) {
  const std::string e = error_of(bytes);
  EXPECT_EQ(e.rfind("m.gguf: ", 0), 0u) << e;
  EXPECT_NE(e.find(text), std::string::npos) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
}

// Where tensor `name`'s offset lies in the directory (written by GgufWriter: name, dimension
// count, dimensions, type, offset).
size_t offset_field(const std::vector<uint8_t>& bytes, const std::string& name, size_t dims) {
  std::vector<uint8_t> entry;
  append_gguf_string(entry, name);
  const size_t at =
      size_t(std::search(bytes.begin(), bytes.end(), entry.begin(), entry.end()) - bytes.begin());
  return at + entry.size() + 4 + 8 * dims + 4;
}

void put_u64(std::vector<uint8_t>& bytes, size_t at, uint64_t v) {
  std::memcpy(bytes.data() + at, &v, 8);
}

TEST(GgufFile, EveryValueTypeReadsBack) {
  GgufWriter w;
  auto scalar = [&w](const char* key, GgufValueType t, std::vector<uint8_t> v) {
    w.add_encoded(key, t, std::move(v));
  };
  scalar("u8", GgufValueType::kUint8, {200});
  scalar("i8", GgufValueType::kInt8, {0x80});
  scalar("u16", GgufValueType::kUint16, {0xFF, 0xFF});
  scalar("i16", GgufValueType::kInt16, {0x00, 0x80});
  w.add_uint32("u32", 4000000000u);
  w.add_int32("i32", -5);
  w.add_uint64("u64", uint64_t(1) << 40);
  scalar("i64", GgufValueType::kInt64, {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF});
  w.add_float32("f32", 0.5f);
  std::vector<uint8_t> f64;
  append_le(f64, 1e-300);
  scalar("f64", GgufValueType::kFloat64, f64);
  w.add_bool("bool", true);
  w.add_string("string", "héllo");
  w.add_strings("strings", {"", "a", "▁b"});
  w.add_float32s("floats", {1.5f, -2});
  w.add_int32s("ints", {7, -7, 0});
  // An array of two arrays of uint16.
  std::vector<uint8_t> nested;
  append_le(nested, uint32_t(GgufValueType::kArray));
  append_le<uint64_t>(nested, 2);
  for (int i = 0; i < 2; ++i) {
    append_le(nested, uint32_t(GgufValueType::kUint16));
    append_le<uint64_t>(nested, 3);
    for (uint16_t v : {1, 2, 3}) append_le(nested, v);
  }
  scalar("nested", GgufValueType::kArray, nested);
  const auto bytes = w.bytes();
  auto f = GgufFile::parse(bytes.data(), bytes.size(), "m.gguf");
  ASSERT_TRUE(f.ok()) << f.error();
  const std::pair<const char*, int64_t> wholes[] = {{"u8", 200},
                                                    {"i8", -128},
                                                    {"u16", 65535},
                                                    {"i16", -32768},
                                                    {"u32", 4000000000},
                                                    {"i32", -5},
                                                    {"u64", int64_t(1) << 40},
                                                    {"i64", -1}};
  for (const auto& [key, value] : wholes)
    EXPECT_EQ(f->whole(key, INT64_MIN, INT64_MAX).value(), value) << key;
  EXPECT_EQ(f->number("f32").value(), 0.5);
  EXPECT_EQ(f->number("f64").value(), 1e-300);
  EXPECT_TRUE(f->flag("bool").value());
  EXPECT_EQ(f->text("string").value(), "héllo");
  EXPECT_EQ(f->strings("strings", 3).value(), (std::vector<std::string>{"", "a", "▁b"}));
  EXPECT_EQ(f->floats("floats", 2).value(), (std::vector<float>{1.5f, -2}));
  EXPECT_EQ(f->int32s("ints", 3).value(), (std::vector<int32_t>{7, -7, 0}));
  EXPECT_EQ(f->find("nested")->count, 2u);
  EXPECT_EQ(f->find("nested")->element_type, GgufValueType::kArray);
  // A lookup that does not fit says what the key holds.
  EXPECT_NE(f->whole("u8", 0, 100).error().find("u8 is 200, expected 0 to 100"), std::string::npos);
  EXPECT_NE(f->whole("f32", 0, 1).error().find("is a float32, expected an integer"),
            std::string::npos);
  EXPECT_NE(f->strings("strings", 4).error().find("has 3 elements where 4"), std::string::npos);
  EXPECT_NE(f->floats("ints", 3).error().find("an array of 3 int32 values"), std::string::npos);
  EXPECT_NE(f->text("absent").error().find("lacks absent"), std::string::npos);
}

TEST(GgufFile, VersionTwoReadsLikeThreeAndTensorsLieOnTheAlignment) {
  for (uint32_t version : {2u, 3u})
    for (uint32_t alignment : {32u, 64u, 24u}) {
      const auto bytes = small_file(alignment, version).bytes();
      auto f = GgufFile::parse(bytes.data(), bytes.size(), "m.gguf");
      ASSERT_TRUE(f.ok()) << f.error();
      EXPECT_EQ(f->version(), version);
      EXPECT_EQ(f->alignment(), alignment);
      ASSERT_EQ(f->tensors().size(), 2u);
      const GgufTensorInfo& b = *f->tensor("b");
      EXPECT_EQ(b.offset % alignment, 0u);
      EXPECT_EQ(b.shape, (std::vector<uint64_t>{5}));
      EXPECT_EQ(b.bytes, 20u);
      float first;
      std::memcpy(&first, bytes.data() + b.offset, 4);
      EXPECT_EQ(first, 10.0f);
    }
}

TEST(GgufFile, ForeignFilesAndOtherVersionsAreNamed) {
  auto bytes = small_file().bytes();
  auto other = bytes;
  other[0] = 'X';
  expect_refused(other, "not a GGUF file");
  for (uint32_t version : {0u, 1u, 4u}) {
    other = bytes;
    std::memcpy(other.data() + 4, &version, 4);
    expect_refused(other, "version " + std::to_string(version));
  }
  other = bytes;
  const uint8_t big_endian_3[4] = {0, 0, 0, 3};
  std::memcpy(other.data() + 4, big_endian_3, 4);
  expect_refused(other, "big-endian");
}

TEST(GgufFile, EveryTruncationIsRefused) {
  const auto bytes = small_file().bytes();
  for (size_t n = 0; n < bytes.size() - 32; ++n) {  // the last 32 bytes are padding after b
    const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + long(n));
    const std::string e = error_of(cut);
    EXPECT_NE(e, "") << n;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
  const std::vector<uint8_t> half(bytes.begin(), bytes.begin() + 40);
  expect_refused(half, "truncated");
}

TEST(GgufFile, HugeCountsAndLengthsAreRefusedBeforeAllocating) {
  const auto bytes = small_file().bytes();
  auto other = bytes;
  put_u64(other, 8, uint64_t(1) << 60);  // tensors
  expect_refused(other, "holds 1152921504606846976 tensors, more than its");
  other = bytes;
  put_u64(other, 16, uint64_t(1) << 62);  // metadata pairs
  expect_refused(other, "metadata pairs, more than its");
  other = bytes;
  put_u64(other, 24, uint64_t(1) << 50);  // the first key's length
  expect_refused(other, "GGUF allows");
  GgufWriter w;
  std::vector<uint8_t> array;
  append_le(array, uint32_t(GgufValueType::kUint8));
  append_le<uint64_t>(array, uint64_t(1) << 55);
  w.add_encoded("big", GgufValueType::kArray, array);
  expect_refused(w.bytes(), "elements in big, more than its");
  GgufWriter s;
  std::vector<uint8_t> string;
  append_le<uint64_t>(string, uint64_t(1) << 40);
  s.add_encoded("long", GgufValueType::kString, string);
  expect_refused(s.bytes(), "ends inside the value of long");
}

TEST(GgufFile, AlignmentMustBeAMultipleOfEight) {
  for (uint32_t bad : {0u, 7u, 12u, 1u << 24}) {
    GgufWriter v(32, 3, false);  // the data lies on 32; the key alone is wrong
    v.add_uint32("general.alignment", bad);
    expect_refused(v.bytes(), "general.alignment is " + std::to_string(bad));
  }
  GgufWriter s(32, 3, false);
  s.add_string("general.alignment", "32");
  expect_refused(s.bytes(), "general.alignment is a string");
}

TEST(GgufFile, TensorsMustLieAlignedInsideTheDataAndApart) {
  const auto bytes = small_file().bytes();
  auto other = bytes;
  put_u64(other, offset_field(bytes, "b", 1), 36);
  expect_refused(other, "tensor b starts at offset 36, not a multiple of the alignment 32");
  other = bytes;
  put_u64(other, offset_field(bytes, "b", 1), uint64_t(1) << 40);
  expect_refused(other, "tensor b lies at bytes 1099511627776");
  other = bytes;
  put_u64(other, offset_field(bytes, "b", 1), 0);
  expect_refused(other, "tensors a and b overlap");
  other = bytes;
  put_u64(other, offset_field(bytes, "b", 1), uint64_t(-32));  // wraps if added carelessly
  expect_refused(other, "tensor b lies at bytes");
}

TEST(GgufFile, TensorTypesAndShapesAreChecked) {
  auto one = [](const std::vector<uint64_t>& shape, uint32_t type) {
    GgufWriter w;
    w.add_tensor("t", shape, type, std::vector<uint8_t>(64));
    return w.bytes();
  };
  expect_refused(one({4}, 77), "tensor t has type 77, which is no ggml type");
  expect_refused(one({256}, 10), "tensor t is stored as Q2_K, which we do not read");
  expect_refused(one({20}, uint32_t(GgufType::kQ8_0)), "rows of 20 values, not a whole number");
  expect_refused(one({1, 2, 3, 4, 5}, kF32), "has 5 dimensions, expected 1 to 4");
  expect_refused(one({}, kF32), "has 0 dimensions");
  expect_refused(one({4, 0}, kF32), "has a dimension of 0");
  expect_refused(one({uint64_t(1) << 40, uint64_t(1) << 40}, kF32), "has a dimension of");
  expect_refused(one({1u << 30}, kF32), "needs more bytes than the whole file");
  expect_refused(one({32}, kF32),
                 "tensor t lies at bytes 0 to 128 of the data section, which "
                 "holds 64");
}

TEST(GgufFile, DuplicatesAndImpossibleValuesAreRefused) {
  GgufWriter keys;
  keys.add_uint32("x", 1);
  keys.add_uint32("x", 2);
  expect_refused(keys.bytes(), "metadata x appears twice");
  GgufWriter tensors;
  tensors.add_tensor("t", {8}, kF32, floats_bytes(8));
  tensors.add_tensor("t", {8}, kF32, floats_bytes(8));
  expect_refused(tensors.bytes(), "tensor t appears twice");
  GgufWriter flag;
  flag.add_encoded("b", GgufValueType::kBool, {2});
  expect_refused(flag.bytes(), "b is a bool holding 2");
  GgufWriter type;
  type.add_encoded("v", GgufValueType(13), {0});
  expect_refused(type.bytes(), "value type 13, which GGUF does not define");
  GgufWriter empty;
  empty.add_uint32("", 1);
  expect_refused(empty.bytes(), "key is empty");
  std::vector<uint8_t> deep;  // arrays of arrays, five deep
  for (int i = 0; i < 5; ++i) {
    append_le(deep, uint32_t(GgufValueType::kArray));
    append_le<uint64_t>(deep, 1);
  }
  append_le(deep, uint32_t(GgufValueType::kUint8));
  append_le<uint64_t>(deep, 0);
  GgufWriter nested;
  nested.add_encoded("deep", GgufValueType::kArray, deep);
  expect_refused(nested.bytes(), "nests arrays more than 4 deep");
}

}  // namespace
}  // namespace circulant
