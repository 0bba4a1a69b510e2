// The model card as a plain JS object for the worker (model/model_card.h).
#include "wasm/card_binding.h"

#include <emscripten/bind.h>

#include <vector>

#include "model/model_card.h"
#include "model/weights.h"

namespace circulant {

using emscripten::val;

emscripten::val inspectModel(const emscripten::val& head, double file_size,
                             const std::string& name) {
  const std::vector<uint8_t> bytes = emscripten::convertJSArrayToNumberVector<uint8_t>(head);
  auto card = inspect_model(bytes.data(), bytes.size(), uint64_t(file_size), name);
  if (!card.ok()) {
    val failed = val::object();
    failed.set("error", card.error());
    return failed;
  }
  val types = val::array();
  for (size_t i = 0; i < card->tensor_types.size(); ++i) {
    const TensorTypeCount& t = card->tensor_types[i];
    val type = val::object();
    type.set("type", t.type);
    type.set("tensors", t.tensors);
    type.set("bytes", double(t.bytes));
    types.set(i, type);
  }
  val out = val::object();
  out.set("name", card->name);
  out.set("format", card->format);
  out.set("architecture", card->architecture);
  out.set("tokenizer", card->tokenizer);
  out.set("chatTemplate", card->chat_template);
  out.set("config", card->config);
  out.set("parameters", double(card->parameters));
  out.set("mlpParameters", double(count_parameters(card->config).mlp) * card->config.n_layers);
  out.set("tensorTypes", types);
  out.set("fileBytes", double(card->file_bytes));
  out.set("weightBytes", double(card->weight_bytes));
  out.set("runBytes", double(card->run_bytes));
  val done = val::object();
  done.set("value", out);
  return done;
}

}  // namespace circulant
