// Fixtures shared by the C++ tests: paths, random models, temporary files.
#pragma once

#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "model/checkpoint.h"
#include "student/plan.h"

namespace circulant::testing {

inline std::string source_path(const std::string& relative) {
  return std::string(CIRCULANT_SOURCE_DIR) + "/" + relative;
}

// ../shared beside the checkout: the peer model that none of us wrote.
inline std::string peer_path(const std::string& file) {
  return std::string(CIRCULANT_SOURCE_DIR) + "/../shared/peer-models/" + file;
}

inline bool file_exists(const std::string& path) { return std::ifstream(path).good(); }

// ctest runs each test in its own process, two at a time: a path shared between processes let one
// test rewrite a model another was reading (a CI failure). The process id keeps them apart, and the
// files go at exit, since one of them is 270 MB.
inline std::string temp_path(const std::string& name) {
  struct RemovedAtExit {
    std::vector<std::string> paths;
    ~RemovedAtExit() {
      for (const std::string& p : paths) std::remove(p.c_str());
    }
  };
  static RemovedAtExit files;
  const std::string path =
      ::testing::TempDir() + "circulant_" + std::to_string(getpid()) + "_" + name;
  files.paths.push_back(path);
  return path;
}

inline void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// Standard-normal floats, reproducible from the seed.
inline std::vector<float> random_values(size_t count, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> values(count);
  for (float& v : values) v = normal(rng);
  return values;
}

// A plan that patches every MLP matrix of every layer.
inline StudentPlan every_layer_plan(int n_layers, int block, Projection projection) {
  StudentPlan p;
  p.layers = parse_layers("all", n_layers).value();
  p.matrices = parse_matrices("all").value();
  p.block = block;
  p.projection = projection;
  return p;
}

// Legacy-format bytes of a model with weights uniform in ±scale (norm gains near 1).
inline std::vector<uint8_t> random_checkpoint(const Config& c, uint32_t seed, float scale = 0.1f) {
  const ParameterCounts p = count_parameters(c);
  const size_t n = p.embedding + c.n_layers * p.per_layer() + c.dim + p.classifier;
  std::vector<float> payload(n);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-scale, scale);
  for (float& v : payload) v = 1.0f + u(rng);  // stays near 1 for the norm gains…
  // …and the matrices are re-drawn around 0 (every tensor except the norms is a matrix).
  auto redraw = [&](size_t from, size_t count) {
    for (size_t i = 0; i < count; ++i) payload[from + i] = u(rng);
  };
  const size_t dim = c.dim, L = c.n_layers;
  size_t at = 0;
  redraw(at, p.embedding), at += p.embedding;
  at += L * dim;  // rms_attention
  const size_t attention = L * size_t(p.attention);
  redraw(at, attention), at += attention;
  at += L * dim;  // rms_ffn
  const size_t mlp = L * size_t(p.mlp);
  redraw(at, mlp), at += mlp;
  at += dim;  // rms_final
  redraw(at, p.classifier);
  return serialize_legacy_checkpoint(c, payload);
}

inline std::shared_ptr<const Weights> random_weights(const Config& c, uint32_t seed,
                                                     float scale = 0.1f) {
  const auto bytes = random_checkpoint(c, seed, scale);
  auto w = parse_checkpoint(ModelBytes::copy_of(bytes.data(), bytes.size()), "random model");
  return w.ok() ? w.value() : nullptr;
}

// A random model with c's architecture settings, which llama2.c's header cannot hold (rope_theta,
// norm_epsilon, rope_style, qkv_bias): random_weights(c)'s tensors copied into a buffer the
// weights own, with q/k/v biases uniform in ±scale after them where c.qkv_bias (every tensor in
// `data`, as model/backward.h needs), as a GGUF file of the model would load.
inline std::shared_ptr<const Weights> random_weights_with_architecture(const Config& c,
                                                                       uint32_t seed,
                                                                       float scale = 0.1f) {
  Config shapes = c;  // what the header holds
  shapes.qkv_bias = false;
  const auto base = random_weights(shapes, seed, scale);
  if (!base) return nullptr;
  const size_t biases = c.qkv_bias ? size_t(c.n_layers) * (c.dim + 2 * c.kv_dim()) : 0;
  auto buffer = std::make_shared<std::vector<float>>(base->data, base->data + base->floats);
  const auto drawn = random_values(biases, seed + 1);
  for (float v : drawn) buffer->push_back(v * scale);
  auto w = std::make_shared<Weights>(*base);
  w->config = c;
  w->owner = buffer;
  w->data = buffer->data();
  w->floats = buffer->size();
  auto moved = [&](const float* p) { return p ? w->data + (p - base->data) : nullptr; };
  for (const TensorSpec* t : tensor::kAll) {
    if (t->pointer.model) w.get()->*(t->pointer.model) = moved(base.get()->*(t->pointer.model));
    for (Weights::Layer& layer : w->layers)
      if (t->pointer.layer) layer.*(t->pointer.layer) = moved(layer.*(t->pointer.layer));
  }
  const float* bias = w->data + base->floats;
  for (Weights::Layer& layer : w->layers) {
    if (!c.qkv_bias) break;
    layer.bq = bias, layer.bk = bias + c.dim, layer.bv = bias + c.dim + c.kv_dim();
    bias += c.dim + 2 * c.kv_dim();
  }
  return w;
}

inline std::vector<uint8_t> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Files in the folder of `path` whose names start with its name and ".tmp-" (left-over temporary
// files of a write).
inline int leftover_temporaries(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const std::string folder = path.substr(0, slash), prefix = path.substr(slash + 1) + ".tmp-";
  int found = 0;
  DIR* dir = opendir(folder.c_str());
  while (dirent* entry = dir ? readdir(dir) : nullptr)
    if (std::string(entry->d_name).rfind(prefix, 0) == 0) ++found;
  if (dir) closedir(dir);
  return found;
}

// A plan the test means to be valid, checked as every plan is where it enters; a plan that fails
// the check stops the run with the reason (a test of the check itself calls check_plan).
inline CheckedPlan checked(StudentPlan plan, int n_layers) {
  auto result = check_plan(std::move(plan), n_layers);
  if (!result.ok()) {
    std::fprintf(stderr, "test plan refused: %s\n", result.error().c_str());
    std::abort();
  }
  return result.value();
}

}  // namespace circulant::testing
