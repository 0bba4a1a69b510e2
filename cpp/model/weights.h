// The dense model's weights and the one table of its tensors (name, shape, where each points),
// which loading, validation and the parameter counts walk; a file format adds only where each
// tensor lies (llama2.c's: an order, in model/checkpoint.cc).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "model/config.h"
#include "util/result.h"

namespace circulant {

// Pointers into the file's bytes, laid out as llama2.c's formats store them (shapes are (rows,
// cols) row-major). A float32 file is loaded without copies: natively the file is mapped
// read-only; in WebAssembly and the page it is written into the engine's memory once, into place
// (ModelBytes); bytes handed over as a vector are kept as they are. A float16 file's values are
// widened once into a float32 buffer the weights own.
struct Weights {
  Config config;
  std::shared_ptr<const void> owner;  // keeps the bytes alive
  const float* data = nullptr;        // (floats) every weight of the file, in its order
  size_t floats = 0;
  // In the file: "float32", "float16" (widened at load) or "GGUF Q4_K" and the like (GGUF's type
  // of most weights, dequantized at load).
  const char* stored_as = "float32";
  const float* token_embedding = nullptr;  // (vocab_size, dim)
  const float* rms_final = nullptr;        // (dim)
  const float* classifier = nullptr;       // (vocab_size, dim); == token_embedding when shared
  struct Layer {
    const float* rms_attention;  // (dim)
    const float* wq;             // (dim, dim)
    const float* wk;             // (kv_dim, dim)
    const float* wv;             // (kv_dim, dim)
    const float* wo;             // (dim, dim)
    const float* rms_ffn;        // (dim)
    const float* w1;             // (hidden_dim, dim)  gate
    const float* w2;             // (dim, hidden_dim)  down
    const float* w3;             // (hidden_dim, dim)  up
    const float* bq = nullptr;   // (dim) q's bias, where config.qkv_bias
    const float* bk = nullptr;   // (kv_dim)
    const float* bv = nullptr;   // (kv_dim)
  };
  std::vector<Layer> layers;  // (n_layers)
};

// One axis of a tensor, as the header sizes it.
enum class Extent { kOne, kDim, kKvDim, kHidden, kVocab, kSeqLen, kHalfHead };
uint64_t extent(const Config& config, Extent e);  // its length

// Where a tensor's pointer lives: a member of Weights, or of each Weights::Layer (then the file
// holds one per layer); neither for a tensor a format stores but the model never reads.
struct TensorPointer {
  const float* Weights::*model = nullptr;
  const float* Weights::Layer::*layer = nullptr;
  constexpr TensorPointer() = default;
  constexpr TensorPointer(const float* Weights::*m) : model(m) {}         // NOLINT: implicit
  constexpr TensorPointer(const float* Weights::Layer::*l) : layer(l) {}  // NOLINT: implicit
};

// One tensor: its name in messages, its shape (rows, cols) row-major, its pointer, and the
// ParameterCounts entry it adds to (per layer for the per-layer entries).
struct TensorSpec {
  const char* name;
  Extent rows, cols;
  TensorPointer pointer;
  int64_t ParameterCounts::*counted;

  bool per_layer() const { return pointer.layer != nullptr; }
  bool read_by_model() const { return pointer.model || pointer.layer; }
  uint64_t floats(const Config& c) const;  // of one copy (one layer's)
  // A classifier shared with the embedding is no tensor of its own (tie_shared_classifier); the
  // attention biases are tensors only where config.qkv_bias (llama2.c's formats never hold them).
  bool stored(const Config& c) const {
    if (pointer.model == &Weights::classifier) return !c.shared_classifier;
    if (is_attention_bias()) return c.qkv_bias;
    return true;
  }
  bool is_attention_bias() const {
    return pointer.layer == &Weights::Layer::bq || pointer.layer == &Weights::Layer::bk ||
           pointer.layer == &Weights::Layer::bv;
  }
};

// The model's tensors, each described once.
namespace tensor {
using E = Extent;
using W = Weights;
using L = Weights::Layer;
using P = ParameterCounts;
// clang-format off
inline constexpr TensorSpec
    kTokenEmbedding{"token_embedding", E::kVocab,  E::kDim,    &W::token_embedding, &P::embedding},
    kRmsFinal      {"rms_final",       E::kOne,    E::kDim,    &W::rms_final,       &P::final_norm},
    kClassifier    {"classifier",      E::kVocab,  E::kDim,    &W::classifier,      &P::classifier},
    kRmsAttention  {"rms_attention",   E::kOne,    E::kDim,    &L::rms_attention,   &P::norms},
    kWq            {"wq",              E::kDim,    E::kDim,    &L::wq,              &P::attention},
    kWk            {"wk",              E::kKvDim,  E::kDim,    &L::wk,              &P::attention},
    kWv            {"wv",              E::kKvDim,  E::kDim,    &L::wv,              &P::attention},
    kWo            {"wo",              E::kDim,    E::kDim,    &L::wo,              &P::attention},
    kBq            {"bq",              E::kOne,    E::kDim,    &L::bq,              &P::attention},
    kBk            {"bk",              E::kOne,    E::kKvDim,  &L::bk,              &P::attention},
    kBv            {"bv",              E::kOne,    E::kKvDim,  &L::bv,              &P::attention},
    kRmsFfn        {"rms_ffn",         E::kOne,    E::kDim,    &L::rms_ffn,         &P::norms},
    kW1            {"w1",              E::kHidden, E::kDim,    &L::w1,              &P::mlp},
    kW2            {"w2",              E::kDim,    E::kHidden, &L::w2,              &P::mlp},
    kW3            {"w3",              E::kHidden, E::kDim,    &L::w3,              &P::mlp};

// Every tensor of the model: checks visit the whole-model ones, then each layer's, in this order
// (the stored ones: the biases only where config.qkv_bias).
inline constexpr const TensorSpec* kAll[] = {
    &kTokenEmbedding, &kRmsFinal, &kClassifier,
    &kRmsAttention, &kWq, &kWk, &kWv, &kWo, &kBq, &kBk, &kBv, &kRmsFfn, &kW1, &kW2, &kW3};
// clang-format on
}  // namespace tensor

// Points tensor `t` (of layer `layer` when it is per layer) at `data`; a tensor the model never
// reads is skipped. `w.layers` must already hold n_layers entries.
void point_tensor(Weights& w, const TensorSpec& t, int layer, const float* data);
// After pointing every stored tensor: a shared classifier is the embedding.
void tie_shared_classifier(Weights& w);

// A NaN or an infinity in the weights makes every logit NaN: refused, naming the tensor and file.
Status check_finite(const Weights& w, const std::string& name);

// Parameter counts of the dense model, summed over the table.
ParameterCounts count_parameters(const Config& config);

}  // namespace circulant
