// The Web Worker that hosts the wasm engine, so the page never freezes while the model runs.
//
// Protocol (one message each way; see web/engine-host.js for the verbs' code):
//   page → worker   {verb, args, id}
//                   {compiledEngine: {url, module}}   first, to a worker named COMPILED_BY_PAGE
//   worker → page   {id, progress: {done, total, label, partial?}}   zero or more, for long verbs
//                   {id, result}                                     on success, exactly once
//                   {id, error: message, cancelled?: true}           on failure, exactly once
// Verbs and their args → result:
//   load       {model, modelName, tokenizer, tokenizerName, calibrationSets, threads?}
//              model/tokenizer: Blob, ArrayBuffer or Uint8Array; calibrationSets: {name: lines[]};
//              threads: as `threads`' count, set before the model is read
//              → {config, card, parameters, maxModelBytes, returned: {model?, tokenizer?}, chat, threads}
//              card: the file's ModelCard (cpp/wasm/engine.d.ts), read before the rest; a model
//              that cannot fit the heap is refused then; an error with unloaded: true means the
//              previous model was unloaded to make room; chat: a GGUF model's chat template
//              {source, bosText, eosText}, or null
//              ArrayBuffers are best transferred (no copy); they come back, transferred, in
//              `returned` once the engine holds its own copy, so the page can load them again
//   plan       {plan}                                → {plan, parameters}
//   analyze    {plan, prompt, existingOnly?}         → {analysis, parameters}
//              existingOnly: a distilled student that would need training is refused ('not distilled
//              yet') rather than trained (the first view's analysis, asked for with the load)
//   evaluate   {plan, prompts, positions}            → {prompts, kl, cosine, top1, top5} (intervals)
//   students   {bytes, name}                        → {blocks}   a student file of the loaded teacher
//   sweep      {plan, prompts, positions, blocks, references?}
//              → {rows: [{series, block, kl, cosine, top1, top5, parameters}], skipped: [{series, block, error}]}
//              series: 'plan', or a reference of the same layers and matrices: 'frobenius',
//              'distilled' (saved or earlier-distilled students only), 'removed' (one row)
//              progress.partial carries each finished (or skipped) row, so a chart can fill in as it goes
//   generate   {plan, prompt, steps, sampler}        → {teacher: Generation, student: Generation}
//              steps: positions in total, BOS and prompt included (llama2.c's -n)
//   benchmark  {plan, promptTokens, decodeTokens, runs, uncachedStudent?}
//              → {teacher, student, studentUncached?, runs: {teacher: Throughput[], student: Throughput[],
//                 studentUncached?: Throughput[]}, bound: DecodeBound}
//              one engine call per run, interleaved after a warm-up; teacher/student/studentUncached
//              are the medians over runs, `runs` each run's figures. uncachedStudent: also the same
//              student recomputing FFT(c) on every call (its spectrum cache off, on again after);
//              an error for a student without FFT operators (B = 1, low-rank, removed)
//   speed      {plan, blocks, promptTokens, decodeTokens, runs}
//              → {rows: [{block, teacher, student, speedup}], bound: DecodeBound}: the teacher and
//              the plan's structure (projected) at each block size, `runs` rounds of one run each,
//              interleaved; each figure {median, low, high} over rounds, each speed-up against its
//              round's teacher; progress.partial.rows holds every row after each round
//   precision  {plan, prompts, positions}           → PrecisionReport {productError: {float32, float16},
//              float32: Comparison, float16: Comparison, shift: Interval}: the student's FFTs in
//              float32 (as it runs) and with float16 stores (x, X̂, Ĉ, product spectrum, y); shift is
//              KL(student float32 ‖ student float16); the student is float32 again afterwards; an
//              error for a student without FFT operators
//   structure  {plan, layer, matrix, blockRow, blockCol} → StructureView
//   reserve    {bytes}                               → true when the heap grew by `bytes`, each page
//              written once (before any model is loaded: false after), so a load lands on them
//   threads    {count}                               → {build, threads, available, cores, included, failure}
//              how many threads the engine runs on (count 0: all it may use, more is cut to that) and
//              why (web/threads.js): build 'threaded' where the page is cross-origin isolated, else
//              'single'; failure: why a threaded engine that should have started did not
//   cancel     {ids?}  cancels those requests (all queued and running ones when ids is absent);
//              each answers {id, error: 'cancelled', cancelled: true} at its next granular step
// Any verb's args may say chat: true: its `prompt` and `prompts` are then wrapped as a user message
// with the model's chat template (@huggingface/jinja, web/chat.js) and the engine reads the text of
// BOS and EOS in them as those tokens; without it, prompts are plain text.
// `plan` is a PlanSpec (cpp/wasm/engine.d.ts) plus `calibration` (a calibrationSets name); the
// student is rebuilt only when the plan differs from the last one. A distill plan that must train
// does so inside whichever verb needs it first, with progress.partial.distill = {step, steps,
// batchKl, heldOutKl? (every 10 steps, lecture prompts, all positions), ms} and, for analyze,
// progress.partial.analysis of its prompt. Requests run one at a time in arrival order; cancel is
// handled at once (between distillation chunks of 5 steps).
import createEngineModule from './engine/engine.js';
import wasmUrl from './engine/engine.wasm?url';
import { COMPILED_BY_PAGE, compileEngine } from './engine-compile.js';
import { createEngineHost } from './engine-host.js';
import { loadThreadedEngine } from './engine-threaded.js';
import { chooseBuild, poolSize } from './threads.js';

// The page compiles the engine and posts the module (web/worker-factory.js) to a worker it named
// so; that worker waits for the page's one message rather than fetching the engine again, and
// fetches it only where the page's module is not the build it starts, or the page could not
// compile it.
let receivePageEngine;
const pageEngine = new Promise((resolve) => { receivePageEngine = resolve; });

async function engineModule(url) {
  if (self.name === COMPILED_BY_PAGE) {
    const { url: compiledUrl, module } = await pageEngine;
    if (module && new URL(compiledUrl).href === new URL(url, self.location.href).href) return module;
  }
  return compileEngine(url);
}

// Starts the engine at `url` with Emscripten's loader `create`, which instantiates it through its
// instantiateWasm hook (a failed instantiation rejects too).
async function startEngine(create, url, options = {}) {
  const compiled = await engineModule(url);
  // For bench/page-load.mjs: when the engine was compiled, on the clock all pages share (ms since 1970).
  self.engineCompiledAt = performance.timeOrigin + performance.now();
  return new Promise((resolve, reject) => {
    create({
      ...options,
      instantiateWasm(imports, receive) {
        WebAssembly.instantiate(compiled, imports).then((instance) => receive(instance, compiled), reject);
        return {};  // the exports follow through receive
      },
    }).then(resolve, reject);
  });
}

// The threaded engine where the page is cross-origin isolated, else the single-threaded one; a
// threaded engine that fails to start leaves the single-threaded one, and the reason to show.
async function loadModule() {
  const cores = navigator.hardwareConcurrency || 1;
  const build = { threaded: false, pool: 0, cores, included: !!loadThreadedEngine, failure: '' };
  if (chooseBuild({ isolated: self.crossOriginIsolated, sharedMemory: typeof SharedArrayBuffer === 'function',
    included: build.included, cores }) === 'threaded') {
    try {
      const module = await loadThreadedEngine(startEngine, poolSize(cores));
      module.build = { ...build, threaded: true, pool: poolSize(cores) };
      return module;
    } catch (error) {
      build.failure = error?.message || String(error);
    }
  }
  const module = await startEngine(createEngineModule, wasmUrl);
  module.build = build;
  return module;
}

const host = createEngineHost(loadModule);

self.onmessage = (event) => {
  if (event.data?.compiledEngine) receivePageEngine(event.data.compiledEngine);
  else host.handle(event.data, (message, transfer = []) => self.postMessage(message, transfer));
};
host.prepare();  // start the engine (the page's module, once posted) while the page fetches the model
