// The page's engine: teacher logits are cached per prompt, since only the student changes when a
// control moves.
#include "session/playground.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>

#include "eval/prompt_set.h"
#include "kernels/ops.h"
#include "model/gguf_file.h"
#include "model/gguf_model.h"
#include "student/student.h"
#include "util/thread_pool.h"

namespace circulant {
namespace {

// Special tokens by the file's spelling ("<s>", not llama2.c's "\n<s>\n", which reads badly as a
// bar label; "<|endoftext|>").
std::string display_piece(const Tokenizer& tok, int previous, int token) {
  if (tok.is_special(token)) return tok.special_text(token);
  return tok.decode(previous, token);
}

// A piece that is part of a character, by its bytes' names (<0xC3>), as SentencePiece names them.
std::string byte_names(const std::string& piece) {
  std::string out;
  for (char c : piece) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", unsigned(uint8_t(c)));
    out += name;
  }
  return out;
}

std::vector<Candidate> top_candidates(const float* logits, const float* other, int vocab,
                                      const Tokenizer& tok, bool logits_are_teacher) {
  auto probabilities = [vocab](const float* z) {
    const double log_sum = log_sum_exp(z, vocab);
    std::vector<double> p(vocab);
    for (int i = 0; i < vocab; ++i) p[i] = std::exp(double(z[i]) - log_sum);
    return p;
  };
  const auto p = probabilities(logits), q = probabilities(other);
  std::vector<int> order(vocab);
  for (int i = 0; i < vocab; ++i) order[i] = i;
  const int k = std::min(10, vocab);
  std::partial_sort(order.begin(), order.begin() + k, order.end(),
                    [&p](int a, int b) { return p[a] > p[b]; });
  std::vector<Candidate> out;
  for (int i = 0; i < k; ++i) {
    const int t = order[i];
    // A lone byte of a multi-byte character is no text of its own: show its name (<0xC3>).
    std::string text = display_piece(tok, 0, t);
    if (whole_characters({text}).front() != text)
      text = tok.byte_level() ? byte_names(tok.piece(t)) : tok.piece(t);
    Candidate c{t, text, logits_are_teacher ? p[t] : q[t], logits_are_teacher ? q[t] : p[t]};
    out.push_back(c);
  }
  return out;
}

// The same weights run with at most `max_context` positions: a run's KV cache is sized by the
// context, and a page whose texts are a few hundred tokens need not hold a 32,768-token one.
// Shorter sequences give the same bits (RoPE depends on the position alone).
std::shared_ptr<const Weights> capped(std::shared_ptr<const Weights> w, int max_context) {
  if (max_context <= 0 || w->config.seq_len <= max_context) return w;
  auto copy = std::make_shared<Weights>(*w);
  copy->config.seq_len = max_context;
  return copy;
}

}  // namespace

Result<std::unique_ptr<Playground>> Playground::create(
    ModelBytes model_bytes, const std::string& model_name,
    const std::vector<uint8_t>& tokenizer_bytes, const std::string& tokenizer_name,
    uint64_t max_model_bytes, const LoadProgress& progress, int max_context) {
  // The page's heap holds the file (whose bytes become the weights, no copy) and the run: one
  // budget bounds both.
  const LoadLimits limits{max_model_bytes, max_model_bytes};
  std::unique_ptr<Playground> p(new Playground());
  if (is_gguf(model_bytes.data(), model_bytes.size)) {
    // A GGUF file holds its own tokenizer, so the one handed over is not read. Its weights are
    // dequantized into a buffer of their own; the file's bytes are freed on return.
    auto model =
        parse_gguf_model(model_bytes.data(), model_bytes.size, model_name, limits, progress);
    RETURN_IF_ERROR(model);
    RETURN_IF_ERROR(model->tokenizer);
    p->teacher_ = std::make_unique<Transformer>(capped(model->weights, max_context));
    p->tokenizer_ = std::make_unique<Tokenizer>(std::move(model->tokenizer.value()));
    p->chat_template_ = std::move(model->chat);
  } else {
    auto weights = parse_checkpoint(std::move(model_bytes), model_name, limits);
    RETURN_IF_ERROR(weights);
    auto tokenizer = Tokenizer::parse(tokenizer_bytes.data(), tokenizer_bytes.size(),
                                      tokenizer_name, weights.value()->config.vocab_size);
    RETURN_IF_ERROR(tokenizer);
    p->teacher_ = std::make_unique<Transformer>(capped(weights.value(), max_context));
    p->tokenizer_ = std::make_unique<Tokenizer>(std::move(tokenizer.value()));
  }
  p->student_ = std::make_unique<Transformer>(*p->teacher_);
  p->plan_.block = 1;
  p->plan_.layers = parse_layers("all", p->config().n_layers).value();
  p->plan_.matrices = parse_matrices("all").value();
  return p;
}

Status Playground::set_calibration(const std::vector<std::string>& lines) {
  auto sequences = encode_lines(lines, *tokenizer_, config(), LongLines::kTruncate);
  RETURN_IF_ERROR(sequences);
  calibration_ = std::move(sequences.value());
  distiller_.reset();  // trained on the previous set
  students_.forget_distilled();
  return ok_status();
}

namespace {

// Everything that decides a distillation run but its length: the steps are the same whatever the
// total, so a run may continue to more.
std::string run_key(StudentPlan p) {
  p.distill.steps = 0;
  return plan_key(p);
}

}  // namespace

Status Playground::install(const CheckedPlan& plan, const StudentParameters& parameters,
                           int steps_done) {
  auto student = assemble_student(*teacher_, plan, parameters);
  RETURN_IF_ERROR(student);
  student_ = std::make_unique<Transformer>(std::move(student.value()));
  plan_ = *plan;
  if (steps_done >= 0) plan_.distill.steps = steps_done;
  return ok_status();
}

int64_t Playground::calibration_tokens() const {
  int64_t tokens = 0;
  for (const auto& line : calibration_) tokens += int64_t(line.size());
  return tokens;
}

Result<int> Playground::set_plan(const CheckedPlan& checked, bool allow_saved) {
  const StudentPlan& plan = *checked;
  projector_.reset();
  if (plan.method != Method::kDistill || is_teacher(plan)) {
    for (const auto& [timed_plan, timed] : timed_)
      if (plan_key(timed_plan) == plan_key(plan)) {
        student_ = std::make_unique<Transformer>(timed);
        plan_ = plan;
        return 0;
      }
    // A teacher plan projects to W itself, whatever its projection (StudentProjector).
    auto projector = StudentProjector::create(*teacher_, checked, calibration_, &svd_cache_);
    RETURN_IF_ERROR(projector);
    projector_ = std::move(projector.value());
    projected_plan_ = checked;
    const bool slow = !is_teacher(plan) && is_loss_aware(plan.projection);
    if (slow) return projector_->layers_total();  // advance() calibrates a layer at a time
    auto done = advance(projector_->layers_total());
    RETURN_IF_ERROR(done);
    return 0;
  }
  if (const StudentParameters* ready = students_.find(plan, allow_saved)) {
    Status ok = install(checked, *ready);
    RETURN_IF_ERROR(ok);
    return 0;
  }
  // The same run with fewer steps so far continues; any other starts afresh.
  const bool resume = distiller_ && run_key(*distiller_->plan()) == run_key(plan) &&
                      distiller_->steps_done() <= plan.distill.steps;
  if (!resume) {
    auto created = Distiller::create(*teacher_, checked, calibration_);
    RETURN_IF_ERROR(created);
    distiller_ = std::move(created.value());
  }
  distill_steps_ = plan.distill.steps;
  Status ok = install(checked, distiller_->parameters(), distiller_->steps_done());
  RETURN_IF_ERROR(ok);
  return distill_steps_ - distiller_->steps_done();
}

bool Playground::student_ready(const CheckedPlan& plan, bool allow_saved) const {
  return plan->method != Method::kDistill || is_teacher(*plan) ||
         students_.find(*plan, allow_saved) != nullptr;
}

Result<BuildProgress> Playground::advance(int max_units) {
  BuildProgress progress;
  if (projector_) {
    StudentProjector& p = *projector_;
    progress.unit = "layer";
    for (int i = 0; i < max_units && !p.done(); ++i) {
      Status s = p.project_next_layer();
      if (!s.ok()) {
        projector_.reset();
        return Error{s.error()};
      }
    }
    progress.done = p.layers_done(), progress.total = p.layers_total();
    if (!p.done()) return progress;
    Status ok = install(*projected_plan_, p.take_parameters());
    projector_.reset();
    RETURN_IF_ERROR(ok);
    return progress;
  }
  if (!distiller_) return Error{"no student is being built: choose a plan first"};
  Distiller& d = *distiller_;
  progress.unit = "step";
  progress.total = distill_steps_;
  for (int i = 0; i < max_units && d.steps_done() < progress.total; ++i)
    progress.batch_kl = d.step();
  progress.done = d.steps_done();
  Status ok = install(d.plan(), d.parameters(), d.steps_done());
  RETURN_IF_ERROR(ok);
  // Where a cancel leaves the run, its latest steps are kept too.
  students_.keep(plan_, d.parameters(), d.steps_done() < progress.total);
  return progress;
}

Status Playground::load_students(const std::vector<uint8_t>& bytes, const std::string& name) {
  if (!teacher_fingerprint_) teacher_fingerprint_ = model_fingerprint(teacher_->weights());
  auto students =
      parse_students(bytes.data(), bytes.size(), name, teacher_->weights(), teacher_fingerprint_);
  RETURN_IF_ERROR(students);
  students_.add_saved(std::move(students.value()));
  return ok_status();
}

ParameterSummary Playground::parameters() const {
  return {teacher_->mlp_parameters(), teacher_->total_parameters(), student_->mlp_parameters(),
          student_->total_parameters()};
}

const std::vector<float>& Playground::teacher_logits(const std::vector<int>& tokens) const {
  auto it = teacher_cache_.find(tokens);
  if (it != teacher_cache_.end()) return it->second;
  if (teacher_cache_.size() > 64) teacher_cache_.clear();  // prompts typed one after another
  RunState state(config());
  const float* logits = forward(*teacher_, state, tokens.data(), int(tokens.size()), true);
  return teacher_cache_[tokens] =
             std::vector<float>(logits, logits + tokens.size() * config().vocab_size);
}

Result<PromptAnalysis> Playground::analyze(const std::string& prompt) const {
  auto tokens = encode_prompt(*tokenizer_, config(), prompt, parse_specials_);
  RETURN_IF_ERROR(tokens);
  const int n = int(tokens->size()), vocab = config().vocab_size;
  const std::vector<float>& t = teacher_logits(tokens.value());
  RunState state(config());
  const float* s = forward(*student_, state, tokens->data(), n, true);
  PromptAnalysis a;
  a.tokens = tokens.value();
  a.bos = tokenizer_->add_bos() && a.tokens.front() == tokenizer_->bos_id();
  for (int i = 0; i < n; ++i)
    a.pieces.push_back(
        display_piece(*tokenizer_, i ? a.tokens[i - 1] : tokenizer_->bos_id(), a.tokens[i]));
  a.pieces = whole_characters(a.pieces);
  PromptResult r = compare_prompt(t.data(), s, n, vocab);
  a.positions = r.positions;
  a.last = r.positions.back();
  a.mean = r.mean;
  const float* t_last = t.data() + size_t(n - 1) * vocab;
  const float* s_last = s + size_t(n - 1) * vocab;
  a.teacher_top = top_candidates(t_last, s_last, vocab, *tokenizer_, true);
  a.student_top = top_candidates(s_last, t_last, vocab, *tokenizer_, false);
  return a;
}

// The students run side by side, a prompt on each thread with that thread's own run state; the
// teacher's logits come from its cache, looked up first in prompt order. A prompt's result depends
// on its tokens only, so the comparison is the same bits at any thread count.
Result<Comparison> Playground::evaluate(const std::vector<std::string>& prompts,
                                        Positions positions) const {
  std::vector<std::vector<int>> tokens;
  for (size_t i = 0; i < prompts.size(); ++i) {
    auto encoded = encode_prompt(*tokenizer_, config(), prompts[i], parse_specials_);
    if (!encoded.ok()) return Error{"prompt " + std::to_string(i + 1) + ": " + encoded.error()};
    tokens.push_back(std::move(encoded.value()));
  }
  const int vocab = config().vocab_size;
  const bool all = positions == Positions::kAll;
  std::vector<PromptResult> results(tokens.size());
  std::vector<std::unique_ptr<RunState>> states(threads());
  // In batches the teacher's cache holds whole: it empties itself past 64 prompts, which would
  // drop logits looked up earlier in the batch.
  constexpr size_t kBatch = 32;
  for (size_t first = 0; first < tokens.size(); first += kBatch) {
    const size_t end = std::min(tokens.size(), first + kBatch);
    if (teacher_cache_.size() + (end - first) > 64) teacher_cache_.clear();
    std::vector<const std::vector<float>*> teacher;
    for (size_t i = first; i < end; ++i) teacher.push_back(&teacher_logits(tokens[i]));
    parallel_for(int64_t(end - first), [&](int64_t b) {
      const std::vector<int>& prompt = tokens[first + size_t(b)];
      const int n = int(prompt.size());
      std::unique_ptr<RunState>& state = states[thread_index()];
      if (!state) state = std::make_unique<RunState>(config());
      state->reset();
      const float* s = forward(*student_, *state, prompt.data(), n, all);
      const float* t = teacher[size_t(b)]->data();
      results[first + size_t(b)] =
          compare_prompt(all ? t : t + size_t(n - 1) * vocab, s, all ? n : 1, vocab);
    });
  }
  return summarize(std::move(results));
}

Result<std::vector<float>> Playground::next_logits(const std::vector<int>& tokens) const {
  const Config& c = config();
  if (tokens.empty() || int(tokens.size()) > c.seq_len)
    return Error{"nextLogits takes 1 to " + std::to_string(c.seq_len) + " token ids (the model's " +
                 "context), not " + std::to_string(tokens.size())};
  for (int id : tokens)
    if (id < 0 || id >= c.vocab_size)
      return Error{"token id " + std::to_string(id) + " is outside the vocabulary (0 to " +
                   std::to_string(c.vocab_size - 1) + ")"};
  RunState state(c);
  const float* logits = forward(*teacher_, state, tokens.data(), int(tokens.size()));
  return std::vector<float>(logits, logits + c.vocab_size);
}

Result<Generation> Playground::generate(const std::string& prompt, int steps,
                                        const SamplerSettings& sampler, bool use_student) const {
  auto tokens = encode_prompt(*tokenizer_, config(), prompt, parse_specials_);
  RETURN_IF_ERROR(tokens);
  return generate_from(use_student ? *student_ : *teacher_, *tokenizer_, std::move(tokens.value()),
                       steps, sampler);
}

Result<StructureView> Playground::structure(int layer, MlpMatrix matrix, int block_row,
                                            int block_col) const {
  if (layer < 0 || layer >= config().n_layers)
    return Error{"layer " + std::to_string(layer) + " is out of range"};
  const Transformer& teacher = *teacher_;
  const Transformer& student = *student_;
  const LinearOperator& dense = teacher.layer(layer).mlp(matrix);
  const LinearOperator& patched = student.layer(layer).mlp(matrix);
  const int m = dense.out_features(), n = dense.in_features();
  // Blocks of B×B for every structure, so the view moves with the slider.
  const int B = &patched == &dense ? 1 : plan_.block;
  if (block_row < 0 || block_col < 0 || block_row * B >= m || block_col * B >= n)
    return Error{"block (" + std::to_string(block_row) + ", " + std::to_string(block_col) +
                 ") is outside the matrix"};
  const std::vector<float> weight = dense.to_dense(), approx = patched.to_dense();
  const float* w = weight.data();
  double err = 0, norm = 0;
  for (size_t i = 0; i < size_t(m) * n; ++i) {
    err += double(w[i] - approx[i]) * (w[i] - approx[i]);
    norm += double(w[i]) * w[i];
  }
  StructureView v;
  v.size = std::min(B == 1 ? 32 : B, 64);
  v.relative_error = norm > 0 ? std::sqrt(err / norm) : 0;
  const int r0 = block_row * B, c0 = block_col * B;
  for (int r = 0; r < v.size; ++r)
    for (int c = 0; c < v.size; ++c) {
      const bool inside = r0 + r < m && c0 + c < n;
      const size_t at = size_t(r0 + r) * n + (c0 + c);
      const float d = inside ? w[at] : 0.0f, a = inside ? approx[at] : 0.0f;
      v.dense.push_back(d), v.student.push_back(a), v.difference.push_back(d - a);
    }
  return v;
}

}  // namespace circulant
