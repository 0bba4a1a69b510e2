// The oracle page's two engines: ours (web/engine/engine.js, the page's WebAssembly build) and
// llama.cpp as @wllama/wllama ships it (its single-thread build: this page is not cross-origin
// isolated). window.oracle.compare loads one GGUF file into both, gives both the same token ids
// and returns how far apart their next-token distributions are.
import createEngineModule from '/web/engine/engine.js';
import { Wllama } from '/node_modules/@wllama/wllama/esm/index.js';

const WLLAMA_WASM = {
  'single-thread/wllama.wasm': '/node_modules/@wllama/wllama/esm/single-thread/wllama.wasm',
  'multi-thread/wllama.wasm': '/node_modules/@wllama/wllama/esm/multi-thread/wllama.wasm',
};
const MAX_MODEL_BYTES = 1 << 30;

const modulePromise = fetch('/web/engine/engine.wasm').then((r) => r.arrayBuffer())
  .then((wasmBinary) => createEngineModule({ wasmBinary }));

// Log-probabilities of a softmax over `logits`, in float64.
function logSoftmax(logits) {
  let max = -Infinity;
  for (const x of logits) max = Math.max(max, x);
  let sum = 0;
  for (const x of logits) sum += Math.exp(x - max);
  const logZ = max + Math.log(sum);
  return Float64Array.from(logits, (x) => x - logZ);
}

// KL(llama.cpp ‖ ours) in nats, llama.cpp's top-1 token, and its entropy. wllama's getLogits(-1)
// gives every token's probability (exp of each logit over their float32 sum, sorted), not the
// logits; they are renormalised in float64 first, since the float32 sum of a large vocabulary is
// off by about 1e-6 and that would bias the KL by as much. Tokens whose probability underflowed
// to 0 in llama.cpp add nothing to this direction of the KL, which is why it is this one.
function compareDistributions(probabilities, ours) {
  let total = 0;
  for (const { p } of probabilities) total += p;
  const logQ = logSoftmax(ours);
  let kl = 0, entropy = 0;
  for (const { token, p } of probabilities) {
    if (p <= 0) continue;
    const q = p / total;
    kl += q * (Math.log(q) - logQ[token]);
    entropy -= q * Math.log(q);
  }
  let ourTop = 0;
  for (let i = 1; i < ours.length; ++i) if (ours[i] > ours[ourTop]) ourTop = i;
  return { kl: Math.max(kl, 0), entropy, sameTop1: probabilities[0].token === ourTop };
}

// The prompts' token ids by our engine's tokenizer (BOS first), for a model that has one.
async function tokenize(engine, prompts) {
  return prompts.map((prompt) => {
    const analysis = engine.analyze(prompt);
    if (analysis.error) throw new Error(`our engine cannot tokenize ${JSON.stringify(prompt)}: ${analysis.error}`);
    return analysis.value.tokens;
  });
}

// `url`: a GGUF file; `idsOrPrompts`: token id arrays, or (with `fromText`) texts that our engine
// tokenizes. Returns one {kl, entropy, sameTop1, tokens} per prompt.
async function compare(url, idsOrPrompts, { fromText = false, nCtx = 512 } = {}) {
  const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
  const module = await modulePromise;
  const engine = new module.Engine();
  const wllama = new Wllama(WLLAMA_WASM, { suppressNativeLog: true,
    logger: { debug() {}, log() {}, warn() {}, error: console.error } });
  try {
    const loaded = engine.load(bytes, url.split('/').pop(), new Uint8Array(0), '', MAX_MODEL_BYTES, null, 0);
    if (loaded.error) throw new Error(`our engine refused ${url}: ${loaded.error}`);
    // float32 KV cache: llama.cpp's default float16 one would round every key and value.
    await wllama.loadModel([new Blob([bytes])], { n_threads: 1, n_ctx: nCtx, n_batch: nCtx, seed: 1,
      cache_type_k: 'f32', cache_type_v: 'f32', flash_attn: false });
    const prompts = fromText ? await tokenize(engine, idsOrPrompts) : idsOrPrompts;
    const rows = [];
    for (const ids of prompts) {
      const ours = engine.nextLogits(ids);
      if (ours.error) throw new Error(`nextLogits: ${ours.error}`);
      await wllama.kvClear();
      await wllama.decode(ids, {});
      const theirs = await wllama.getLogits(-1);
      if (theirs.length !== ours.value.length)
        throw new Error(`llama.cpp has ${theirs.length} tokens, our engine ${ours.value.length}`);
      rows.push({ ...compareDistributions(theirs, ours.value), tokens: ids.length });
    }
    return rows;
  } finally {
    engine.delete();
    await wllama.exit().catch(() => {});  // nothing to free when loadModel failed
  }
}

window.oracle = { compare };
