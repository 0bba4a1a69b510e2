// A page session: one teacher, its current student, and the questions the page asks of them
// (the bindings' only client; the metrics it reports live in eval/). Calls are short and granular
// so the worker can report progress and honour a cancel between them (a sweep is one set_plan +
// evaluate per block size, driven from JavaScript).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "eval/metrics.h"
#include "eval/throughput.h"
#include "model/checkpoint.h"
#include "model/generate.h"
#include "model/gguf_model.h"
#include "model/tokenizer.h"
#include "session/student_cache.h"
#include "student/distill.h"
#include "student/plan.h"
#include "student/student_file.h"

namespace circulant {

struct Candidate {  // one bar of the next-token chart
  int token = 0;
  std::string text;
  double teacher_probability = 0;
  double student_probability = 0;
};

struct PromptAnalysis {
  std::vector<int> tokens;          // BOS first where the tokenizer adds one
  std::vector<std::string> pieces;  // (tokens) text of each token as the page shows it
  bool bos = false;  // tokens[0] is BOS, which re-encoding the prompt's text adds again
  std::vector<PositionMetrics> positions;  // (tokens) teacher vs student at every position
  PositionMetrics last;                    // at the last position
  PositionMetrics mean;                    // over all positions
  std::vector<Candidate> teacher_top;      // teacher's 10 most likely next tokens
  std::vector<Candidate> student_top;      // student's 10 most likely next tokens
};

struct ParameterSummary {
  int64_t teacher_mlp = 0, teacher_total = 0;
  int64_t student_mlp = 0, student_total = 0;
};

// Where the building of a student stands: layers of a loss-aware calibration, or steps of a
// distillation.
struct BuildProgress {
  int done = 0;
  int total = 0;
  std::string unit;     // "layer" or "step"
  double batch_kl = 0;  // distillation: KL of the last step's batch (nats)
};

// float32 against float16 inside the student's FFTs (BlockCirculantLinear::set_fft_precision).
struct PrecisionReport {
  struct ProductError {  // eval/fft_precision.h, the mean over the student's FFT operators
    double float32 = 0, float16 = 0;
  };
  ProductError product_error;
  Comparison float32, float16;  // teacher vs the student with its FFTs in each precision
  Interval shift;               // KL(student float32 ‖ student float16) over prompts (nats)
};

struct StructureView {  // one B×B block (capped at 64×64 for display), row-major
  int size = 0;
  std::vector<float> dense;       // (size, size) the teacher's
  std::vector<float> student;     // (size, size) the student's: circulant, low-rank, zero or dense
  std::vector<float> difference;  // (size, size) dense − student
  double relative_error = 0;      // ‖dense − student‖ / ‖dense‖ over the whole matrix
};

class Playground {
 public:
  // Validates both files (messages name them); the student starts equal to the teacher (B = 1).
  // The weights are the model's bytes themselves (moved in, not copied).
  static Result<std::unique_ptr<Playground>> create(
      ModelBytes model_bytes, const std::string& model_name,
      const std::vector<uint8_t>& tokenizer_bytes, const std::string& tokenizer_name,
      uint64_t max_model_bytes, const LoadProgress& progress = {}, int max_context = 0);

  const Config& config() const { return teacher_->config(); }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  // Calibration prompts for loss-aware projections and distillation (lines of text).
  Status set_calibration(const std::vector<std::string>& lines);
  // Tokens in the calibration set, BOS included (what a distillation step's time grows with).
  int64_t calibration_tokens() const;
  // Rebuilds the student. A teacher plan (is_teacher) gives back the teacher exactly. Returns the
  // units of work left for advance(): layers of a loss-aware calibration, or steps of a
  // distillation (0 when the student is ready). A distill plan is taken from the student cache
  // (a file's students when `allow_saved`, or this session's); otherwise distillation starts, or
  // continues a run of the same plan with fewer steps. Until the work is done the student shown
  // is the previous one (projection) or holds the steps trained so far (distillation).
  Result<int> set_plan(const CheckedPlan& plan, bool allow_saved = false);
  // True when set_plan(plan, allow_saved) would leave no distillation step to run.
  bool student_ready(const CheckedPlan& plan, bool allow_saved) const;
  // Up to `max_units` more units of the pending work; installs the student it has so far.
  Result<BuildProgress> advance(int max_units);
  // Students from a student file of this teacher (the page's precomputed sweep, one file a
  // block size), added to those loaded before.
  Status load_students(const std::vector<uint8_t>& bytes, const std::string& name);
  const std::vector<SavedStudent>& saved_students() const { return students_.saved(); }
  // The plan of the student shown (a distillation's steps are those it holds so far).
  const StudentPlan& plan() const { return plan_; }
  const Transformer& student() const { return *student_; }  // the current student
  ParameterSummary parameters() const;

  // A GGUF model's chat template (empty source for none). With parse_specials on, the prompts of
  // analyze, evaluate, precision and generate are chat-wrapped text whose BOS and EOS texts are
  // those tokens (the page wraps them with the template).
  const ChatTemplateText& chat_template() const { return chat_template_; }
  void set_parse_specials(bool on) { parse_specials_ = on; }

  Result<PromptAnalysis> analyze(const std::string& prompt) const;
  Result<Comparison> evaluate(const std::vector<std::string>& prompts, Positions positions) const;
  // Teacher first, then student, measured interleaved; with `uncached_student`, third the same
  // student with every FFT operator recomputing FFT(c) on each call (its cache is back on
  // afterwards). An error when asked of a student without FFT operators (B = 1, low-rank,
  // removed): there is no spectrum to uncache.
  Result<std::vector<Throughput>> benchmark(const ThroughputSettings& settings,
                                            bool uncached_student = false);
  // The student's FFTs in float32 (as it runs) and in float16 (PrecisionReport); the student is
  // back in float32 afterwards. An error for a student without FFT operators.
  Result<PrecisionReport> precision(const std::vector<std::string>& prompts, Positions positions);
  // Speed against B (the page's speed chart): students kept side by side, so that one run of each
  // interleaves with the teacher's and a cancel can land between runs. keep_timed builds the
  // student of a projected `plan` once (a plan of another structure empties the set first) and
  // runs its prefill of `prompt_tokens` once, so that no measured run is its first; it returns the
  // index time_run takes, where 0 is the teacher.
  Result<int> keep_timed(const CheckedPlan& plan, int prompt_tokens);
  // One run of model `index`'s prefill and decode (settings' runs and warm_up are not used).
  Result<Throughput> time_run(int index, const ThroughputSettings& settings) const;
  // Runs the teacher's prefill and decode for about `milliseconds`, so the browser compiles its
  // hot code fully before the first measurement a user sees.
  void warm_up(double milliseconds) const;
  // What bounds decode here: bytes of teacher weights a token reads, and this machine's speed of
  // streaming that many bytes (bytes per second).
  struct DecodeBound {
    int64_t weight_bytes = 0;
    double stream_bytes_per_second = 0;
  };
  DecodeBound decode_bound() const;
  // The teacher's next-token logits (vocab) after exactly `tokens` (no BOS added): the browser
  // suite gives llama.cpp and this engine the same ids and compares the two distributions.
  Result<std::vector<float>> next_logits(const std::vector<int>& tokens) const;
  Result<Generation> generate(const std::string& prompt, int steps, const SamplerSettings& sampler,
                              bool use_student) const;
  // The (block_row, block_col) block of an MLP matrix: the teacher's, the student's (whatever
  // its structure) and the difference.
  Result<StructureView> structure(int layer, MlpMatrix matrix, int block_row, int block_col) const;

 private:
  Playground() = default;
  // All-position teacher logits (tokens, vocab) of a prompt, computed once.
  const std::vector<float>& teacher_logits(const std::vector<int>& tokens) const;
  std::unique_ptr<Transformer> teacher_;
  std::unique_ptr<Transformer> student_;
  std::unique_ptr<Tokenizer> tokenizer_;
  ChatTemplateText chat_template_;
  bool parse_specials_ = false;
  // `steps_done` (a distillation's): the steps the installed parameters hold.
  Status install(const CheckedPlan& plan, const StudentParameters& parameters, int steps_done = -1);
  std::vector<std::vector<int>> calibration_;
  StudentPlan plan_;
  std::unique_ptr<StudentProjector> projector_;  // a loss-aware calibration under way
  SvdCache svd_cache_;                           // each teacher matrix's SVD, for low-rank plans
  std::optional<CheckedPlan> projected_plan_;    // its plan
  std::unique_ptr<Distiller> distiller_;         // the pending or last distillation
  int distill_steps_ = 0;                        // where that run stops
  StudentCache students_;
  // keep_timed's students (projections of one structure at several block sizes), which set_plan
  // also installs without projecting again: the sweep asks for the same ones.
  std::vector<std::pair<StudentPlan, Transformer>> timed_;
  mutable std::map<std::vector<int>, std::vector<float>> teacher_cache_;
  // model_fingerprint of the teacher, computed at the first student file (the page loads seven).
  std::optional<uint64_t> teacher_fingerprint_;
};

}  // namespace circulant
