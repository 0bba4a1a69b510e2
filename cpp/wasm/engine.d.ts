// Types of the JS-facing engine API that cpp/wasm/bindings.cc exports (engine.js + engine.wasm).
// tests/js/bindings.test.js holds this file against the module: every Engine method, and the
// fields of every value object the engine returns.

/** Every fallible call returns exactly one of these: a value, or an error message to show the user. */
export type Outcome<T> = { value: T; error?: undefined } | { value?: undefined; error: string };

export interface ModelConfig {
  dim: number; hiddenDim: number; nLayers: number; nHeads: number; nKvHeads: number;
  vocabSize: number; seqLen: number;
}

/** Distillation settings (projection 'distill'); see cpp/student/plan.h DistillSettings. */
export interface DistillSpec {
  steps: number; learningRate: number; batch: number;
  init: 'frobenius' | 'loss-aware' | 'loss-aware-sequential';
  seed: number; trainNorms: boolean;
}

/** What to patch, in the CLI's flag names (camel-cased); web/state.js planOf makes it, and the engine
 *  checks it with the CLI's own check (cpp/student/plan.h check_plan). layers: "all" | "first:k" |
 *  "last:k" | "i" | "0,2,3"; matrices: "gate,up,down". */
export interface PlanSpec {
  block: number;  // 1, 2, 4, …, 256 (1 = the teacher itself)
  layers: string;
  matrices: string;
  structure?: 'circulant' | 'low-rank' | 'removed';  // default circulant
  projection: 'frobenius' | 'loss-aware' | 'loss-aware-sequential' | 'distill';
  lambda: number; // ridge relative to the mean diagonal of G_k (loss-aware only)
  distill?: DistillSpec;
  calibration?: string;  // the worker's: which calibration set it hands over (setCalibration)
}

/** Building a student: layers of a loss-aware calibration, or steps of a distillation. */
export interface BuildProgress { done: number; total: number; unit: 'layer' | 'step'; batchKl: number }

/** What setPlan answers: the plan in canonical spelling and the units of work advance() must do. */
export interface PlanReply {
  block: number; layers: string; matrices: string; structure: string; projection: string; lambda: number;
  pending: number;
}

/** Bytes of teacher weights a decode step reads, and how fast this machine streams as many bytes. */
export interface DecodeBound { weightBytes: number; streamBytesPerSecond: number }

/** Teacher vs student at one position (KL in nats; top1 0/1; top5 a fraction); NaN where a metric
 *  cannot be computed (Interval.undefined says why). */
export interface PositionMetrics { kl: number; cosine: number; top1: number; top5: number }
/** Mean and 95 % Student-t interval over prompts. `undefined`: why there is no value (mean, low
 *  and high are then NaN: a model's logits were not finite, or all zero for the cosine); '' when
 *  there is one. */
export interface Interval { mean: number; low: number; high: number; undefined: string }

export interface Candidate { token: number; text: string; teacher: number; student: number }

export interface PromptAnalysis {
  tokens: number[];              // BOS first where the tokenizer adds one
  pieces: string[];              // text of each token
  bos: boolean;                  // tokens[0] is a BOS that encoding the text adds again
  positions: PositionMetrics[];  // one per token
  last: PositionMetrics;
  mean: PositionMetrics;
  teacherTop: Candidate[];       // teacher's 10 most likely next tokens
  studentTop: Candidate[];       // student's 10 most likely next tokens
}

export interface Comparison {
  prompts: PositionMetrics[];    // each prompt's mean over its positions
  kl: Interval; cosine: Interval; top1: Interval; top5: Interval;
}

export interface Parameters { teacherMlp: number; teacherTotal: number; studentMlp: number; studentTotal: number }

export interface Throughput { prefill: number; decode: number; prefillMlpShare: number; decodeMlpShare: number }
export interface ThroughputSettings {
  promptTokens: number; decodeTokens: number; runs: number;
  /** Also the student with every block-circulant operator recomputing FFT(c) on each call
   * (its spectrum cache off), measured interleaved with the other two; the cache is on again
   * afterwards. An error for a student without FFT operators (B = 1, low-rank, removed). */
  uncachedStudent?: boolean;
  /** false: no warm-up run before the measured ones (the same models were just measured). */
  warmUp?: boolean;
}
/** Teacher, student (spectrum cache on) and, when asked, the same student with the cache off. */
export interface BenchmarkResult { teacher: Throughput; student: Throughput; studentUncached?: Throughput }

/** ‖y − y_exact‖ / ‖y_exact‖ of the student's block-circulant products against the float64 product
 * of the same parameters (12 fixed Gaussian input rows), averaged over its FFT operators. */
export interface ProductError { float32: number; float16: number }
/** float32 against float16 inside the student's FFTs: float16 rounds x, X̂, Ĉ, the product
 * spectrum and y to float16 (arithmetic between those stores stays float32). */
export interface PrecisionReport {
  productError: ProductError;
  float32: Comparison;   // teacher vs the student as it runs (equal to evaluate())
  float16: Comparison;   // teacher vs the student with float16 stores inside its FFTs
  shift: Interval;       // KL(student float32 ‖ student float16) over prompts, nats
}

export interface SamplerSettings { temperature: number; topP: number; repeatPenalty: number; seed: number }
export interface Generation {
  tokens: number[];        // BOS (where the tokenizer adds one), prompt, continuation
  text: string;            // prompt and continuation as printed
  pieces: string[];        // what each token after BOS printed (tokens.length - 1 with BOS)
  promptTokens: number;    // including BOS
}

export interface StructureView {
  size: number;               // the block shown is size × size, row-major
  dense: Float32Array;        // the teacher's block
  student: Float32Array;      // the student's: circulant, low-rank, zero, or the teacher's where unpatched
  difference: Float32Array;   // dense − student
  relativeError: number;      // over the whole matrix
}

export interface ChatTemplate { source: string; bosText: string; eosText: string }

export declare class Engine {
  constructor();
  /** Validates both files; the messages name them. The student starts equal to the teacher.
   *  `progress`, when a function, is called after each GGUF tensor is dequantized; `maxContext`
   *  (0: the model's own) bounds the positions a run holds, and so its KV cache. */
  load(model: Uint8Array, modelName: string, tokenizer: Uint8Array, tokenizerName: string,
       maxModelBytes: number, progress: ((done: number, total: number) => void) | null,
       maxContext: number): Outcome<ModelConfig>;
  setCalibration(lines: string[]): Outcome<true>;
  /** Tokens in the calibration set, BOS included (a distillation step's time grows with them). */
  calibrationTokens(): number;
  /**
   * Rebuilds the student; returns the plan in canonical spelling and the units of work advance()
   * still has to do: layers of a loss-aware calibration, steps of a distillation (0: ready; a
   * saved or earlier-distilled student matched). allowSaved: a student of loadStudents() may be used.
   */
  setPlan(plan: PlanSpec, allowSaved: boolean): Outcome<PlanReply>;
  /** True when setPlan(plan, allowSaved) would leave no distillation step to run. */
  studentReady(plan: PlanSpec, allowSaved: boolean): Outcome<boolean>;
  /** Up to maxUnits more units of the pending work; the student then holds what is done. */
  advance(maxUnits: number): Outcome<BuildProgress>;
  /** A student file of this teacher (`circulant distill --out`); returns its block sizes. */
  loadStudents(bytes: Uint8Array, name: string): Outcome<{ blocks: number[] }>;
  parameters(): Parameters;
  analyze(prompt: string): Outcome<PromptAnalysis>;
  evaluate(prompts: string[], positions: 'last' | 'all'): Outcome<Comparison>;
  benchmark(settings: ThroughputSettings): Outcome<BenchmarkResult>;
  /** Builds and keeps the student of a projected plan for timeRun (a plan of another structure
   * empties the kept set first) and runs its prefill of `promptTokens` once; returns its index
   * (0 is the teacher). An error for a distilled or loss-aware plan: its speed is the projection's. */
  keepTimed(plan: PlanSpec, promptTokens: number): Outcome<number>;
  /** One run of prefill and decode of model `index` (keepTimed's; 0: the teacher). */
  timeRun(index: number, settings: { promptTokens: number; decodeTokens: number }): Outcome<Throughput>;
  /** The student's FFTs in float32 and in float16 over these prompts; the student is back in float32
   * afterwards. An error for a student without FFT operators (B = 1, low-rank, removed). */
  precision(prompts: string[], positions: 'last' | 'all'): Outcome<PrecisionReport>;
  /** Runs the teacher for about `milliseconds` so the first measurement is not a cold one. */
  warmUp(milliseconds: number): void;
  decodeBound(): DecodeBound;
  /** The teacher's full next-token logits (vocabSize) after exactly these token ids, no BOS added
   *  (the browser suite's comparison against llama.cpp). An error for an id outside the vocabulary
   *  or more ids than the context. */
  nextLogits(ids: number[]): Outcome<Float32Array>;
  generate(prompt: string, steps: number, sampler: SamplerSettings, useStudent: boolean): Outcome<Generation>;
  structure(layer: number, matrix: 'gate' | 'up' | 'down', blockRow: number, blockCol: number): Outcome<StructureView>;
  /** The model's tokenizer on `text`, without BOS; `specials`: the text of control and
   * user-defined tokens becomes those tokens (llama.cpp's tokenize(text, false, specials)). */
  tokenize(text: string, specials: boolean): number[];
  /** A GGUF model's chat template (tokenizer.chat_template, Jinja) and the texts its bos_token and
   *  eos_token stand for; null for a model without one. */
  chatTemplate(): ChatTemplate | null;
  /** On: the prompts of analyze, evaluate, precision and generate are chat-wrapped text, and the
   *  text of BOS and EOS in them is those tokens (as llama.cpp's parse_special). Off by default. */
  setParseSpecials(on: boolean): void;
  /** Frees the C++ object (Embind objects are not garbage-collected). */
  delete(): void;
}

/** What a model file is, from its head (cpp/model/model_card.h). Sizes in bytes. */
export interface ModelCard {
  name: string;               // GGUF's general.name, else the file's name
  format: string;             // "GGUF v3", "float16 checkpoint"
  architecture: string;       // "llama", "qwen2"
  tokenizer: string;          // "llama (SentencePiece)", "gpt2 (byte-level BPE, qwen2)", "a separate tokenizer.bin"
  chatTemplate: boolean;
  config: ModelConfig;
  parameters: number;         // of the dense model
  mlpParameters: number;      // of its MLPs, every layer: what a student replaces
  tensorTypes: { type: string; tensors: number; bytes: number }[];  // most bytes first
  fileBytes: number;
  weightBytes: number;        // float32 weights the load makes (0: a float32 .bin's bytes are its weights)
  runBytes: number;           // one run's state, mostly the KV cache at the model's full context
}

export interface EngineModule {
  Engine: typeof Engine;
  /** The card of a model file from its first bytes and its length; a GGUF head too short for the
   *  metadata fails with "the file ends inside …" (read more and ask again). */
  inspectModel(head: Uint8Array, fileSize: number, name: string): Outcome<ModelCard>;
  /** Mean and 95 % Student-t interval of per-prompt values; with the metric's name, exactly as
   *  Comparison computes it (top1 and top5 bounds clipped to [0, 1]). */
  meanInterval(values: number[], metric?: 'kl' | 'cosine' | 'top1' | 'top5'): Interval;
  /** The median (mean of the middle two for an even count), as the engine's benchmarks take it. */
  median(values: number[]): number;
  /** The block sizes the engine accepts (1, 2, 4, …, 256): the page's slider offers these. */
  blockSizes(): number[];
  /** One user message with the generation prompt, rendered by the CLI's renderer of the template
   *  families it knows (cpp/model/chat_template.h); an error for a template of another family. */
  renderChat(template: string, bosText: string, eosText: string, message: string): Outcome<string>;
  /** The engine's thread count from now on (cpp/util/thread_pool.h; the caller is one of them) → the
   *  count now; an error outside 1…256. The single-threaded build (engine.js) stays at 1; the threaded
   *  one (engine-mt.js) must not be given more than threadPoolSize + 1 (web/threads.js keeps it so). */
  setThreads(count: number): Outcome<number>;
  /** The current thread count. */
  threads(): number;
  /** The machine's cores as the engine sees them (navigator.hardwareConcurrency; 1 in engine.js). */
  hardwareThreads(): number;
  /** Grows the heap by `bytes` and writes each new page once, so a model loaded next lands on
   *  written pages (cpp/wasm/heap_binding.cc); false when the heap cannot hold that much. */
  reserveHeap(bytes: number): boolean;
}

/** Under Node (and in the worker) pass the wasm bytes: {wasmBinary}. The threaded build
 *  (engine-mt.js, a cross-origin isolated page only) also takes threadPoolSize (pthreads started with
 *  the module), mainScriptUrlOrBlob (engine-mt.js's URL, for them) and locateFile (engine-mt.worker.js's
 *  URL). */
export default function createEngineModule(options?: {
  wasmBinary?: ArrayBuffer | Uint8Array; threadPoolSize?: number; mainScriptUrlOrBlob?: string;
  locateFile?: (file: string) => string;
}): Promise<EngineModule>;
