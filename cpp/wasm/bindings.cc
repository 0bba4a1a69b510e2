// Embind glue over cpp/session/playground.h. Results cross into JS as Embind value objects declared
// once below (the field names are the JS names of cpp/wasm/engine.d.ts, which tests/js checks
// against them); every fallible call returns outcome(): {value} or {error: message}, since the
// build has no exceptions. No logic here beyond converting types and calling the facade.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>

#include "session/playground.h"
#include "student/plan.h"

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
  val load(const val& model, const std::string& model_name, const val& tokenizer,
           const std::string& tokenizer_name, double max_model_bytes) {
    auto created = Playground::create(model_bytes(model), model_name, bytes(tokenizer),
                                      tokenizer_name, uint64_t(max_model_bytes));
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
    const StudentPlan& p = playground_->plan();
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

  val precision(const val& prompts, const std::string& positions) {
    return outcome(playground_->precision(emscripten::vecFromJSArray<std::string>(prompts),
                                          positions == "all" ? Positions::kAll : Positions::kLast));
  }

  void warmUp(double milliseconds) const { playground_->warm_up(milliseconds); }
  Playground::DecodeBound decodeBound() const { return playground_->decode_bound(); }

  val generate(const std::string& prompt, int steps, const val& sampler, bool use_student) const {
    SamplerSettings s;
    s.temperature = sampler["temperature"].as<float>();
    s.top_p = sampler["topP"].as<float>();
    s.repeat_penalty = sampler["repeatPenalty"].as<float>();
    s.seed = uint64_t(sampler["seed"].as<double>());
    return outcome(playground_->generate(prompt, steps, s, use_student));
  }

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

// int64 counts as JS numbers (exact below 2^53).
template <class T, int64_t T::*field>
double as_number(const T& t) {
  return double(t.*field);
}
template <class T>
void ignore(T&, double) {}

}  // namespace
}  // namespace circulant

EMSCRIPTEN_BINDINGS(circulant_engine) {
  using namespace circulant;
  using emscripten::val;
  using emscripten::value_object;
  value_object<Config>("ModelConfig")
      .field("dim", &Config::dim)
      .field("hiddenDim", &Config::hidden_dim)
      .field("nLayers", &Config::n_layers)
      .field("nHeads", &Config::n_heads)
      .field("nKvHeads", &Config::n_kv_heads)
      .field("vocabSize", &Config::vocab_size)
      .field("seqLen", &Config::seq_len);
  value_object<PositionMetrics>("PositionMetrics")
      .field("kl", &PositionMetrics::kl)
      .field("cosine", &PositionMetrics::cosine)
      .field("top1", &PositionMetrics::top1)
      .field("top5", &PositionMetrics::top5);
  value_object<Interval>("Interval")
      .field("mean", &Interval::mean)
      .field("low", &Interval::low)
      .field("high", &Interval::high)
      .field("undefined", &Interval::undefined);
  value_object<Candidate>("Candidate")
      .field("token", &Candidate::token)
      .field("text", &Candidate::text)
      .field("teacher", &Candidate::teacher_probability)
      .field("student", &Candidate::student_probability);
  value_object<PromptAnalysis>("PromptAnalysis")
      .field(
          "tokens", +[](const PromptAnalysis& a) { return array_of(a.tokens); },
          +[](PromptAnalysis&, val) {})
      .field(
          "pieces", +[](const PromptAnalysis& a) { return array_of(a.pieces); },
          +[](PromptAnalysis&, val) {})
      .field(
          "positions", +[](const PromptAnalysis& a) { return array_of(a.positions); },
          +[](PromptAnalysis&, val) {})
      .field("last", &PromptAnalysis::last)
      .field("mean", &PromptAnalysis::mean)
      .field(
          "teacherTop", +[](const PromptAnalysis& a) { return array_of(a.teacher_top); },
          +[](PromptAnalysis&, val) {})
      .field(
          "studentTop", +[](const PromptAnalysis& a) { return array_of(a.student_top); },
          +[](PromptAnalysis&, val) {});
  value_object<Comparison>("Comparison")
      .field(
          "prompts",
          +[](const Comparison& c) {
            val out = val::array();
            for (size_t i = 0; i < c.prompts.size(); ++i) out.set(i, c.prompts[i].mean);
            return out;
          },
          +[](Comparison&, val) {})
      .field("kl", &Comparison::kl)
      .field("cosine", &Comparison::cosine)
      .field("top1", &Comparison::top1)
      .field("top5", &Comparison::top5);
  value_object<ParameterSummary>("Parameters")
      .field("teacherMlp", &as_number<ParameterSummary, &ParameterSummary::teacher_mlp>,
             &ignore<ParameterSummary>)
      .field("teacherTotal", &as_number<ParameterSummary, &ParameterSummary::teacher_total>,
             &ignore<ParameterSummary>)
      .field("studentMlp", &as_number<ParameterSummary, &ParameterSummary::student_mlp>,
             &ignore<ParameterSummary>)
      .field("studentTotal", &as_number<ParameterSummary, &ParameterSummary::student_total>,
             &ignore<ParameterSummary>);
  value_object<Throughput>("Throughput")
      .field("prefill", &Throughput::prefill_tokens_per_second)
      .field("decode", &Throughput::decode_tokens_per_second)
      .field("prefillMlpShare", &Throughput::prefill_mlp_share)
      .field("decodeMlpShare", &Throughput::decode_mlp_share);
  value_object<PrecisionReport::ProductError>("ProductError")
      .field("float32", &PrecisionReport::ProductError::float32)
      .field("float16", &PrecisionReport::ProductError::float16);
  value_object<PrecisionReport>("PrecisionReport")
      .field("productError", &PrecisionReport::product_error)
      .field("float32", &PrecisionReport::float32)
      .field("float16", &PrecisionReport::float16)
      .field("shift", &PrecisionReport::shift);
  value_object<Generation>("Generation")
      .field(
          "tokens", +[](const Generation& g) { return array_of(g.tokens); },
          +[](Generation&, val) {})
      .field("text", &Generation::text)
      .field(
          "pieces", +[](const Generation& g) { return array_of(g.pieces); },
          +[](Generation&, val) {})
      .field("promptTokens", &Generation::prompt_tokens);
  value_object<StructureView>("StructureView")
      .field("size", &StructureView::size)
      .field(
          "dense", +[](const StructureView& v) { return float32_array(v.dense); },
          +[](StructureView&, val) {})
      .field(
          "student", +[](const StructureView& v) { return float32_array(v.student); },
          +[](StructureView&, val) {})
      .field(
          "difference", +[](const StructureView& v) { return float32_array(v.difference); },
          +[](StructureView&, val) {})
      .field("relativeError", &StructureView::relative_error);
  value_object<BuildProgress>("BuildProgress")
      .field("done", &BuildProgress::done)
      .field("total", &BuildProgress::total)
      .field("unit", &BuildProgress::unit)
      .field("batchKl", &BuildProgress::batch_kl);
  value_object<Playground::DecodeBound>("DecodeBound")
      .field("weightBytes",
             &as_number<Playground::DecodeBound, &Playground::DecodeBound::weight_bytes>,
             &ignore<Playground::DecodeBound>)
      .field("streamBytesPerSecond", &Playground::DecodeBound::stream_bytes_per_second);
  value_object<PlanReply>("PlanReply")
      .field("block", &PlanReply::block)
      .field("layers", &PlanReply::layers)
      .field("matrices", &PlanReply::matrices)
      .field("structure", &PlanReply::structure)
      .field("projection", &PlanReply::projection)
      .field("lambda", &PlanReply::lambda)
      .field("pending", &PlanReply::pending);

  emscripten::function("meanInterval", &meanInterval);  // (values) and (values, metric)
  emscripten::function("meanInterval", &metricInterval);
  emscripten::function("median", &medianOf);
  emscripten::function("blockSizes", &blockSizes);
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
      .function("precision", &Engine::precision)
      .function("warmUp", &Engine::warmUp)
      .function("decodeBound", &Engine::decodeBound)
      .function("generate", &Engine::generate)
      .function("structure", &Engine::structure);
}
