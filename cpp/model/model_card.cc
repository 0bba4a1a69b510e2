// The card from a head: GGUF's metadata and directory, or a llama2.c header.
#include "model/model_card.h"

#include <algorithm>
#include <map>

#include "model/checkpoint.h"
#include "model/gguf_file.h"
#include "model/gguf_model.h"
#include "model/gguf_tensor_types.h"

namespace circulant {
namespace {

int64_t total(const ParameterCounts& p, const Config& c) {
  return p.embedding + p.per_layer() * c.n_layers + p.final_norm + p.classifier;
}

std::string tokenizer_of(const GgufFile& f) {
  const GgufValue* model = f.find("tokenizer.ggml.model");
  if (!model || model->type != GgufValueType::kString) return "none in the file";
  if (model->text == "llama") return "llama (SentencePiece)";
  if (model->text != "gpt2") return model->text;
  const GgufValue* pre = f.find("tokenizer.ggml.pre");
  const std::string scheme =
      pre && pre->type == GgufValueType::kString ? pre->text : std::string("gpt-2");
  return "gpt2 (byte-level BPE, " + scheme + ")";
}

Result<ModelCard> gguf_card(const uint8_t* head, size_t head_size, uint64_t file_size,
                            const std::string& name) {
  auto file = GgufFile::parse_head(head, head_size, file_size, name);
  RETURN_IF_ERROR(file);
  const GgufFile& f = file.value();
  auto layout = read_gguf_layout(f);
  RETURN_IF_ERROR(layout);
  ModelCard card;
  const GgufValue* general = f.find("general.name");
  card.name = general && general->type == GgufValueType::kString && !general->text.empty()
                  ? general->text
                  : name;
  card.format = "GGUF v" + std::to_string(f.version());
  card.architecture = layout->architecture;
  card.tokenizer = tokenizer_of(f);
  card.chat_template = f.find("tokenizer.chat_template") != nullptr;
  card.config = layout->config;
  card.weight_bytes = layout->floats * sizeof(float);
  std::map<std::string, TensorTypeCount> types;
  for (const GgufTensorInfo& t : f.tensors()) {
    TensorTypeCount& c = types[gguf_type_name(t.type)];
    c.type = gguf_type_name(t.type);
    c.tensors += 1;
    c.bytes += t.bytes;
  }
  for (auto& [type, count] : types) card.tensor_types.push_back(count);
  std::stable_sort(card.tensor_types.begin(), card.tensor_types.end(),
                   [](const auto& a, const auto& b) { return a.bytes > b.bytes; });
  return card;
}

Result<ModelCard> checkpoint_card(const uint8_t* head, size_t head_size, uint64_t file_size,
                                  const std::string& name) {
  auto header = read_checkpoint_header(head, head_size, file_size, name);
  RETURN_IF_ERROR(header);
  ModelCard card;
  card.name = name;
  card.format = header->format;
  card.architecture = "llama";
  card.tokenizer = "a separate tokenizer.bin";
  card.config = header->config;
  const int64_t parameters = total(count_parameters(card.config), card.config);
  // A float32 file's weights are its own bytes; a float16 file's are widened into a buffer.
  card.weight_bytes = header->float16 ? uint64_t(parameters) * sizeof(float) : 0;
  card.tensor_types.push_back({header->float16 ? "F16" : "F32", 0, file_size});
  return card;
}

}  // namespace

Result<ModelCard> inspect_model(const uint8_t* head, size_t head_size, uint64_t file_size,
                                const std::string& name) {
  auto card = is_gguf(head, head_size) ? gguf_card(head, head_size, file_size, name)
                                       : checkpoint_card(head, head_size, file_size, name);
  RETURN_IF_ERROR(card);
  card->file_bytes = file_size;
  card->parameters = total(count_parameters(card->config), card->config);
  card->run_bytes = run_state_bytes(card->config);
  return card;
}

}  // namespace circulant
