// The model card's binding (model/model_card.h) for the page's worker, apart from bindings.cc.
#pragma once

#include <emscripten/val.h>

#include <string>

namespace circulant {

// → {value: ModelCard} or {error}: what a model file is, from its first bytes (`head`, a
// Uint8Array) and its length, before the page reads the rest (cpp/wasm/engine.d.ts ModelCard).
emscripten::val inspectModel(const emscripten::val& head, double file_size,
                             const std::string& name);

}  // namespace circulant
