// Embind glue over cpp/session/playground.h. Results cross into JS as Embind value objects declared
// once below (the field names are the JS names of cpp/wasm/engine.d.ts, which tests/js checks
// against them); every fallible call returns outcome(): {value} or {error: message}, since the
// build has no exceptions. No logic here beyond converting types and calling the facade.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <type_traits>

#include "model/chat_template.h"
#include "session/playground.h"
#include "student/plan.h"
#include "wasm/card_binding.h"

namespace circulant {
namespace {

using emscripten::val;

template <class T>
val outcome(const Result<T>& result) {
  val out = val::object();
  if (result.ok())
    out.set("value", val(result.value()));
  else
    out.set("error", result.error());
  return out;
}

// JS arrays (not Embind vector handles) for the vector fields of the value objects.
template <class T>
val array_of(const std::vector<T>& items) {
  val out = val::array();
  for (size_t i = 0; i < items.size(); ++i) out.set(i, val(items[i]));
  return out;
}

// A fresh Float32Array (a copy, so it survives memory growth).
val float32_array(const std::vector<float>& values) {
  return val(emscripten::typed_memory_view(values.size(), values.data())).call<val>("slice");
}

// The page's plan (web/state.js planOf; cpp/wasm/engine.d.ts PlanSpec: the CLI's flag names,
// camel-cased) → a checked plan: parsed here, checked by check_plan as the CLI's and a student
// file's plans are. Its calibration field names a set the worker hands over apart.
Result<CheckedPlan> to_plan(const val& spec, int n_layers) {
  StudentPlan plan;
  plan.block = spec["block"].as<int>();
  auto layers = parse_layers(spec["layers"].as<std::string>(), n_layers);
  RETURN_IF_ERROR(layers);
  auto matrices = parse_matrices(spec["matrices"].as<std::string>());
  RETURN_IF_ERROR(matrices);
  auto structure = parse_structure(
      spec["structure"].isUndefined() ? "circulant" : spec["structure"].as<std::string>());
  RETURN_IF_ERROR(structure);
  Status method = parse_method(spec["projection"].as<std::string>(), plan);
  RETURN_IF_ERROR(method);
  plan.layers = layers.value();
  plan.matrices = matrices.value();
  plan.structure = structure.value();
  plan.lambda = spec["lambda"].as<double>();
  const val d = spec["distill"];
  if (!d.isUndefined()) {
    auto init = parse_projection(d["init"].as<std::string>());
    RETURN_IF_ERROR(init);
    plan.distill.steps = d["steps"].as<int>();
    plan.distill.learning_rate = d["learningRate"].as<double>();
    plan.distill.batch = d["batch"].as<int>();
    if (plan.method == Method::kDistill) plan.projection = init.value();
    plan.distill.seed = uint64_t(d["seed"].as<double>());
    plan.distill.train_norms = d["trainNorms"].as<bool>();
  }
  return check_plan(std::move(plan), n_layers);
}

// What setPlan answers: the plan in canonical spelling and the units of work left.
struct PlanReply {
  int block = 0;
  std::string layers, matrices, structure, projection;
  double lambda = 0;
  int pending = 0;
};

class Engine {
 public:
  // `progress`, when a function, is called (done, total) after each GGUF tensor is dequantized.
  // `max_context` (0: the model's own) bounds the positions a run holds (Playground::create).
  val load(const val& model, const std::string& model_name, const val& tokenizer,
           const std::string& tokenizer_name, double max_model_bytes, const val& progress,
           int max_context) {
    const uint64_t size = model["length"].as<double>();
    if (size > kLargestBlockBytes)  // checked before the copy, which is one block
      return outcome(Result<Config>(
          Error{model_name + ": the file is " + std::to_string(size >> 20) +
                " MB, and this engine's 32-bit WebAssembly memory allocates less than 2 GB in one "
                "block; use a smaller (or more quantized) file, or the native CLI"}));
    LoadProgress report;
    if (progress.typeOf().as<std::string>() == "function")
      report = [progress](int done, int total) { progress(done, total); };
    auto created =
        Playground::create(model_bytes(model), model_name, bytes(tokenizer), tokenizer_name,
                           uint64_t(max_model_bytes), report, max_context);
    if (!created.ok()) return outcome(Result<Config>(Error{created.error()}));
    playground_ = std::move(created.value());
    return outcome(Result<Config>(playground_->config()));
  }

  val setCalibration(const val& lines) {
    return outcome(playground_->set_calibration(emscripten::vecFromJSArray<std::string>(lines)));
  }

  double calibrationTokens() const { return double(playground_->calibration_tokens()); }

  val setPlan(const val& spec, bool allow_saved) {
    auto plan = to_plan(spec, playground_->config().n_layers);
    if (!plan.ok()) return outcome(Result<PlanReply>(Error{plan.error()}));
    auto pending = playground_->set_plan(plan.value(), allow_saved);
    if (!pending.ok()) return outcome(Result<PlanReply>(Error{pending.error()}));
    // The plan asked for, not playground_->plan(): that stays the previous student until the
    // pending units are done.
    const StudentPlan& p = *plan.value();
    const int n = playground_->config().n_layers;
    return outcome(Result<PlanReply>(
        PlanReply{p.block, layers_spec(p.layers, n), matrix_names(p.matrices),
                  structure_name(p.structure), method_name(p), p.lambda, pending.value()}));
  }

  val studentReady(const val& spec, bool allow_saved) const {
    auto plan = to_plan(spec, playground_->config().n_layers);
    if (!plan.ok()) return outcome(Result<bool>(Error{plan.error()}));
    return outcome(Result<bool>(playground_->student_ready(plan.value(), allow_saved)));
  }

  val advance(int max_units) { return outcome(playground_->advance(max_units)); }

  // → {blocks}: the block sizes of the students in the file.
  val loadStudents(const val& file, const std::string& name) {
    Status status = playground_->load_students(bytes(file), name);
    if (!status.ok()) return outcome(status);
    std::vector<int> blocks;
    for (const SavedStudent& s : playground_->saved_students()) blocks.push_back(s.plan->block);
    val out = val::object();
    out.set("blocks", array_of(blocks));
    return outcome(Result<val>(out));
  }

  ParameterSummary parameters() const { return playground_->parameters(); }
  val analyze(const std::string& prompt) const { return outcome(playground_->analyze(prompt)); }

  val evaluate(const val& prompts, const std::string& positions) const {
    return outcome(playground_->evaluate(emscripten::vecFromJSArray<std::string>(prompts),
                                         positions == "all" ? Positions::kAll : Positions::kLast));
  }

  val benchmark(const val& settings) {
    ThroughputSettings s;
    s.prompt_tokens = settings["promptTokens"].as<int>();
    s.decode_tokens = settings["decodeTokens"].as<int>();
    s.runs = settings["runs"].as<int>();
    const val warm_up = settings["warmUp"];
    s.warm_up = warm_up.isUndefined() || warm_up.as<bool>();
    const val uncached = settings["uncachedStudent"];
    auto measured = playground_->benchmark(s, !uncached.isUndefined() && uncached.as<bool>());
    if (!measured.ok()) return outcome(Result<val>(Error{measured.error()}));
    val out = val::object();
    out.set("teacher", measured->at(0));
    out.set("student", measured->at(1));
    if (measured->size() > 2) out.set("studentUncached", measured->at(2));
    return outcome(Result<val>(out));
  }

  val keepTimed(const val& spec, int prompt_tokens) {
    auto plan = to_plan(spec, playground_->config().n_layers);
    if (!plan.ok()) return outcome(Result<int>(Error{plan.error()}));
    return outcome(playground_->keep_timed(plan.value(), prompt_tokens));
  }

  val timeRun(int index, const val& settings) const {
    ThroughputSettings s;
    s.prompt_tokens = settings["promptTokens"].as<int>();
    s.decode_tokens = settings["decodeTokens"].as<int>();
    return outcome(playground_->time_run(index, s));
  }

  val precision(const val& prompts, const std::string& positions) {
    return outcome(playground_->precision(emscripten::vecFromJSArray<std::string>(prompts),
                                          positions == "all" ? Positions::kAll : Positions::kLast));
  }

  void warmUp(double milliseconds) const { playground_->warm_up(milliseconds); }
  Playground::DecodeBound decodeBound() const { return playground_->decode_bound(); }

  val nextLogits(const val& ids) const {
    auto logits = playground_->next_logits(emscripten::vecFromJSArray<int>(ids));
    if (!logits.ok()) return outcome(Result<val>(Error{logits.error()}));
    return outcome(Result<val>(float32_array(logits.value())));
  }

  val generate(const std::string& prompt, int steps, const val& sampler, bool use_student) const {
    SamplerSettings s;
    s.temperature = sampler["temperature"].as<float>();
    s.top_p = sampler["topP"].as<float>();
    s.repeat_penalty = sampler["repeatPenalty"].as<float>();
    s.seed = uint64_t(sampler["seed"].as<double>());
    return outcome(playground_->generate(prompt, steps, s, use_student));
  }

  // → ids of `text` without BOS, as llama.cpp's tokenize(text, add_special = false,
  // parse_special = specials) gives them (the browser suite compares the two).
  val tokenize(const std::string& text, bool specials) const {
    const Tokenizer& t = playground_->tokenizer();
    return array_of(specials ? t.encode_with_specials(text, false) : t.encode(text, false));
  }

  // → {source, bosText, eosText} of a GGUF model's chat template, or null without one.
  val chatTemplate() const {
    const ChatTemplateText& chat = playground_->chat_template();
    if (chat.source.empty()) return val::null();
    val out = val::object();
    out.set("source", chat.source);
    out.set("bosText", chat.bos_text);
    out.set("eosText", chat.eos_text);
    return out;
  }

  void setParseSpecials(bool on) { playground_->set_parse_specials(on); }

  val structure(int layer, const std::string& matrix, int block_row, int block_col) const {
    auto matrices = parse_matrices(matrix);
    if (!matrices.ok()) return outcome(Result<StructureView>(Error{matrices.error()}));
    if (matrices->size() != 1)
      return outcome(Result<StructureView>(Error{"structure: name one matrix (gate, up or down)"}));
    return outcome(playground_->structure(layer, matrices->front(), block_row, block_col));
  }

 private:
  // Copies a JS Uint8Array into the wasm heap in one typed-array set.
  static std::vector<uint8_t> bytes(const val& array) {
    return emscripten::convertJSArrayToNumberVector<uint8_t>(array);
  }
  // The model file, copied once, straight to where its weights start on a cache line.
  static ModelBytes model_bytes(const val& array) {
    const size_t size = array["length"].as<size_t>();
    uint8_t head[4] = {};
    for (size_t i = 0; i < std::min<size_t>(size, 4); ++i) head[i] = array[i].as<uint8_t>();
    ModelBytes placed = ModelBytes::room_for(size, head, std::min<size_t>(size, 4));
    val(emscripten::typed_memory_view(size, placed.data())).call<void>("set", array);
    return placed;
  }
  std::unique_ptr<Playground> playground_;
};

// One user message as the CLI's renderer writes it (model/chat_template.h), for the page's tests
// to hold against @huggingface/jinja.
val renderChat(const std::string& source, const std::string& bos_text, const std::string& eos_text,
               const std::string& message) {
  auto format = recognise_chat_template(source);
  if (!format.ok()) return outcome(Result<std::string>(Error{format.error()}));
  return outcome(Result<std::string>(render_chat(format.value(), bos_text, eos_text, message)));
}

// The block sizes the engine accepts, from the one rule (check_block_size): the page's slider
// offers exactly these (tests/js checks).
val blockSizes() {
  std::vector<int> sizes;
  for (int b = 1; b <= 4096; ++b)
    if (check_block_size(b).ok()) sizes.push_back(b);
  return array_of(sizes);
}

// 95 % interval of the mean over prompts (the page evaluates prompts one call at a time); with a
// metric's name, as Comparison has it (the fractions' bounds clipped to [0, 1]).
Interval meanInterval(const val& values) {
  return mean_interval(emscripten::vecFromJSArray<double>(values));
}
Interval metricInterval(const val& values, const std::string& metric) {
  return metric_interval(emscripten::vecFromJSArray<double>(values), metric);
}
double medianOf(const val& values) { return median(emscripten::vecFromJSArray<double>(values)); }

// A value object's field: its JS name (cpp/wasm/engine.d.ts) and how it is filled, either a member
// as it is (`member`) or one converted for JS (`converted`: a vector as a JS array, floats as a
// fresh Float32Array, an int64 count as a number, exact below 2^53). `object` declares a value
// object from its fields, listed once.
template <class T>
struct Field {
  std::function<void(emscripten::value_object<T>&)> add;
};

template <class T, class M>
Field<T> member(const char* name, M T::*m) {
  return {[=](emscripten::value_object<T>& o) { o.field(name, m); }};
}

template <class M>
struct MemberOf;
template <class C, class M>
struct MemberOf<M C::*> {
  using Class = C;
  using Type = M;
};

template <auto m>
val to_js(const typename MemberOf<decltype(m)>::Class& t) {
  using M = typename MemberOf<decltype(m)>::Type;
  if constexpr (std::is_same_v<M, std::vector<float>>)
    return float32_array(t.*m);
  else if constexpr (std::is_same_v<M, int64_t>)
    return val(double(t.*m));
  else
    return array_of(t.*m);
}
// The setter of a field JS only reads.
template <class T>
void ignore(T&, val) {}

template <auto m>
Field<typename MemberOf<decltype(m)>::Class> converted(const char* name) {
  return {
      [=](auto& o) { o.field(name, &to_js<m>, &ignore<typename MemberOf<decltype(m)>::Class>); }};
}

template <class T>
Field<T> computed(const char* name, val (*get)(const T&)) {
  return {[=](auto& o) { o.field(name, get, &ignore<T>); }};
}

// Each prompt's mean over its positions, in the order given.
val prompt_means(const Comparison& c) {
  val out = val::array();
  for (size_t i = 0; i < c.prompts.size(); ++i) out.set(i, c.prompts[i].mean);
  return out;
}

template <class T>
void object(const char* js_name, std::initializer_list<Field<T>> fields) {
  emscripten::value_object<T> o(js_name);
  for (const Field<T>& f : fields) f.add(o);
}

}  // namespace
}  // namespace circulant

EMSCRIPTEN_BINDINGS(circulant_engine) {
  using namespace circulant;
  using emscripten::val;
  using emscripten::value_object;
  object<Config>("ModelConfig",
                 {member("dim", &Config::dim), member("hiddenDim", &Config::hidden_dim),
                  member("nLayers", &Config::n_layers), member("nHeads", &Config::n_heads),
                  member("nKvHeads", &Config::n_kv_heads), member("vocabSize", &Config::vocab_size),
                  member("seqLen", &Config::seq_len)});
  object<PositionMetrics>(
      "PositionMetrics",
      {member("kl", &PositionMetrics::kl), member("cosine", &PositionMetrics::cosine),
       member("top1", &PositionMetrics::top1), member("top5", &PositionMetrics::top5)});
  object<Interval>("Interval",
                   {member("mean", &Interval::mean), member("low", &Interval::low),
                    member("high", &Interval::high), member("undefined", &Interval::undefined)});
  object<Candidate>("Candidate",
                    {member("token", &Candidate::token), member("text", &Candidate::text),
                     member("teacher", &Candidate::teacher_probability),
                     member("student", &Candidate::student_probability)});
  object<PromptAnalysis>(
      "PromptAnalysis",
      {converted<&PromptAnalysis::tokens>("tokens"), converted<&PromptAnalysis::pieces>("pieces"),
       member("bos", &PromptAnalysis::bos), converted<&PromptAnalysis::positions>("positions"),
       member("last", &PromptAnalysis::last), member("mean", &PromptAnalysis::mean),
       converted<&PromptAnalysis::teacher_top>("teacherTop"),
       converted<&PromptAnalysis::student_top>("studentTop")});
  object<Comparison>("Comparison",
                     {computed<Comparison>("prompts", &prompt_means), member("kl", &Comparison::kl),
                      member("cosine", &Comparison::cosine), member("top1", &Comparison::top1),
                      member("top5", &Comparison::top5)});
  object<ParameterSummary>("Parameters",
                           {converted<&ParameterSummary::teacher_mlp>("teacherMlp"),
                            converted<&ParameterSummary::teacher_total>("teacherTotal"),
                            converted<&ParameterSummary::student_mlp>("studentMlp"),
                            converted<&ParameterSummary::student_total>("studentTotal")});
  object<Throughput>("Throughput", {member("prefill", &Throughput::prefill_tokens_per_second),
                                    member("decode", &Throughput::decode_tokens_per_second),
                                    member("prefillMlpShare", &Throughput::prefill_mlp_share),
                                    member("decodeMlpShare", &Throughput::decode_mlp_share)});
  object<PrecisionReport::ProductError>(
      "ProductError", {member("float32", &PrecisionReport::ProductError::float32),
                       member("float16", &PrecisionReport::ProductError::float16)});
  object<PrecisionReport>(
      "PrecisionReport",
      {member("productError", &PrecisionReport::product_error),
       member("float32", &PrecisionReport::float32), member("float16", &PrecisionReport::float16),
       member("shift", &PrecisionReport::shift)});
  object<Generation>("Generation",
                     {converted<&Generation::tokens>("tokens"), member("text", &Generation::text),
                      converted<&Generation::pieces>("pieces"),
                      member("promptTokens", &Generation::prompt_tokens)});
  object<StructureView>("StructureView", {member("size", &StructureView::size),
                                          converted<&StructureView::dense>("dense"),
                                          converted<&StructureView::student>("student"),
                                          converted<&StructureView::difference>("difference"),
                                          member("relativeError", &StructureView::relative_error)});
  object<BuildProgress>(
      "BuildProgress",
      {member("done", &BuildProgress::done), member("total", &BuildProgress::total),
       member("unit", &BuildProgress::unit), member("batchKl", &BuildProgress::batch_kl)});
  object<Playground::DecodeBound>(
      "DecodeBound",
      {converted<&Playground::DecodeBound::weight_bytes>("weightBytes"),
       member("streamBytesPerSecond", &Playground::DecodeBound::stream_bytes_per_second)});
  object<PlanReply>(
      "PlanReply",
      {member("block", &PlanReply::block), member("layers", &PlanReply::layers),
       member("matrices", &PlanReply::matrices), member("structure", &PlanReply::structure),
       member("projection", &PlanReply::projection), member("lambda", &PlanReply::lambda),
       member("pending", &PlanReply::pending)});

  emscripten::function("meanInterval", &meanInterval);  // (values) and (values, metric)
  emscripten::function("meanInterval", &metricInterval);
  emscripten::function("median", &medianOf);
  emscripten::function("inspectModel", &inspectModel);
  emscripten::function("blockSizes", &blockSizes);
  emscripten::function("renderChat", &renderChat);
  emscripten::class_<Engine>("Engine")
      .constructor<>()
      .function("load", &Engine::load)
      .function("setCalibration", &Engine::setCalibration)
      .function("calibrationTokens", &Engine::calibrationTokens)
      .function("setPlan", &Engine::setPlan)
      .function("studentReady", &Engine::studentReady)
      .function("advance", &Engine::advance)
      .function("loadStudents", &Engine::loadStudents)
      .function("parameters", &Engine::parameters)
      .function("analyze", &Engine::analyze)
      .function("evaluate", &Engine::evaluate)
      .function("benchmark", &Engine::benchmark)
      .function("keepTimed", &Engine::keepTimed)
      .function("timeRun", &Engine::timeRun)
      .function("precision", &Engine::precision)
      .function("warmUp", &Engine::warmUp)
      .function("decodeBound", &Engine::decodeBound)
      .function("nextLogits", &Engine::nextLogits)
      .function("generate", &Engine::generate)
      .function("structure", &Engine::structure)
      .function("tokenize", &Engine::tokenize)
      .function("chatTemplate", &Engine::chatTemplate)
      .function("setParseSpecials", &Engine::setParseSpecials);
}
