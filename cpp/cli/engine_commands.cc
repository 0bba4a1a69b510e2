// Subcommands over the dense model alone: generate, logits, info, bench, convert.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "eval/throughput.h"
#include "model/generate.h"
#include "model/gguf_model.h"
#include "util/files.h"

namespace circulant {

// Real templates are a few KB (Qwen2.5's 2.5 KB); anything larger is not one.
constexpr uint64_t kMaxChatTemplateBytes = uint64_t(1) << 20;

Status run_generate(const Args& args) {
  auto loaded = load_model_and_tokenizer(args);
  RETURN_IF_ERROR(loaded);
  auto steps = args.whole("steps");
  auto temperature = args.number("temperature");
  auto top_p = args.number("top-p");
  auto penalty = args.number("repeat-penalty");
  auto seed = args.whole("seed");
  for (const std::string* e :
       {&steps.error(), &temperature.error(), &top_p.error(), &penalty.error(), &seed.error()})
    if (!e->empty()) return Error{*e};
  SamplerSettings settings;
  settings.temperature = float(temperature.value());
  settings.top_p = float(top_p.value());
  settings.repeat_penalty = float(penalty.value());
  settings.seed = uint64_t(seed.value());
  const Transformer model(loaded->weights);
  // --speed: tokens/s of the generated tokens as llama2.c's run.c reports it (the clock starts at
  // the first one), on stderr, so the two can be compared on the same text.
  std::vector<std::chrono::steady_clock::time_point> printed;
  auto prompt_tokens =
      encode_prompt(loaded->tokenizer, model.config(), loaded->prompt_text(args.text("prompt")),
                    loaded->parse_specials());
  RETURN_IF_ERROR(prompt_tokens);
  auto generation =
      generate_from(model, loaded->tokenizer, std::move(prompt_tokens.value()), int(steps.value()),
                    settings, [&printed](const std::string& piece) {
                      print_text(piece);
                      printed.push_back(std::chrono::steady_clock::now());
                      return flush_output();  // nowhere to write: stop
                    });
  RETURN_IF_ERROR(generation);
  print("\n");
  const size_t prompt = size_t(generation->prompt_tokens) - 1,
               made = printed.size() - std::min(printed.size(), prompt);
  if (args.has("speed") && made >= 2) {
    const double seconds = std::chrono::duration<double>(printed.back() - printed[prompt]).count();
    std::fprintf(stderr, "achieved tok/s: %f (%zu generated tokens)\n", double(made - 1) / seconds,
                 made);
  }
  return ok_status();
}

Status run_logits(const Args& args) {
  auto loaded = load_model_and_tokenizer(args);
  RETURN_IF_ERROR(loaded);
  const Transformer model(loaded->weights);
  auto tokens = encode_prompt(loaded->tokenizer, model.config(),
                              loaded->prompt_text(args.text("prompt")), loaded->parse_specials());
  RETURN_IF_ERROR(tokens);
  RunState state(model.config());
  const float* logits = forward(model, state, tokens->data(), int(tokens->size()));
  nlohmann::ordered_json logits_json = nlohmann::ordered_json::array();
  for (int i = 0; i < model.config().vocab_size; ++i)
    logits_json.push_back(std::isfinite(logits[i]) ? nlohmann::ordered_json(nine_digits(logits[i]))
                                                   : nlohmann::ordered_json(nullptr));
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  out["tokens"] = tokens.value();
  out["last_logits"] = std::move(logits_json);
  print_text(out.dump() + "\n");
  return ok_status();
}

Status run_info(const Args& args) {
  auto weights = load_model_flag(args);
  RETURN_IF_ERROR(weights);
  const Config& c = weights.value()->config;
  const ParameterCounts p = count_parameters(c);
  const int64_t total = p.embedding + p.classifier + p.final_norm + c.n_layers * p.per_layer();
  print("model            %s\n", args.text("model").c_str());
  print("stored as        %s\n", weights.value()->stored_as);
  print("dim              %d\nhidden_dim       %d\nn_layers         %d\n", c.dim, c.hidden_dim,
        c.n_layers);
  print("n_heads          %d\nn_kv_heads       %d\nhead_size        %d\n", c.n_heads, c.n_kv_heads,
        c.head_size());
  print("vocab_size       %d\nseq_len          %d\nclassifier       %s\n", c.vocab_size, c.seq_len,
        c.shared_classifier ? "shared with the embedding" : "separate");
  print("parameters       %lld total\n", (long long)total);
  print("  embedding      %lld\n", (long long)p.embedding);
  if (!c.shared_classifier) print("  classifier     %lld\n", (long long)p.classifier);
  print("  per layer      %lld (attention %lld, mlp %lld, norms %lld)\n", (long long)p.per_layer(),
        (long long)p.attention, (long long)p.mlp, (long long)p.norms);
  print("  mlp, all layers %lld (%.1f %% of the total)\n", (long long)(p.mlp * c.n_layers),
        100.0 * p.mlp * c.n_layers / total);
  return ok_status();
}

Status run_bench(const Args& args) {
  auto weights = load_model_flag(args);
  RETURN_IF_ERROR(weights);
  if (args.has("tokenizer")) {  // not needed for timing, but a wrong one should still be reported
    auto tokenizer = Tokenizer::load(args.file("tokenizer"), weights.value()->config.vocab_size);
    RETURN_IF_ERROR(tokenizer);
  }
  auto runs = args.whole("runs");
  RETURN_IF_ERROR(runs);
  const Transformer model(weights.value());
  ThroughputSettings settings;
  settings.runs = int(runs.value());
  settings.bound = true;
  // Eight times the largest caches we run on; the benchmark's one large allocation, checked here
  // because the WebAssembly build has no exceptions to report a failure.
  const size_t memory_bytes = size_t(256) << 20;
  const std::unique_ptr<float, decltype(&std::free)> memory(
      static_cast<float*>(std::aligned_alloc(64, memory_bytes)), &std::free);
  if (!memory)
    return Error{"not enough memory for the 256 MB read from memory; free some and retry"};
  std::fill(memory.get(), memory.get() + memory_bytes / sizeof(float), 1.0f);
  settings.memory_read = memory.get();
  settings.memory_read_floats = memory_bytes / sizeof(float);
  const Throughput t = measure_throughput({&model}, settings).front();
  print("prefill  %8.1f tokens/s  (%d-token prompt in one batch; MLP %.0f %% of the time)\n",
        t.prefill_tokens_per_second, t.prompt_tokens, 100 * t.prefill_mlp_share);
  print("decode   %8.1f tokens/s  (%d new tokens with the KV cache; MLP %.0f %% of the time)\n",
        t.decode_tokens_per_second, t.decode_tokens, 100 * t.decode_mlp_share);
  // Decode reads every weight once per token, and the KV cache: its speed is bounded by memory
  // bandwidth. Each run is paired with a streaming read of the same bytes right after it.
  const double weight_bytes = double(decode_weight_bytes(model));
  print(
      "reads    %8.1f MB a token (weights %.1f MB, KV cache %.1f MB on average), streamed at "
      "%.1f GB/s: %.2f of this machine's streaming read of the same bytes (%.1f GB/s; median of "
      "the runs' ratios)\n",
      t.decode_bytes_per_token / 1e6, weight_bytes / 1e6,
      (t.decode_bytes_per_token - weight_bytes) / 1e6,
      t.decode_bytes_per_token * t.decode_tokens_per_second / 1e9, t.bound_fraction,
      t.stream_bytes_per_second / 1e9);
  print(
      "memory   %8.0f MB read from memory, beyond the caches, at %.1f GB/s: decode streamed at "
      "%.2f of that\n",
      double(memory_bytes) / (1 << 20), t.memory_bytes_per_second / 1e9, t.memory_fraction);
  print("median of %d runs after a warm-up, one thread\n", settings.runs);
  return ok_status();
}

namespace {

// --chat-template FILE's Jinja source, or the model's own template (kept when a GGUF file is
// written again).
Result<std::string> chat_template_flag(const Args& args, const std::string& own) {
  if (!args.has("chat-template")) return own;
  const std::string path = args.text("chat-template");
  auto bytes = read_file_bytes(path, kMaxChatTemplateBytes, "a chat template");
  RETURN_IF_ERROR(bytes);
  std::string text(bytes->begin(), bytes->end());
  if (text.find_first_not_of(" \t\r\n") == std::string::npos)
    return Error{"--chat-template " + path + ": the file is empty; give a Jinja chat template"};
  if (text.find('\0') != std::string::npos)
    return Error{"--chat-template " + path + ": the file holds NUL bytes, so it is not a Jinja " +
                 "template; give the template's text"};
  return text;
}

}  // namespace

// The loaded model written again: llama2.c's version 1 (float32, which run.c reads), with
// --float16 our float16 checkpoint (the shipped models/default.bin is one: half the page's
// download), or, for an --out named *.gguf, GGUF version 3 with the tokenizer (--tokenizer's, or
// a GGUF model's own) and its matrices as --type. The file is replaced whole or not at all.
Status run_convert(const Args& args) {
  const std::string out = args.text("out"), suffix = ".gguf";
  const bool gguf = out.size() > suffix.size() &&
                    out.compare(out.size() - suffix.size(), suffix.size(), suffix) == 0;
  if (!gguf && args.has("type"))
    return Error{"--type sets a GGUF file's tensors, and --out " + out +
                 " does not end in .gguf: name it NAME.gguf or drop --type"};
  if (gguf && args.has("float16"))
    return Error{"--float16 writes our float16 checkpoint, and --out " + out +
                 " names a GGUF file: give --type f16 instead"};
  if (!gguf && args.has("tokenizer"))
    return Error{
        "--tokenizer: a llama2.c checkpoint holds no tokenizer; drop it, or name --out "
        "NAME.gguf to write a GGUF file with it"};
  if (!gguf && args.has("chat-template"))
    return Error{"--chat-template: a llama2.c checkpoint holds no chat template; name --out " +
                 std::string("NAME.gguf to write a GGUF file with it")};
  auto type = args.choice("type");
  RETURN_IF_ERROR(type);
  std::vector<uint8_t> bytes;
  std::string what;
  if (gguf) {
    auto loaded = load_model_and_tokenizer(args);
    RETURN_IF_ERROR(loaded);
    const GgufType t = type.value() == "q8_0"  ? GgufType::kQ8_0
                       : type.value() == "f16" ? GgufType::kF16
                                               : GgufType::kF32;
    const std::string model = args.file("model");
    auto chat_template = chat_template_flag(args, loaded->chat_template.source);
    RETURN_IF_ERROR(chat_template);
    auto written = serialize_gguf(*loaded->weights, &loaded->tokenizer, t,
                                  model.substr(model.find_last_of('/') + 1), chat_template.value());
    if (!written.ok()) return Error{model + ": " + written.error()};
    bytes = std::move(written->bytes);
    what = std::string("GGUF version 3, ") + gguf_type_name(uint32_t(t)) + " matrices";
    if (!written->f16_fallbacks.empty())
      what += " (" + std::to_string(written->f16_fallbacks.size()) + " in F16, their rows not " +
              "whole Q8_0 blocks of 32: " + written->f16_fallbacks.front() +
              (written->f16_fallbacks.size() > 1 ? ", …)" : ")");
  } else {
    auto weights = load_model_flag(args);
    RETURN_IF_ERROR(weights);
    auto written = serialize_checkpoint(*weights.value(), args.has("float16"));
    if (!written.ok()) return Error{args.text("model") + ": " + written.error()};
    bytes = std::move(written.value());
    what = args.has("float16") ? "float16 checkpoint" : "llama2.c version-1 checkpoint (float32)";
  }
  Status saved = write_file_atomically(out, bytes);
  RETURN_IF_ERROR(saved);
  print("%s: %s, %zu bytes\n", out.c_str(), what.c_str(), bytes.size());
  return ok_status();
}

}  // namespace circulant
