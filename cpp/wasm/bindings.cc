// Embind glue over cpp/eval/playground.h: converts JS values to the facade's C++ types and back,
// nothing more. Every fallible call returns {value} or {error: message}; the build has no exceptions.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include "eval/playground.h"
#include "student/plan.h"

namespace circulant {
namespace {

using emscripten::val;

val with_value(const val& value) {
  val out = val::object();
  out.set("value", value);
  return out;
}

val with_error(const std::string& message) {
  val out = val::object();
  out.set("error", message);
  return out;
}

// Copies a JS Uint8Array into the wasm heap in one typed-array set.
std::vector<uint8_t> to_bytes(const val& array) {
  return emscripten::convertJSArrayToNumberVector<uint8_t>(array);
}

// A fresh Float32Array (a copy, so it survives memory growth).
val to_float32_array(const std::vector<float>& values) {
  return val(emscripten::typed_memory_view(values.size(), values.data())).call<val>("slice");
}

template <class T, class F>
val to_array(const std::vector<T>& items, F convert) {
  val out = val::array();
  for (size_t i = 0; i < items.size(); ++i) out.set(i, convert(items[i]));
  return out;
}

val to_js(const PositionMetrics& m) {
  val out = val::object();
  out.set("kl", m.kl);
  out.set("cosine", m.cosine);
  out.set("top1", m.top1);
  out.set("top5", m.top5);
  return out;
}

val to_js(const Interval& interval) {
  val out = val::object();
  out.set("mean", interval.mean);
  out.set("low", interval.low);
  out.set("high", interval.high);
  return out;
}

val to_js(const Candidate& c) {
  val out = val::object();
  out.set("token", c.token);
  out.set("text", c.text);
  out.set("teacher", c.teacher_probability);
  out.set("student", c.student_probability);
  return out;
}

val to_js(const Throughput& t) {
  val out = val::object();
  out.set("prefill", t.prefill_tokens_per_second);
  out.set("decode", t.decode_tokens_per_second);
  out.set("prefillMlpShare", t.prefill_mlp_share);
  out.set("decodeMlpShare", t.decode_mlp_share);
  return out;
}

template <class T>
val metrics_of(const T& item) { return to_js(item); }

// JS spec {block, layers, matrices, structure, projection, lambda, distill?} → StudentPlan, via
// the plan parsers; distill = {steps, learningRate, batch, init, seed, trainNorms}.
Result<StudentPlan> to_plan(const val& spec, int n_layers) {
  StudentPlan plan;
  const long block = spec["block"].as<long>();
  Status block_ok = check_block_size(block);
  if (!block_ok.ok()) return Error{block_ok.error()};
  plan.block = int(block);
  auto layers = parse_layers(spec["layers"].as<std::string>(), n_layers);
  if (!layers.ok()) return Error{layers.error()};
  plan.layers = layers.value();
  auto matrices = parse_matrices(spec["matrices"].as<std::string>());
  if (!matrices.ok()) return Error{matrices.error()};
  plan.matrices = matrices.value();
  auto structure = parse_structure(spec["structure"].isUndefined() ? "circulant" : spec["structure"].as<std::string>());
  if (!structure.ok()) return Error{structure.error()};
  plan.structure = structure.value();
  auto projection = parse_projection(spec["projection"].as<std::string>());
  if (!projection.ok()) return Error{projection.error()};
  plan.projection = projection.value();
  plan.lambda = spec["lambda"].as<double>();
  const val d = spec["distill"];
  if (!d.isUndefined()) {
    plan.distill.steps = d["steps"].as<int>();
    plan.distill.learning_rate = d["learningRate"].as<double>();
    plan.distill.batch = d["batch"].as<int>();
    auto init = parse_projection(d["init"].as<std::string>());
    if (!init.ok()) return Error{init.error()};
    plan.distill.init = init.value();
    plan.distill.seed = uint64_t(d["seed"].as<double>());
    plan.distill.train_norms = d["trainNorms"].as<bool>();
  }
  return plan;
}

class Engine {
 public:
  val load(const val& model, const std::string& model_name, const val& tokenizer,
           const std::string& tokenizer_name, double max_model_bytes) {
    auto created = Playground::create(to_bytes(model), model_name, to_bytes(tokenizer), tokenizer_name,
                                      uint64_t(max_model_bytes));
    if (!created.ok()) return with_error(created.error());
    playground_ = std::move(created.value());
    return with_value(config());
  }

  val config() const {
    const Config& c = playground_->config();
    val out = val::object();
    out.set("dim", c.dim);
    out.set("hiddenDim", c.hidden_dim);
    out.set("nLayers", c.n_layers);
    out.set("nHeads", c.n_heads);
    out.set("nKvHeads", c.n_kv_heads);
    out.set("vocabSize", c.vocab_size);
    out.set("seqLen", c.seq_len);
    return out;
  }

  val setCalibration(const val& lines) {
    Status status = playground_->set_calibration(emscripten::vecFromJSArray<std::string>(lines));
    return status.ok() ? with_value(val(true)) : with_error(status.error());
  }

  // → {plan (canonical spelling), pending}: units of work advance() still has to do.
  val setPlan(const val& spec, bool allow_saved) {
    auto plan = to_plan(spec, playground_->config().n_layers);
    if (!plan.ok()) return with_error(plan.error());
    auto pending = playground_->set_plan(plan.value(), allow_saved);
    if (!pending.ok()) return with_error(pending.error());
    const StudentPlan& p = playground_->plan();
    val out = val::object();
    out.set("block", p.block);
    out.set("layers", layers_spec(p.layers, playground_->config().n_layers));
    out.set("matrices", matrix_names(p.matrices));
    out.set("structure", structure_name(p.structure));
    out.set("projection", projection_name(p.projection));
    out.set("lambda", p.lambda);
    out.set("pending", pending.value());
    return with_value(out);
  }

  // True when setPlan(spec, allowSaved) would leave no distillation step to run.
  val studentReady(const val& spec, bool allow_saved) const {
    auto plan = to_plan(spec, playground_->config().n_layers);
    if (!plan.ok()) return with_error(plan.error());
    return with_value(val(playground_->student_ready(plan.value(), allow_saved)));
  }

  // → {done, total, unit: 'layer' | 'step', batchKl} after up to max_units more units of work.
  val advance(int max_units) {
    auto progress = playground_->advance(max_units);
    if (!progress.ok()) return with_error(progress.error());
    val out = val::object();
    out.set("done", progress->done);
    out.set("total", progress->total);
    out.set("unit", progress->unit);
    out.set("batchKl", progress->batch_kl);
    return with_value(out);
  }

  // → {blocks: [...]} the block sizes of the students in the file.
  val loadStudents(const val& bytes, const std::string& name) {
    Status status = playground_->load_students(to_bytes(bytes), name);
    if (!status.ok()) return with_error(status.error());
    val blocks = val::array();
    for (size_t i = 0; i < playground_->saved_students().size(); ++i)
      blocks.set(i, playground_->saved_students()[i].plan.block);
    val out = val::object();
    out.set("blocks", blocks);
    return with_value(out);
  }

  val parameters() const {
    const ParameterSummary s = playground_->parameters();
    val out = val::object();
    out.set("teacherMlp", double(s.teacher_mlp));
    out.set("teacherTotal", double(s.teacher_total));
    out.set("studentMlp", double(s.student_mlp));
    out.set("studentTotal", double(s.student_total));
    return out;
  }

  val analyze(const std::string& prompt) const {
    auto result = playground_->analyze(prompt);
    if (!result.ok()) return with_error(result.error());
    const PromptAnalysis& a = result.value();
    val out = val::object();
    out.set("tokens", to_array(a.tokens, [](int t) { return val(t); }));
    out.set("pieces", to_array(a.pieces, [](const std::string& s) { return val(s); }));
    out.set("positions", to_array(a.positions, metrics_of<PositionMetrics>));
    out.set("last", to_js(a.last));
    out.set("mean", to_js(a.mean));
    out.set("teacherTop", to_array(a.teacher_top, metrics_of<Candidate>));
    out.set("studentTop", to_array(a.student_top, metrics_of<Candidate>));
    return with_value(out);
  }

  val evaluate(const val& prompts, const std::string& positions) const {
    auto result = playground_->evaluate(emscripten::vecFromJSArray<std::string>(prompts),
                                        positions == "all" ? Positions::kAll : Positions::kLast);
    if (!result.ok()) return with_error(result.error());
    const Comparison& c = result.value();
    val out = val::object();
    out.set("prompts", to_array(c.prompts, [](const PromptResult& p) { return to_js(p.mean); }));
    out.set("kl", to_js(c.kl));
    out.set("cosine", to_js(c.cosine));
    out.set("top1", to_js(c.top1));
    out.set("top5", to_js(c.top5));
    return with_value(out);
  }

  val benchmark(const val& settings) const {
    ThroughputSettings s;
    s.prompt_tokens = settings["promptTokens"].as<int>();
    s.decode_tokens = settings["decodeTokens"].as<int>();
    s.runs = settings["runs"].as<int>();
    const std::vector<Throughput> both = playground_->benchmark(s);
    val out = val::object();
    out.set("teacher", to_js(both.at(0)));
    out.set("student", to_js(both.at(1)));
    return with_value(out);
  }

  val generate(const std::string& prompt, int steps, const val& sampler, bool use_student) const {
    SamplerSettings s;
    s.temperature = sampler["temperature"].as<float>();
    s.top_p = sampler["topP"].as<float>();
    s.repeat_penalty = sampler["repeatPenalty"].as<float>();
    s.seed = uint64_t(sampler["seed"].as<double>());
    auto result = playground_->generate(prompt, steps, s, use_student);
    if (!result.ok()) return with_error(result.error());
    val out = val::object();
    out.set("tokens", to_array(result->tokens, [](int t) { return val(t); }));
    out.set("text", result->text);
    out.set("pieces", to_array(result->pieces, [](const std::string& p) { return val(p); }));
    out.set("promptTokens", result->prompt_tokens);
    return with_value(out);
  }

  val structure(int layer, const std::string& matrix, int block_row, int block_col) const {
    auto matrices = parse_matrices(matrix);
    if (!matrices.ok()) return with_error(matrices.error());
    if (matrices->size() != 1) return with_error("structure: name one matrix (gate, up or down)");
    auto result = playground_->structure(layer, matrices->front(), block_row, block_col);
    if (!result.ok()) return with_error(result.error());
    val out = val::object();
    out.set("size", result->size);
    out.set("dense", to_float32_array(result->dense));
    out.set("circulant", to_float32_array(result->circulant));
    out.set("difference", to_float32_array(result->difference));
    out.set("relativeError", result->relative_error);
    return with_value(out);
  }

  bool loaded() const { return playground_ != nullptr; }

 private:
  std::unique_ptr<Playground> playground_;
};

// 95 % interval of the mean over prompts (the page evaluates prompts one call at a time).
val meanInterval(const val& values) {
  return to_js(mean_interval(emscripten::vecFromJSArray<double>(values)));
}

}  // namespace
}  // namespace circulant

EMSCRIPTEN_BINDINGS(circulant_engine) {
  using circulant::Engine;
  emscripten::function("meanInterval", &circulant::meanInterval);
  emscripten::class_<Engine>("Engine")
      .constructor<>()
      .function("load", &Engine::load)
      .function("loaded", &Engine::loaded)
      .function("config", &Engine::config)
      .function("setCalibration", &Engine::setCalibration)
      .function("setPlan", &Engine::setPlan)
      .function("advance", &Engine::advance)
      .function("studentReady", &Engine::studentReady)
      .function("loadStudents", &Engine::loadStudents)
      .function("parameters", &Engine::parameters)
      .function("analyze", &Engine::analyze)
      .function("evaluate", &Engine::evaluate)
      .function("benchmark", &Engine::benchmark)
      .function("generate", &Engine::generate)
      .function("structure", &Engine::structure);
}
