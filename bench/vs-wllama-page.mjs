// One engine per visit: ours (web/engine/, the page's WebAssembly build) or llama.cpp as
// @wllama/wllama ships it (its single-thread build: this page is not cross-origin isolated).
// window.bench.run loads a GGUF file's bytes into the engine and times prefill and decode the
// way the page's speed panel does: a prompt of 64 tokens, then 32 tokens one at a time.
import createEngineModule from '/web/engine/engine.js';
import { Wllama } from '/node_modules/@wllama/wllama/esm/index.js';

const WLLAMA_WASM = {
  'single-thread/wllama.wasm': '/node_modules/@wllama/wllama/esm/single-thread/wllama.wasm',
  'multi-thread/wllama.wasm': '/node_modules/@wllama/wllama/esm/multi-thread/wllama.wasm',
};
const PAGE_CONTEXT = 4096;  // what the page holds a run to (web/model-intake.js)
const MAX_MODEL_BYTES = 3.5 * 2 ** 30;

const median = (v) => {
  const s = [...v].sort((a, b) => a - b), h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

async function ours(bytes, name, { promptTokens, decodeTokens, runs }) {
  const wasmBinary = await (await fetch('/web/engine/engine.wasm')).arrayBuffer();
  const module = await createEngineModule({ wasmBinary });
  const engine = new module.Engine();
  const t0 = performance.now();
  const loaded = engine.load(bytes, name, new Uint8Array(0), '', MAX_MODEL_BYTES, null, PAGE_CONTEXT);
  if (loaded.error) throw new Error(loaded.error);
  const loadMs = performance.now() - t0;
  const timed = [];
  for (let r = 0; r <= runs; ++r) {  // the first run warms up and is not counted
    const t = engine.timeRun(0, { promptTokens, decodeTokens });
    if (t.error) throw new Error(t.error);
    if (r) timed.push(t.value);
  }
  const heapBytes = module.HEAP8.buffer.byteLength;
  engine.delete();
  return { loadMs, prefill: median(timed.map((t) => t.prefill)), decode: median(timed.map((t) => t.decode)), heapBytes };
}

async function theirs(bytes, name, { promptTokens, decodeTokens, runs }) {
  const wllama = new Wllama(WLLAMA_WASM, { suppressNativeLog: true,
    logger: { debug() {}, log() {}, warn() {}, error: console.error } });
  const t0 = performance.now();
  await wllama.loadModel([new Blob([bytes])], { n_threads: 1, n_ctx: PAGE_CONTEXT, n_batch: promptTokens, seed: 1 });
  const loadMs = performance.now() - t0;
  // Token ids spread over the vocabulary (the files are synthetic; any ids cost the same).
  const vocab = wllama.getModelMetadata().hparams?.nVocab ?? 32000;
  const ids = Array.from({ length: promptTokens + decodeTokens }, (_, i) => (i * 7919 + 17) % vocab);
  const timed = [];
  for (let r = 0; r <= runs; ++r) {
    await wllama.kvClear();
    const p0 = performance.now();
    await wllama.decode(ids.slice(0, promptTokens), {});
    const p1 = performance.now();
    for (let i = promptTokens; i < ids.length; ++i) await wllama.decode([ids[i]], {});
    const d1 = performance.now();
    if (r) timed.push({ prefill: promptTokens / ((p1 - p0) / 1e3), decode: decodeTokens / ((d1 - p1) / 1e3) });
  }
  await wllama.exit();
  return { loadMs, prefill: median(timed.map((t) => t.prefill)), decode: median(timed.map((t) => t.decode)) };
}

// `engine`: 'ours' | 'llama.cpp'. The file's fetch is not timed: load time runs from its bytes in
// the page to the engine ready to run.
async function run(engine, url, settings) {
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const name = url.split('/').pop();
  return engine === 'ours' ? ours(bytes, name, settings) : theirs(bytes, name, settings);
}

window.bench = { run };
