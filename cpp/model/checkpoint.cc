// Checkpoint parsing: header validation first, exact file-length check, then one allocation.
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
#include <tuple>
#include <utility>

#include "kernels/aligned_floats.h"
#include "util/files.h"

namespace circulant {
namespace {

constexpr uint32_t kVersion1Magic = 0x616b3432;  // "ak42" little-endian, llama2.c export.py
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

// Floats in the file after the header, in llama2.c's order (legacy adds the unused RoPE tables).
uint64_t payload_floats(const Config& c, bool legacy) {
  const uint64_t dim = c.dim, hidden = c.hidden_dim, layers = c.n_layers, kv = c.kv_dim();
  uint64_t n = uint64_t(c.vocab_size) * dim;                    // token embedding
  n += layers * (2 * dim + dim * dim * 2 + kv * dim * 2);       // norms, wq, wo, wk, wv
  n += layers * 3 * hidden * dim;                               // w1, w2, w3
  n += dim;                                                     // final norm
  if (legacy) n += uint64_t(c.seq_len) * c.head_size();         // freq_cis real + imag
  if (!c.shared_classifier) n += uint64_t(c.vocab_size) * dim;  // separate classifier
  return n;
}

// Points every field into storage; `order` lists the tensor groups as the format stores them.
void assign_pointers(Weights& w, bool legacy) {
  const Config& c = w.config;
  const size_t dim = c.dim, hidden = c.hidden_dim, kv = c.kv_dim(), L = c.n_layers;
  const float* p = w.data;
  auto take = [&p](size_t n) {
    const float* t = p;
    p += n;
    return t;
  };
  w.layers.assign(L, Weights::Layer{});
  auto per_layer = [&](const float* Weights::Layer::*field, size_t n) {
    for (auto& layer : w.layers) layer.*field = take(n);
  };
  if (legacy) {
    w.token_embedding = take(c.vocab_size * dim);
    per_layer(&Weights::Layer::rms_attention, dim);
  } else {
    per_layer(&Weights::Layer::rms_attention, dim);
    per_layer(&Weights::Layer::rms_ffn, dim);
    w.rms_final = take(dim);
    w.token_embedding = take(c.vocab_size * dim);
  }
  per_layer(&Weights::Layer::wq, dim * dim);
  per_layer(&Weights::Layer::wk, kv * dim);
  per_layer(&Weights::Layer::wv, kv * dim);
  per_layer(&Weights::Layer::wo, dim * dim);
  if (legacy) per_layer(&Weights::Layer::rms_ffn, dim);
  per_layer(&Weights::Layer::w1, hidden * dim);
  per_layer(&Weights::Layer::w2, dim * hidden);
  per_layer(&Weights::Layer::w3, hidden * dim);
  if (legacy) {
    w.rms_final = take(dim);
    take(size_t(c.seq_len) * c.head_size());  // RoPE tables: recomputed, never read
  }
  w.classifier = c.shared_classifier ? w.token_embedding : take(c.vocab_size * dim);
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

ParameterCounts count_parameters(const Config& c) {
  ParameterCounts p;
  const int64_t dim = c.dim, kv = c.kv_dim(), hidden = c.hidden_dim;
  p.embedding = int64_t(c.vocab_size) * dim;
  p.attention = 2 * dim * dim + 2 * kv * dim;
  p.mlp = 3 * hidden * dim;
  p.norms = 2 * dim;
  p.classifier = c.shared_classifier ? 0 : int64_t(c.vocab_size) * dim;
  return p;
}

uint64_t run_state_bytes(const Config& c) {
  return uint64_t(c.n_layers) * uint64_t(c.seq_len) * uint64_t(c.kv_dim()) * 2 * sizeof(float) +
         uint64_t(c.seq_len) * sizeof(float);
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
  size_t bytes = 0;  // header length: 28 (legacy) or 256 (version 1)
  bool legacy = true;
};

// Bytes in the unit that suits them (KiB, MiB, GiB), with `decimals` decimals.
std::string amount(uint64_t bytes, int decimals) {
  static const char* units[] = {"bytes", "KiB", "MiB", "GiB"};
  int unit = 0;
  double value = double(bytes);
  while (unit < 3 && value >= 1024) value /= 1024, ++unit;
  char text[48];
  std::snprintf(text, sizeof text, "%.*f %s", unit == 0 ? 0 : decimals, value, units[unit]);
  return text;
}

// A need and a limit it exceeds, written so that they differ (0.001 GiB once read "needs 0.00
// GiB … limit of 0.00 GiB"): more decimals until they do.
std::pair<std::string, std::string> need_and_limit(uint64_t need, uint64_t limit) {
  for (int decimals = 2; decimals <= 9; ++decimals) {
    std::pair<std::string, std::string> texts{amount(need, decimals), amount(limit, decimals)};
    if (texts.first != texts.second) return texts;
  }
  return {std::to_string(need) + " bytes", std::to_string(limit) + " bytes"};
}

// `head` holds the first bytes of a file of `file_size` bytes; checks every value and the length.
Result<Header> parse_header(const uint8_t* head, size_t head_size, uint64_t file_size,
                            const std::string& name, uint64_t max_bytes, uint64_t max_run_bytes) {
  if (file_size > max_bytes)
    return fail(name, "file is " + std::to_string(file_size) + " bytes, more than the limit of " +
                          std::to_string(max_bytes) + " bytes");
  if (head_size < kLegacyHeaderBytes)
    return fail(name, "file is " + std::to_string(file_size) +
                          " bytes, too short for a llama2.c checkpoint header (28 bytes)");
  Header h;
  Config& c = h.config;
  h.legacy = uint32_t(read_i32(head)) != kVersion1Magic;
  const uint8_t* fields = head;
  h.bytes = kLegacyHeaderBytes;
  if (!h.legacy) {
    if (head_size < kVersion1HeaderBytes)
      return fail(name, "file is too short for a version-1 header (256 bytes)");
    const int32_t version = read_i32(head + 4);
    if (version != 1)
      return fail(name, "export version " + std::to_string(version) +
                            " is not supported; export with llama2.c's version 1 (float32)");
    h.bytes = kVersion1HeaderBytes;
    fields = head + 8;
    c.shared_classifier = head[8 + 7 * 4] != 0;
  }
  c.dim = read_i32(fields);
  c.hidden_dim = read_i32(fields + 4);
  c.n_layers = read_i32(fields + 8);
  c.n_heads = read_i32(fields + 12);
  c.n_kv_heads = read_i32(fields + 16);
  c.vocab_size = read_i32(fields + 20);
  c.seq_len = read_i32(fields + 24);
  if (h.legacy) {
    // llama2.c's convention: a negative vocab_size means a separate classifier follows.
    c.shared_classifier = c.vocab_size > 0;
    if (c.vocab_size < 0 && c.vocab_size != INT32_MIN) c.vocab_size = -c.vocab_size;
  }
  Status valid = validate_config(c);
  if (!valid.ok())
    return fail(name, "invalid header: " + valid.error() + "; is this a llama2.c checkpoint?");
  const uint64_t expected = h.bytes + payload_floats(c, h.legacy) * sizeof(float);
  if (expected != file_size)
    return fail(name, "header implies " + std::to_string(expected) + " bytes but the file has " +
                          std::to_string(file_size) +
                          (file_size < expected ? " (truncated?)" : " (trailing data?)"));
  // The length bounds the weights, not the run: seq_len costs no bytes in a version-1 file.
  if (run_state_bytes(c) > max_run_bytes) {
    const auto [need, limit] = need_and_limit(run_state_bytes(c), max_run_bytes);
    return fail(name, "running this model needs " + need + " for its KV cache (" +
                          std::to_string(c.n_layers) + " layers × seq_len " +
                          std::to_string(c.seq_len) + " × kv_dim " + std::to_string(c.kv_dim()) +
                          " × 2), more than the limit of " + limit +
                          "; use a model with a shorter context (or raise --max-memory)");
  }
  return h;
}

// A NaN or an infinity in the weights makes every logit NaN: refuse it, naming the tensor.
Status check_finite(const Weights& w, const std::string& name) {
  const Config& c = w.config;
  const size_t dim = c.dim, hidden = c.hidden_dim, kv = c.kv_dim();
  std::vector<std::pair<std::string, std::pair<const float*, size_t>>> tensors = {
      {"token_embedding", {w.token_embedding, size_t(c.vocab_size) * dim}},
      {"rms_final", {w.rms_final, dim}},
      {"classifier", {w.classifier, size_t(c.vocab_size) * dim}}};
  for (size_t l = 0; l < w.layers.size(); ++l) {
    const Weights::Layer& L = w.layers[l];
    const std::string at = "layer " + std::to_string(l) + " ";
    for (auto [field, pointer, count] : {std::tuple{"rms_attention", L.rms_attention, dim},
                                         {"wq", L.wq, dim * dim},
                                         {"wk", L.wk, kv * dim},
                                         {"wv", L.wv, kv * dim},
                                         {"wo", L.wo, dim * dim},
                                         {"rms_ffn", L.rms_ffn, dim},
                                         {"w1", L.w1, hidden * dim},
                                         {"w2", L.w2, dim * hidden},
                                         {"w3", L.w3, hidden * dim}})
      tensors.push_back({at + field, {pointer, count}});
  }
  for (const auto& [tensor, span] : tensors)
    for (size_t i = 0; i < span.second; ++i)
      if (!std::isfinite(span.first[i]))
        return fail(name, "weight " + std::to_string(i) + " of " + tensor + " is " +
                              (std::isnan(span.first[i]) ? "NaN" : "infinite") +
                              "; the file is corrupt or was exported from a diverged training run");
  return ok_status();
}

// Weights over bytes that hold a whole file whose header was checked; `owner` keeps them. The
// weights start 28 or 256 bytes in, so they are float-aligned wherever the bytes are.
Result<std::shared_ptr<const Weights>> weights_over(const Header& h, const uint8_t* bytes,
                                                    uint64_t file_size,
                                                    std::shared_ptr<const void> owner,
                                                    const std::string& name) {
  auto weights = std::make_shared<Weights>();
  weights->config = h.config;
  weights->owner = std::move(owner);
  weights->data = reinterpret_cast<const float*>(bytes + h.bytes);
  weights->floats = (file_size - h.bytes) / sizeof(float);
  assign_pointers(*weights, h.legacy);
  Status finite = check_finite(*weights, name);
  RETURN_IF_ERROR(finite);
  return std::shared_ptr<const Weights>(std::move(weights));
}

}  // namespace

ModelBytes place_model_bytes(size_t size, const uint8_t* head, size_t head_size) {
  const bool version1 = head_size >= 4 && uint32_t(read_i32(head)) == kVersion1Magic;
  const size_t header = version1 ? kVersion1HeaderBytes : kLegacyHeaderBytes;
  ModelBytes b;
  b.storage.resize(size + kCacheLineBytes);
  b.offset = bytes_to_cache_line(reinterpret_cast<uintptr_t>(b.storage.data()) + header);
  b.size = size;
  return b;
}

Result<std::shared_ptr<const Weights>> parse_checkpoint(ModelBytes bytes, const std::string& name,
                                                        uint64_t max_bytes,
                                                        uint64_t max_run_bytes) {
  auto header = parse_header(bytes.data(), bytes.size, bytes.size, name, max_bytes, max_run_bytes);
  RETURN_IF_ERROR(header);
  auto kept = std::make_shared<ModelBytes>(std::move(bytes));
  return weights_over(header.value(), kept->data(), kept->size, kept, name);
}

Result<std::shared_ptr<const Weights>> parse_checkpoint(std::vector<uint8_t> bytes,
                                                        const std::string& name, uint64_t max_bytes,
                                                        uint64_t max_run_bytes) {
  const size_t size = bytes.size();
  return parse_checkpoint(ModelBytes{std::move(bytes), 0, size}, name, max_bytes, max_run_bytes);
}

Result<std::shared_ptr<const Weights>> parse_checkpoint(const uint8_t* bytes, size_t size,
                                                        const std::string& name, uint64_t max_bytes,
                                                        uint64_t max_run_bytes) {
  auto header = parse_header(bytes, size, size, name, max_bytes, max_run_bytes);
  RETURN_IF_ERROR(header);
  ModelBytes placed = place_model_bytes(size, bytes, size);
  std::memcpy(placed.data(), bytes, size);
  return parse_checkpoint(std::move(placed), name, max_bytes, max_run_bytes);
}

Result<std::shared_ptr<const Weights>> load_checkpoint(const std::string& path, uint64_t max_bytes,
                                                       uint64_t max_run_bytes) {
  auto file_size = regular_file_size(path, "a model file");
  RETURN_IF_ERROR(file_size);
  const uint64_t size = file_size.value();
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(path, "cannot open the model file; check the path");
  uint8_t head[kVersion1HeaderBytes] = {};
  const size_t head_size = size_t(std::min<uint64_t>(size, sizeof head));
  in.read(reinterpret_cast<char*>(head), std::streamsize(head_size));
  // Header and length are checked before anything is allocated.
  auto header = parse_header(head, head_size, size, path, max_bytes, max_run_bytes);
  RETURN_IF_ERROR(header);
#ifdef __EMSCRIPTEN__
  // Read once, straight into place: the weights start on a cache line.
  ModelBytes placed = place_model_bytes(size_t(size), head, head_size);
  in.seekg(0);
  in.read(reinterpret_cast<char*>(placed.data()), std::streamsize(size));
  if (uint64_t(in.gcount()) != size) return fail(path, "the file changed or could not be read");
  return parse_checkpoint(std::move(placed), path, max_bytes, max_run_bytes);
#else
  // Mapped read-only, as llama2.c's run.c does: the weights are the file's pages, not a copy.
  // (Read into place with the weights on a cache line instead, native decode measured no faster,
  // and on this machine's noisy host 5-10 % slower in generation: tested side by side.)
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

std::vector<uint8_t> serialize_legacy_checkpoint(const Config& c,
                                                 const std::vector<float>& payload) {
  const int32_t header[7] = {c.dim,        c.hidden_dim,
                             c.n_layers,   c.n_heads,
                             c.n_kv_heads, c.shared_classifier ? c.vocab_size : -c.vocab_size,
                             c.seq_len};
  const size_t rope_floats = size_t(c.seq_len) * c.head_size();
  const size_t classifier_floats = c.shared_classifier ? 0 : size_t(c.vocab_size) * c.dim;
  const size_t before_rope = payload.size() - classifier_floats;
  std::vector<uint8_t> out(sizeof header + (payload.size() + rope_floats) * sizeof(float), 0);
  uint8_t* p = out.data();
  std::memcpy(p, header, sizeof header);
  p += sizeof header;
  std::memcpy(p, payload.data(), before_rope * sizeof(float));
  p += (before_rope + rope_floats) * sizeof(float);
  std::memcpy(p, payload.data() + before_rope, classifier_floats * sizeof(float));
  return out;
}

}  // namespace circulant
