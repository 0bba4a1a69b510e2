// A model file's way into the engine, in the worker: its card from the first bytes, the memory it
// will take against the engine's heap (refused, with the figures, before the rest is read), then
// its bytes with progress. No DOM. docs/gguf.md ("In the page") explains the figures.

/** The engine's heap can grow to 4 GiB (cpp/wasm/CMakeLists.txt, MAXIMUM_MEMORY). */
export const HEAP_BYTES = 4 * 2 ** 30;
/** But one allocation stays below 2 GiB (32-bit WebAssembly's allocator; model/checkpoint.h
 *  kLargestBlockBytes): the float32 weights are one block, and so is the file's copy. */
export const BLOCK_BYTES = 2 ** 31 - 2 ** 20;
/** The most positions a run holds in the page: its texts are a few hundred tokens, and a run's KV
 *  cache grows with the context (a 32,768-token model's would take most of the heap). */
export const PAGE_CONTEXT = 4096;
// Activations, FFT plans, the loss-aware statistics, the allocator's slack: measured below 40 MB
// on a 135 M-parameter model (docs/gguf.md), rounded up.
const SCRATCH_BYTES = 64 * 2 ** 20;
// How much of a file is read for its card: a llama2.c or our own header is 28 or 256 bytes, GGUF
// metadata (the vocabulary, merges, template) 0.5–12 MB in real files; a longer one is read whole.
// Each try is copied into the engine, so the small one comes first (4 MB cost the first view 50 ms).
const HEADS = [64 * 2 ** 10, 4 * 2 ** 20, 64 * 2 ** 20];

const GB = 2 ** 30, MB = 2 ** 20;
export const sizeOf = (data) => (data && (data.byteLength ?? data.size)) || 0;
export const amount = (bytes) => (bytes >= GB ? `${(bytes / GB).toFixed(1)} GB` : `${Math.ceil(bytes / MB)} MB`);

async function headOf(data, bytes) {
  if (data instanceof Uint8Array) return data.subarray(0, bytes);
  if (data instanceof ArrayBuffer) return new Uint8Array(data, 0, Math.min(bytes, data.byteLength));
  return new Uint8Array(await data.slice(0, bytes).arrayBuffer());
}

/** The card (cpp/wasm/engine.d.ts ModelCard) from as little of the file as its metadata needs. */
export async function readCard(module, data, name) {
  const size = sizeOf(data);
  let error = `${name}: the file is empty`;
  for (const bytes of [...HEADS.filter((h) => h < size), size]) {
    if (!size) break;
    const card = module.inspectModel(await headOf(data, bytes), size, name);
    if (card.error === undefined) return card.value;
    error = card.error;
    if (!/ends inside/.test(error)) break;  // more bytes would not help
  }
  throw new Error(error);
}

/**
 * What the model takes in the heap, from its card. While the file is read it lies beside the
 * float32 weights made from it; once loaded, the file is freed and the students and the runs use
 * that room. Students: at most one MLP's worth (the speed chart keeps students at B = 2, 4, 8, …,
 * whose MLPs sum to less than the teacher's). Runs: two at once (teacher and student), at the
 * page's context.
 */
export function memoryNeed(card) {
  const ownBytes = card.weightBytes === 0;  // a float32 .bin: its bytes are the weights
  const weights = ownBytes ? card.fileBytes : card.weightBytes;
  const file = ownBytes ? 0 : card.fileBytes;
  const context = Math.min(card.config.seqLen, PAGE_CONTEXT);
  const runs = 2 * card.runBytes * (context / card.config.seqLen);
  const students = card.mlpParameters * 4;
  const total = weights + Math.max(file, students + runs) + SCRATCH_BYTES;
  return { weights, file, students, runs, context, total };
}

/**
 * How many threads the heap can give runs of the model: the engine runs lines side by side, a run
 * on every thread (distillation's teacher targets, cpp/student/distill.cc; prompts evaluated
 * together, cpp/eval/metrics.cc, a teacher's and a student's), so a large model's runs can take
 * more room than its weights. Counted as two a thread; at least 1 for a model checkFits accepts.
 */
export function threadsThatFit(card, room = HEAP_BYTES) {
  const need = memoryNeed(card);
  return Math.max(1, Math.floor((room - need.weights - SCRATCH_BYTES - need.students) / need.runs));
}

/** Throws, naming the figures and what would fit, when `card`'s model cannot be held in `room`. */
export function checkFits(card, name, room = HEAP_BYTES) {
  const need = memoryNeed(card);
  const blockParameters = Math.floor(BLOCK_BYTES / 4 / 1e6);
  if (need.total <= room) {
    if (Math.max(need.weights, card.fileBytes) <= BLOCK_BYTES) return need;
    const what = need.weights >= card.fileBytes ? `its float32 weights take ${amount(need.weights)}`
      : `the file takes ${amount(card.fileBytes)}`;
    throw new Error(`${name} cannot load in this page: ${what} in one piece, and the page's engine (32-bit ` +
      `WebAssembly) holds less than 2 GB in one piece, though its memory reaches ${amount(HEAP_BYTES)}. Models of ` +
      `up to about ${blockParameters} M parameters load; use the CLI for larger ones.`);
  }
  // Per parameter: its float32 weight, its share of the file and of a student; the rest is fixed.
  const perParameter = 4 + Math.max(need.file, need.students) / card.parameters;
  const fits = Math.min(blockParameters * 1e6, Math.max(0, (room - need.runs - SCRATCH_BYTES) / perParameter));
  const loading = need.file >= need.students + need.runs
    ? `the file ${amount(need.file)} beside them while it is read`
    : `students ${amount(need.students)} and runs ${amount(need.runs)}`;
  throw new Error(`${name} needs about ${amount(need.total)} in this page: its ${(card.parameters / 1e6).toFixed(0)} M ` +
    `parameters as float32 weights take ${amount(need.weights)}, with ${loading}. The page's engine has ` +
    `${amount(room)}${room < HEAP_BYTES ? ' left' : ''}: a model of this kind fits up to about ${(fits / 1e6).toFixed(0)} M ` +
    'parameters (the page dequantizes every weight to float32, so a smaller quantized file does not help ' +
    'once it is loaded). Use the CLI for larger models.');
}

const TEACHER_CACHE_BYTES = 128 * 2 ** 20;  // cpp/student/distill.h kTeacherCacheBytes

/**
 * Bytes one distillation step takes beside the loaded model, for `lines` passages of
 * `tokensPerLine` tokens and `trainable` parameters: the tape the backward pass keeps for every
 * layer (cpp/model/backward.cc: 6 dim + 2 kv_dim + 3 hidden values a token, and every head's
 * attention weights), one layer's gradients, the logits and the teacher's targets (a vocabulary
 * a token each), the teacher's cached targets, and the parameters' gradient and Adam moments.
 */
export function distillNeed(config, lines, tokensPerLine, trainable) {
  const { dim, hiddenDim: hidden, nLayers: layers, nHeads: heads, nKvHeads, vocabSize: vocab } = config;
  const layer = 6 * dim + (2 * dim * nKvHeads) / heads + 3 * hidden;
  const perToken = (layers + 1) * layer + 2 * vocab;
  const attention = layers * heads * lines * tokensPerLine ** 2;
  // Twice what is counted: the student's spectra kept for the backward pass, the teacher's runs
  // and the allocator's slack come on top. Measured on a SmolLM2-135M-shaped model (110 tokens a
  // passage, B = 16): counted 2.9 GB, the native CLI's peak 5.7 GB beyond the model (docs/gguf.md).
  return 2 * (4 * (lines * tokensPerLine * perToken + attention + 3 * trainable) + TEACHER_CACHE_BYTES);
}

/** The whole file as bytes, calling onBytes(read, total) as they arrive (a Blob is streamed). */
export async function readBytes(data, name, onBytes) {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (!data || typeof data.arrayBuffer !== 'function') throw new Error(`${name}: expected a file or bytes`);
  const total = data.size;
  if (typeof data.stream !== 'function') return new Uint8Array(await data.arrayBuffer());
  let out;
  try {
    out = new Uint8Array(total);
  } catch {
    throw new Error(`${name}: the browser could not set aside ${amount(total)} to read the file; close other tabs and try again`);
  }
  const reader = data.stream().getReader();
  let read = 0, reported = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (read + value.byteLength > total) throw new Error(`${name}: the file grew while it was read; choose it again`);
    out.set(value, read);
    read += value.byteLength;
    if (read - reported >= 16 * MB || read === total) { onBytes?.(read, total); reported = read; }
  }
  if (read !== total) throw new Error(`${name}: ${read} of ${total} bytes could be read; choose the file again`);
  return out;
}
