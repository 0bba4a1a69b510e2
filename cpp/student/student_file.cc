// Writing and checked reading of student files.
#include "student/student_file.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "util/files.h"

namespace circulant {
namespace {

constexpr char kMagic[8] = {'C', 'I', 'R', 'C', 'S', 'T', 'U', 'D'};
constexpr uint32_t kVersion = 2;
constexpr size_t kPreambleBytes = 8 + 4 + 8 + 8;  // magic, version, body length, checksum
constexpr uint32_t kMaxStudents = 256;
constexpr uint32_t kDistillCode = 3;  // the projection code of a distilled student
constexpr uint64_t kMaxFileBytes = uint64_t(1) << 31;

// FNV-1a 64: a change confined to one byte always changes it (each step is a bijection of the
// state), which is what the checksum is for; the teacher's fingerprint uses it too.
// Not inlined, and called a slice at a time: a browser compiles a function fully only once it is
// hot, and a single call over a model's 19 MB would run on baseline code throughout.
[[gnu::noinline]] uint64_t fnv1a_slice(uint64_t h, const uint8_t* bytes, size_t size) {
  for (size_t i = 0; i < size; ++i) h = (h ^ bytes[i]) * 0x100000001b3ull;
  return h;
}

uint64_t fnv1a(const uint8_t* bytes, size_t size) {
  constexpr size_t kSlice = size_t(1) << 18;
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t at = 0; at < size; at += kSlice)
    h = fnv1a_slice(h, bytes + at, std::min(kSlice, size - at));
  return h;
}

// IEEE binary16 from float32 with round-to-nearest-even (values here are far from overflow).
uint16_t to_half(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const int exponent = int((x >> 23) & 0xff) - 127 + 15;
  uint32_t mantissa = x & 0x7fffffu;
  if (exponent >= 31) return uint16_t(sign | 0x7c00u);  // overflow to infinity
  if (exponent <= 0) {                                  // subnormal half, or zero
    if (exponent < -10) return uint16_t(sign);
    mantissa |= 0x800000u;
    const int shift = 14 - exponent;
    uint32_t half = mantissa >> shift;
    const uint32_t rest = mantissa & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (half & 1))) ++half;
    return uint16_t(sign | half);
  }
  uint32_t half = sign | uint32_t(exponent) << 10 | mantissa >> 13;
  const uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1))) ++half;  // may carry into the exponent
  return uint16_t(half);
}

float from_half(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16, exponent = (h >> 10) & 0x1f,
                 mantissa = h & 0x3ffu;
  if (exponent == 0) {
    const float v = std::ldexp(float(mantissa), -24);
    return sign ? -v : v;
  }
  const uint32_t bits = exponent == 31 ? sign | 0x7f800000u | mantissa << 13
                                       : sign | (exponent - 15 + 127) << 23 | mantissa << 13;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

class Writer {
 public:
  template <class T>
  void put(T v) {
    const auto* p = reinterpret_cast<const uint8_t*>(&v);
    bytes.insert(bytes.end(), p, p + sizeof v);
  }
  void values(const std::vector<float>& v, bool half) {
    for (float f : v) half ? put(to_half(f)) : put(f);
  }
  std::vector<uint8_t> bytes;
};

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  template <class T>
  bool get(T& v) {
    if (size_ - at_ < sizeof v) return false;
    std::memcpy(&v, data_ + at_, sizeof v);
    at_ += sizeof v;
    return true;
  }
  size_t left() const { return size_ - at_; }
  bool values(std::vector<float>& out, size_t count, bool half) {
    if (left() / (half ? 2 : 4) < count) return false;
    out.resize(count);
    for (float& f : out) {
      if (half) {
        uint16_t h;
        get(h);
        f = from_half(h);
      } else {
        get(f);
      }
    }
    return true;
  }

 private:
  const uint8_t* data_;
  size_t size_, at_ = 0;
};

uint32_t matrix_bits(const std::vector<MlpMatrix>& matrices) {
  uint32_t bits = 0;
  for (MlpMatrix m : matrices) bits |= m == MlpMatrix::kGate ? 1u : m == MlpMatrix::kUp ? 2u : 4u;
  return bits;
}

void write_student(Writer& w, const SavedStudent& s, bool half) {
  const StudentPlan& p = *s.plan;
  // The format's codes (student_file.h): projection 3 is distill, and init its start.
  const bool distilled = p.method == Method::kDistill;
  w.put(uint32_t(p.structure)), w.put(distilled ? kDistillCode : uint32_t(p.projection)),
      w.put(distilled ? uint32_t(p.projection) : 0u);
  w.put(int32_t(p.block)), w.put(uint32_t(p.layers.size()));
  for (int l : p.layers) w.put(int32_t(l));
  w.put(matrix_bits(p.matrices));
  w.put(p.lambda), w.put(int32_t(p.distill.steps)), w.put(p.distill.learning_rate),
      w.put(int32_t(p.distill.batch));
  w.put(uint64_t(p.distill.seed)), w.put(uint32_t(!s.parameters.ffn_norms.empty())),
      w.put(uint32_t(half));
  for (const auto& m : s.parameters.matrices) w.values(m, half);
  for (const auto& g : s.parameters.ffn_norms) w.values(g, half);
}

bool all_finite(const std::vector<float>& values) {
  for (float v : values)
    if (!std::isfinite(v)) return false;
  return true;
}

// The header values where a file's model and the loaded one differ: "n_heads 8, seq_len 512".
std::string differing(const int32_t (&theirs)[7], const int32_t (&ours)[7], bool their_side) {
  static const char* names[7] = {"dim",        "hidden_dim", "n_layers", "n_heads",
                                 "n_kv_heads", "vocab_size", "seq_len"};
  std::string out;
  for (int i = 0; i < 7; ++i)
    if (theirs[i] != ours[i])
      out += (out.empty() ? "" : ", ") + std::string(names[i]) + " " +
             std::to_string(their_side ? theirs[i] : ours[i]);
  return out;
}

// One student's header and values; `what` prefixes every message.
Result<SavedStudent> read_student(Reader& r, const Config& c, const std::string& what) {
  StudentPlan p;
  uint32_t structure, projection, init, count, bits, train_norms, half;
  int32_t block, steps, batch;
  uint64_t seed;
  const auto truncated = [&what]() {
    return Error{what + ": the file ends early (truncated); copy or distill it again"};
  };
  if (!r.get(structure) || !r.get(projection) || !r.get(init) || !r.get(block) || !r.get(count))
    return truncated();
  const std::string corrupt = " (the file is corrupt)";
  if (structure > 2)
    return Error{what + ": unknown structure code " + std::to_string(structure) + corrupt};
  if (projection > kDistillCode || init > 2)
    return Error{what + ": unknown projection code" + corrupt};
  if (count < 1 || count > uint32_t(c.n_layers))
    return Error{what + ": " + std::to_string(count) + " patched layers, the model has " +
                 std::to_string(c.n_layers)};
  p.structure = Structure(structure);
  p.method = projection == kDistillCode ? Method::kDistill : Method::kProject;
  p.projection = Projection(projection == kDistillCode ? init : projection);
  p.block = block;
  for (uint32_t i = 0; i < count; ++i) {
    int32_t l;
    if (!r.get(l)) return truncated();
    p.layers.push_back(l);
  }
  if (!r.get(bits) || !r.get(p.lambda) || !r.get(steps) || !r.get(p.distill.learning_rate) ||
      !r.get(batch) || !r.get(seed) || !r.get(train_norms) || !r.get(half))
    return truncated();
  if (bits < 1 || bits > 7) return Error{what + ": no valid MLP matrices named" + corrupt};
  for (MlpMatrix m : {MlpMatrix::kGate, MlpMatrix::kUp, MlpMatrix::kDown})
    if (bits & matrix_bits({m})) p.matrices.push_back(m);
  if (train_norms > 1 || half > 1) return Error{what + ": bad flag values" + corrupt};
  p.distill.steps = steps, p.distill.batch = batch, p.distill.seed = seed;
  p.distill.train_norms = train_norms == 1;
  // The plan's own rules, in the words the CLI and the page use for them.
  auto checked = check_plan(p, c.n_layers);
  if (!checked.ok())
    return Error{what + ": " + checked.error() +
                 " (the file is corrupt, or was not made by circulant distill)"};
  SavedStudent s{std::move(checked.value()), {}};
  for (size_t i = 0; i < p.layers.size() * p.matrices.size(); ++i) {
    s.parameters.matrices.emplace_back();
    if (!r.values(s.parameters.matrices.back(),
                  structured_size(c, p, p.matrices[i % p.matrices.size()]), half))
      return truncated();
  }
  for (size_t i = 0; train_norms && i < p.layers.size(); ++i) {
    s.parameters.ffn_norms.emplace_back();
    if (!r.values(s.parameters.ffn_norms.back(), size_t(c.dim), half)) return truncated();
  }
  // Every tensor: a NaN norm gain makes every logit NaN as surely as a NaN matrix value.
  for (size_t i = 0; i < s.parameters.matrices.size(); ++i)
    if (!all_finite(s.parameters.matrices[i]))
      return Error{what + ": layer " + std::to_string(p.layers[i / p.matrices.size()]) + " " +
                   matrix_names({p.matrices[i % p.matrices.size()]}) +
                   " holds a value that is not a finite number (the file is corrupt)"};
  for (size_t i = 0; i < s.parameters.ffn_norms.size(); ++i)
    if (!all_finite(s.parameters.ffn_norms[i]))
      return Error{what + ": layer " + std::to_string(p.layers[i]) +
                   " norm gains hold a value that is not a finite number (the file is corrupt)"};
  return s;
}

// The body of a student file: magic, version, exact length and checksum checked.
Result<std::pair<const uint8_t*, size_t>> checked_body(const uint8_t* bytes, size_t size,
                                                       const std::string& name) {
  if (size < 8 || std::memcmp(bytes, kMagic, 8) != 0)
    return Error{
        name + ": not a student file (no CIRCSTUD magic); make one with `circulant distill --out`"};
  const Error truncated{name + ": the file ends early (truncated); copy or distill it again"};
  uint32_t version;
  if (size < 12) return truncated;
  std::memcpy(&version, bytes + 8, 4);
  if (version != kVersion)
    return Error{name + ": student file version " + std::to_string(version) +
                 (version == 1 ? " (without a checksum)" : "") + ", this build reads version " +
                 std::to_string(kVersion) + "; distill it again with this build"};
  uint64_t length, checksum;
  if (size < kPreambleBytes) return truncated;
  std::memcpy(&length, bytes + 12, 8);
  std::memcpy(&checksum, bytes + 20, 8);
  const uint64_t held = size - kPreambleBytes;
  if (held < length) return truncated;
  if (held > length)
    return Error{name + ": " + std::to_string(held - length) +
                 " bytes after the last student (the file is corrupt)"};
  if (fnv1a(bytes + kPreambleBytes, held) != checksum)
    return Error{name +
                 ": the checksum does not match, so some byte has changed (the file is corrupt); "
                 "copy or distill it again"};
  return std::pair{bytes + kPreambleBytes, size_t(held)};
}

}  // namespace

uint64_t model_fingerprint(const Weights& weights) {
  return fnv1a(reinterpret_cast<const uint8_t*>(weights.data), weights.floats * sizeof(float));
}

std::vector<uint8_t> serialize_students(const Weights& teacher,
                                        const std::vector<SavedStudent>& students, bool float16) {
  const Config& c = teacher.config;
  Writer w;
  w.bytes.assign(kMagic, kMagic + 8);
  w.put(kVersion);
  w.put(uint64_t(0)), w.put(uint64_t(0));  // body length and checksum, sealed below
  for (int v : {c.dim, c.hidden_dim, c.n_layers, c.n_heads, c.n_kv_heads, c.vocab_size, c.seq_len})
    w.put(int32_t(v));
  w.put(model_fingerprint(teacher));
  w.put(uint32_t(students.size()));
  for (const SavedStudent& s : students) write_student(w, s, float16);
  reseal_student_file(w.bytes);
  return w.bytes;
}

void reseal_student_file(std::vector<uint8_t>& bytes) {
  if (bytes.size() < kPreambleBytes) return;
  const uint64_t length = bytes.size() - kPreambleBytes;
  const uint64_t checksum = fnv1a(bytes.data() + kPreambleBytes, length);
  std::memcpy(bytes.data() + 12, &length, 8);
  std::memcpy(bytes.data() + 20, &checksum, 8);
}

Result<std::vector<SavedStudent>> parse_students(const uint8_t* bytes, size_t size,
                                                 const std::string& name, const Weights& teacher,
                                                 std::optional<uint64_t> teacher_fingerprint) {
  const Config& c = teacher.config;
  auto body = checked_body(bytes, size, name);
  RETURN_IF_ERROR(body);
  Reader r(body->first, body->second);
  uint32_t count;
  int32_t header[7];
  uint64_t fingerprint;
  for (int32_t& v : header)
    if (!r.get(v)) return Error{name + ": the file ends early (truncated)"};
  if (!r.get(fingerprint) || !r.get(count))
    return Error{name + ": the file ends early (truncated)"};
  const int32_t ours[7] = {c.dim,        c.hidden_dim, c.n_layers, c.n_heads,
                           c.n_kv_heads, c.vocab_size, c.seq_len};
  if (std::memcmp(header, ours, sizeof header) != 0)
    return Error{name + ": made for another model (its " + differing(header, ours, true) +
                 "; the loaded model's " + differing(header, ours, false) +
                 "); load the model it was distilled from, or distill again"};
  if (fingerprint != (teacher_fingerprint ? *teacher_fingerprint : model_fingerprint(teacher)))
    return Error{name +
                 ": made for a model of the same shape but other weights; load the model it was "
                 "distilled from, or distill again for this one"};
  if (count < 1 || count > kMaxStudents)
    return Error{name + ": holds " + std::to_string(count) + " students, expected 1.." +
                 std::to_string(kMaxStudents)};
  std::vector<SavedStudent> students;
  for (uint32_t i = 0; i < count; ++i) {
    auto s = read_student(r, c, name + ": student " + std::to_string(i + 1));
    RETURN_IF_ERROR(s);
    students.push_back(std::move(s.value()));
  }
  if (r.left() != 0)
    return Error{name + ": " + std::to_string(r.left()) +
                 " bytes after the last student (the file is corrupt)"};
  return students;
}

Result<std::vector<SavedStudent>> load_students(const std::string& path, const Weights& teacher) {
  if (!is_folder(path)) {
    auto bytes = read_file_bytes(path, kMaxFileBytes);
    RETURN_IF_ERROR(bytes);
    return parse_students(bytes->data(), bytes->size(), path, teacher);
  }
  auto files = files_in_folder(path, ".students");
  RETURN_IF_ERROR(files);
  if (files->empty())
    return Error{path + ": holds no .students files; give a student file or a folder of them"};
  std::vector<SavedStudent> all;
  std::map<std::string, std::string> held_in;  // plan_key → the file that holds it
  const uint64_t fingerprint = model_fingerprint(teacher);
  for (const std::string& file : files.value()) {
    auto bytes = read_file_bytes(file, kMaxFileBytes);
    RETURN_IF_ERROR(bytes);
    auto students = parse_students(bytes->data(), bytes->size(), file, teacher, fingerprint);
    RETURN_IF_ERROR(students);
    for (SavedStudent& s : students.value()) {
      auto [at, added] = held_in.emplace(plan_key(*s.plan), file);
      if (!added)
        return Error{file + " and " + at->second + " both hold the student at B = " +
                     std::to_string(s.plan->block) + " of one plan; keep one of them"};
      all.push_back(std::move(s));
    }
  }
  // In block-size order, as a sweep lists them (file names sort b128 before b16).
  std::stable_sort(all.begin(), all.end(), [](const SavedStudent& a, const SavedStudent& b) {
    return a.plan->block < b.plan->block;
  });
  return all;
}

Status save_students(const std::string& path, const Weights& teacher,
                     const std::vector<SavedStudent>& students, bool float16) {
  // Replaced whole or not at all: a full disk must not destroy the students a file held.
  return write_file_atomically(path, serialize_students(teacher, students, float16));
}

}  // namespace circulant
