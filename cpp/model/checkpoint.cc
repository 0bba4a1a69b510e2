// Checkpoints: llama2.c's two float32 formats and our float16 one, each a header and a table of its
// tensors' order; loading checks the header, the exact length and the run's memory first, then
// points the weights into the bytes (float32) or widens them into a buffer of their own (float16).
#include "model/checkpoint.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <utility>

#include "kernels/aligned_floats.h"
#include "kernels/half_float.h"
#include "util/files.h"

namespace circulant {
namespace {

constexpr uint32_t kVersion1Magic = 0x616b3432;  // "ak42" little-endian, llama2.c export.py
constexpr uint32_t kFloat16Magic = 0x36316663;   // "cf16": ours (llama2.c has no float16 export)
constexpr size_t kLegacyHeaderBytes = 7 * sizeof(int32_t);
constexpr size_t kVersion1HeaderBytes = 256;

// Caps far above any model a browser or this CLI can run; they keep every product below 2^63.
constexpr int kMaxDim = 1 << 16;
constexpr int kMaxLayers = 1 << 10;
constexpr int kMaxVocab = 1 << 20;
constexpr int kMaxSeqLen = 1 << 20;

Error fail(const std::string& name, const std::string& what) { return Error{name + ": " + what}; }

int32_t read_i32(const uint8_t* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::string range_error(const char* field, long value, long max) {
  return std::string(field) + " is " + std::to_string(value) + ", expected 1.." +
         std::to_string(max);
}

// ----------------------------------------------------------------------------
// The two llama2.c formats: a header, then the tensors one after another in the order below (a
// per-layer tensor once for each layer in turn). The tensors themselves (names, shapes, where they
// point) are model/weights.h's; a format with a tensor directory (GGUF) would add its own table,
// names to those tensors, and reuse point_tensor, check_finite and count_parameters.

// Legacy exports still carry run.c's RoPE tables, (seq_len, head_size / 2) each: recomputed, never
// read.
constexpr TensorSpec kRopeReal{"freq_cis_real", Extent::kSeqLen, Extent::kHalfHead, {}, nullptr};
constexpr TensorSpec kRopeImag{"freq_cis_imag", Extent::kSeqLen, Extent::kHalfHead, {}, nullptr};

// clang-format off
// llama2.c's legacy export (run.c's order).
constexpr const TensorSpec* kLegacyOrder[] = {
    &tensor::kTokenEmbedding, &tensor::kRmsAttention,
    &tensor::kWq, &tensor::kWk, &tensor::kWv, &tensor::kWo, &tensor::kRmsFfn,
    &tensor::kW1, &tensor::kW2, &tensor::kW3, &tensor::kRmsFinal,
    &kRopeReal, &kRopeImag, &tensor::kClassifier};
// export.py's version 1: the norms first.
constexpr const TensorSpec* kVersion1Order[] = {
    &tensor::kRmsAttention, &tensor::kRmsFfn, &tensor::kRmsFinal, &tensor::kTokenEmbedding,
    &tensor::kWq, &tensor::kWk, &tensor::kWv, &tensor::kWo,
    &tensor::kW1, &tensor::kW2, &tensor::kW3, &tensor::kClassifier};
// clang-format on

struct Format {
  size_t header_bytes;
  const TensorSpec* const* order;  // the tensors in the file's order
  size_t tensors;
  size_t value_bytes;  // 4: float32, 2: IEEE float16
  const char* name;    // in messages
};
constexpr Format kLegacy{kLegacyHeaderBytes, kLegacyOrder, std::size(kLegacyOrder), 4,
                         "llama2.c checkpoint"};
constexpr Format kVersion1{kVersion1HeaderBytes, kVersion1Order, std::size(kVersion1Order), 4,
                           "version-1 checkpoint"};
// Our float16 checkpoint: version 1's header (magic "cf16", version 1) and order, every value in
// float16. Half the download for the page; the model it defines is its float16 values widened to
// float32 (docs/loading.md measures what rounding to float16 changes).
constexpr Format kFloat16{kVersion1HeaderBytes, kVersion1Order, std::size(kVersion1Order), 2,
                          "float16 checkpoint"};

// The format a file is in, from its first bytes: version 1 and float16 begin with their magic.
const Format& format_of(const uint8_t* head, size_t head_size) {
  if (head_size < 4) return kLegacy;
  const uint32_t magic = uint32_t(read_i32(head));
  return magic == kVersion1Magic ? kVersion1 : magic == kFloat16Magic ? kFloat16 : kLegacy;
}

// Calls visit(tensor, layer, first float, floats) for every tensor of format `f` in file order,
// counting floats from the end of the header; returns the floats after the header.
template <class Visit>
uint64_t for_each_stored(const Format& f, const Config& c, Visit&& visit) {
  uint64_t at = 0;
  for (size_t i = 0; i < f.tensors; ++i) {
    const TensorSpec& t = *f.order[i];
    if (!t.stored(c)) continue;
    const uint64_t floats = t.floats(c);
    for (int l = 0; l < (t.per_layer() ? c.n_layers : 1); ++l, at += floats)
      visit(t, l, at, floats);
  }
  return at;
}

uint64_t payload_floats(const Format& f, const Config& c) {
  return for_each_stored(f, c, [](const TensorSpec&, int, uint64_t, uint64_t) {});
}

}  // namespace

Status validate_config(const Config& c) {
  if (c.dim < 1 || c.dim > kMaxDim) return Error{range_error("dim", c.dim, kMaxDim)};
  if (c.hidden_dim < 1 || c.hidden_dim > kMaxDim * 4)
    return Error{range_error("hidden_dim", c.hidden_dim, kMaxDim * 4)};
  if (c.n_layers < 1 || c.n_layers > kMaxLayers)
    return Error{range_error("n_layers", c.n_layers, kMaxLayers)};
  if (c.n_heads < 1 || c.n_heads > c.dim) return Error{range_error("n_heads", c.n_heads, c.dim)};
  if (c.n_kv_heads < 1 || c.n_kv_heads > c.n_heads)
    return Error{range_error("n_kv_heads", c.n_kv_heads, c.n_heads)};
  if (c.vocab_size < 1 || c.vocab_size > kMaxVocab)
    return Error{range_error("vocab_size", c.vocab_size, kMaxVocab)};
  if (c.seq_len < 1 || c.seq_len > kMaxSeqLen)
    return Error{range_error("seq_len", c.seq_len, kMaxSeqLen)};
  if (c.dim % c.n_heads != 0)
    return Error{"n_heads " + std::to_string(c.n_heads) + " does not divide dim " +
                 std::to_string(c.dim)};
  if (c.n_heads % c.n_kv_heads != 0)
    return Error{"n_kv_heads " + std::to_string(c.n_kv_heads) + " does not divide n_heads " +
                 std::to_string(c.n_heads)};
  if (c.head_size() % 2 != 0)
    return Error{"head size " + std::to_string(c.head_size()) +
                 " is odd; rotary embeddings need pairs"};
  return ok_status();
}

uint64_t run_state_bytes(const Config& c) {
  return uint64_t(c.n_layers) * uint64_t(c.seq_len) * uint64_t(c.kv_dim()) * 2 * sizeof(float) +
         uint64_t(c.n_heads) * uint64_t(c.seq_len) * sizeof(float);
}

Result<std::vector<uint8_t>> read_file_bytes(const std::string& path, uint64_t max_bytes,
                                             const std::string& kind) {
  auto size = regular_file_size(path, kind);
  RETURN_IF_ERROR(size);
  if (size.value() > max_bytes)
    return fail(path, "file is " + std::to_string(size.value()) +
                          " bytes, larger than the limit of " + std::to_string(max_bytes) +
                          " bytes; use a smaller file");
  std::vector<uint8_t> bytes(static_cast<size_t>(size.value()));
  std::ifstream in(path, std::ios::binary);
  if (!in || !in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(bytes.size())))
    return fail(path, "read failed; check the file is readable");
  return bytes;
}

namespace {

struct Header {
  Config config;
  const Format* format = &kLegacy;
};

// The seven int32 fields both formats share, from `fields`; legacy's sign convention applied.
Config read_fields(const uint8_t* fields, bool legacy, bool shared_classifier) {
  Config c;
  c.dim = read_i32(fields);
  c.hidden_dim = read_i32(fields + 4);
  c.n_layers = read_i32(fields + 8);
  c.n_heads = read_i32(fields + 12);
  c.n_kv_heads = read_i32(fields + 16);
  c.vocab_size = read_i32(fields + 20);
  c.seq_len = read_i32(fields + 24);
  c.shared_classifier = shared_classifier;
  if (legacy) {
    // llama2.c's convention: a negative vocab_size means a separate classifier follows.
    c.shared_classifier = c.vocab_size > 0;
    if (c.vocab_size < 0 && c.vocab_size != INT32_MIN) c.vocab_size = -c.vocab_size;
  }
  return c;
}

// `head` holds the first bytes of a file of `file_size` bytes; checks every value, the length and
// the run's memory.
Result<Header> parse_header(const uint8_t* head, size_t head_size, uint64_t file_size,
                            const std::string& name, const LoadLimits& limits) {
  if (file_size > limits.max_file_bytes)
    return fail(name, "file is " + std::to_string(file_size) + " bytes, more than the limit of " +
                          std::to_string(limits.max_file_bytes) + " bytes");
  if (head_size < kLegacyHeaderBytes)
    return fail(name, "file is " + std::to_string(file_size) +
                          " bytes, too short for a llama2.c checkpoint header (28 bytes)");
  Header h;
  h.format = &format_of(head, head_size);
  if (h.format != &kLegacy) {
    if (head_size < kVersion1HeaderBytes)
      return fail(name,
                  std::string("file is too short for a ") + h.format->name + " header (256 bytes)");
    const int32_t version = read_i32(head + 4);
    if (version != 1)
      return fail(name, h.format == &kFloat16
                            ? "float16 checkpoint version " + std::to_string(version) +
                                  " is not supported; make it again with circulant convert"
                            : "export version " + std::to_string(version) +
                                  " is not supported; export with llama2.c's version 1 (float32)");
    h.config = read_fields(head + 8, false, head[8 + 7 * 4] != 0);
  } else {
    h.config = read_fields(head, true, true);
  }
  const Config& c = h.config;
  Status valid = validate_config(c);
  if (!valid.ok())
    return fail(name, "invalid header: " + valid.error() + "; is this a llama2.c checkpoint?");
  const uint64_t expected =
      h.format->header_bytes + payload_floats(*h.format, c) * h.format->value_bytes;
  if (expected != file_size)
    return fail(name, "header implies " + std::to_string(expected) + " bytes but the file has " +
                          std::to_string(file_size) +
                          (file_size < expected ? " (truncated?)" : " (trailing data?)"));
  // Widened, a float16 file's weights take twice its bytes; a float32 file's are the file.
  const uint64_t floats = payload_floats(*h.format, c);
  Status memory = check_memory(c, h.format->value_bytes != sizeof(float) ? floats : 0, limits);
  if (!memory.ok()) return fail(name, memory.error());
  return h;
}

}  // namespace

Result<CheckpointHeader> read_checkpoint_header(const uint8_t* head, size_t head_size,
                                                uint64_t file_size, const std::string& name) {
  const LoadLimits unlimited{UINT64_MAX, UINT64_MAX};
  auto h = parse_header(head, head_size, file_size, name, unlimited);
  RETURN_IF_ERROR(h);
  return CheckpointHeader{h->config, h->format->name, h->format->value_bytes == 2};
}

namespace {

// Weights over bytes that hold a whole file whose header was checked; `owner` keeps them. The
// weights start 28 or 256 bytes in, so they are float-aligned wherever the bytes are. A float16
// file's values are widened into a buffer of their own, on a cache line; its bytes are not kept.
constexpr size_t kWidenSlice = size_t(1) << 16;

Result<std::shared_ptr<const Weights>> weights_over(const Header& h, const uint8_t* bytes,
                                                    uint64_t file_size,
                                                    std::shared_ptr<const void> owner,
                                                    const std::string& name) {
  auto w = std::make_shared<Weights>();
  w->config = h.config;
  w->floats = (file_size - h.format->header_bytes) / h.format->value_bytes;
  if (h.format->value_bytes == 2) {
    auto widened = std::make_shared<AlignedFloats>(w->floats, AlignedFloats::kUninitialized);
    const uint8_t* halves = bytes + h.format->header_bytes;
    // In slices: a browser runs a function's first calls on baseline code and compiles it fully
    // once it is hot, so one call over the whole model would never leave the slow code.
    for (size_t at = 0; at < w->floats; at += kWidenSlice)
      half_bits_to_floats(halves + 2 * at, std::min(kWidenSlice, w->floats - at),
                          widened->data() + at);
    w->data = widened->data();
    w->owner = std::move(widened);
    w->stored_as = "float16";
  } else {
    w->data = reinterpret_cast<const float*>(bytes + h.format->header_bytes);
    w->owner = std::move(owner);
  }
  w->layers.assign(size_t(h.config.n_layers), Weights::Layer{});
  for_each_stored(*h.format, h.config, [&](const TensorSpec& t, int layer, uint64_t at, uint64_t) {
    point_tensor(*w, t, layer, w->data + at);
  });
  tie_shared_classifier(*w);
  Status finite = check_finite(*w, name);
  RETURN_IF_ERROR(finite);
  return std::shared_ptr<const Weights>(std::move(w));
}

}  // namespace

ModelBytes ModelBytes::room_for(size_t size, const uint8_t* head, size_t head_size) {
  const size_t header = format_of(head, head_size).header_bytes;
  ModelBytes b;
  b.storage.resize(size + kCacheLineBytes);
  b.offset = bytes_to_cache_line(reinterpret_cast<uintptr_t>(b.storage.data()) + header);
  b.size = size;
  return b;
}

ModelBytes ModelBytes::copy_of(const uint8_t* bytes, size_t size) {
  ModelBytes b = room_for(size, bytes, size);
  if (size > 0) std::memcpy(b.data(), bytes, size);
  return b;
}

ModelBytes ModelBytes::adopt(std::vector<uint8_t> bytes) {
  ModelBytes b;
  b.storage.assign(bytes.begin(), bytes.end());
  b.size = bytes.size();
  return b;
}

Result<std::shared_ptr<const Weights>> parse_checkpoint(ModelBytes bytes, const std::string& name,
                                                        const LoadLimits& limits) {
  auto header = parse_header(bytes.data(), bytes.size, bytes.size, name, limits);
  RETURN_IF_ERROR(header);
  auto kept = std::make_shared<ModelBytes>(std::move(bytes));
  return weights_over(header.value(), kept->data(), kept->size, kept, name);
}

Result<std::shared_ptr<const Weights>> load_checkpoint(const std::string& path,
                                                       const LoadLimits& limits) {
  auto file_size = regular_file_size(path, "a model file");
  RETURN_IF_ERROR(file_size);
  const uint64_t size = file_size.value();
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(path, "cannot open the model file; check the path");
  uint8_t head[kVersion1HeaderBytes] = {};
  const size_t head_size = size_t(std::min<uint64_t>(size, sizeof head));
  in.read(reinterpret_cast<char*>(head), std::streamsize(head_size));
  // Header and length are checked before anything is allocated.
  auto header = parse_header(head, head_size, size, path, limits);
  RETURN_IF_ERROR(header);
#ifdef __EMSCRIPTEN__
  // Read once, straight into place: the weights start on a cache line.
  auto placed = std::make_shared<ModelBytes>(ModelBytes::room_for(size_t(size), head, head_size));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(placed->data()), std::streamsize(size));
  if (uint64_t(in.gcount()) != size) return fail(path, "the file changed or could not be read");
  return weights_over(header.value(), placed->data(), size, placed, path);
#else
  // Mapped read-only, as llama2.c's run.c does: the weights are the file's pages, not a copy.
  // (Reading into place on a cache line, as WebAssembly does, measured no faster natively and
  // slower in generation: docs/speed.md.)
  (void)in;
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return fail(path, "cannot open the model file; check the path");
  void* mapped = ::mmap(nullptr, size_t(size), PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (mapped == MAP_FAILED) return fail(path, "cannot map the file into memory");
  std::shared_ptr<const void> owner(
      mapped, [size](const void* p) { ::munmap(const_cast<void*>(p), size_t(size)); });
  return weights_over(header.value(), static_cast<const uint8_t*>(mapped), size, owner, path);
#endif
}

Result<std::vector<uint8_t>> serialize_checkpoint(const Weights& w, bool float16) {
  const Format& f = float16 ? kFloat16 : kVersion1;
  const Config& c = w.config;
  // llama2.c's header has no room for these: its run.c fixes them, and so do our formats.
  const Config fixed;
  if (c.rope_style != fixed.rope_style || c.qkv_bias || c.rope_theta != fixed.rope_theta ||
      c.norm_epsilon != fixed.norm_epsilon)
    return Error{
        "the model differs from what llama2.c's formats record (RoPE on adjacent pairs "
        "with base 10000, RMSNorm epsilon 1e-5, no attention biases); write a .gguf file "
        "instead"};
  std::vector<uint8_t> out(f.header_bytes + payload_floats(f, c) * f.value_bytes, 0);
  const uint32_t magic = float16 ? kFloat16Magic : kVersion1Magic;
  const int32_t fields[8] = {1,         c.dim,        c.hidden_dim, c.n_layers,
                             c.n_heads, c.n_kv_heads, c.vocab_size, c.seq_len};
  std::memcpy(out.data(), &magic, 4);
  std::memcpy(out.data() + 4, fields, sizeof fields);
  out[8 + 7 * 4] = c.shared_classifier ? 1 : 0;
  std::string error;
  for_each_stored(f, c, [&](const TensorSpec& t, int layer, uint64_t at, uint64_t floats) {
    const float* from =
        t.per_layer() ? w.layers[size_t(layer)].*(t.pointer.layer) : w.*(t.pointer.model);
    uint8_t* to = out.data() + f.header_bytes + at * f.value_bytes;
    if (!float16) {
      std::memcpy(to, from, floats * sizeof(float));
      return;
    }
    for (uint64_t i = 0; i < floats; ++i) {
      const uint16_t bits = float_to_half_bits(from[i]);
      if (error.empty() && !std::isfinite(half_bits_to_float(bits)))
        error = "weight " + std::to_string(i) + " of " +
                (t.per_layer() ? "layer " + std::to_string(layer) + " " : "") + t.name + " is " +
                std::to_string(from[i]) + ", beyond float16's largest value (65504)";
      std::memcpy(to + 2 * i, &bits, 2);
    }
  });
  if (!error.empty()) return Error{error + "; keep this model in float32"};
  return out;
}

std::vector<uint8_t> serialize_legacy_checkpoint(const Config& c,
                                                 const std::vector<float>& payload) {
  const int32_t header[7] = {c.dim,        c.hidden_dim,
                             c.n_layers,   c.n_heads,
                             c.n_kv_heads, c.shared_classifier ? c.vocab_size : -c.vocab_size,
                             c.seq_len};
  std::vector<uint8_t> out(sizeof header + payload_floats(kLegacy, c) * sizeof(float), 0);
  std::memcpy(out.data(), header, sizeof header);
  // The payload holds the tensors the model reads, in the file's order; the RoPE tables stay 0.
  size_t from = 0;
  for_each_stored(kLegacy, c, [&](const TensorSpec& t, int, uint64_t at, uint64_t floats) {
    if (!t.read_by_model() || from >= payload.size()) return;
    const size_t n = std::min<size_t>(floats, payload.size() - from);
    std::memcpy(out.data() + sizeof header + at * sizeof(float), payload.data() + from,
                n * sizeof(float));
    from += n;
  });
  return out;
}

}  // namespace circulant
