// Our engine against llama.cpp itself (@wllama/wllama 2.3.7, its single-thread WebAssembly build)
// on GGUF files: `circulant convert` of the shipped model and of stories260K, and synthetic models
// with random weights in every tensor type we read (build/native/make_synthetic_gguf). Both engines
// get the same token ids, no BOS added by either; the test compares llama.cpp's next-token
// distribution with ours as KL(llama.cpp ‖ ours) in nats, per prompt, and prints the largest and
// the mean for each file.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { serveStatic } from './static-server.mjs';
import { check, figures, root, skip, test } from './harness.mjs';

const OUT = `${root}build/oracle`;
const CLI = `${root}build/native/circulant`;
const MAKER = `${root}build/native/make_synthetic_gguf`;
const PEER = `${root}../shared/peer-models`;

// Limits in nats on the mean KL over a file's prompts and on its largest. Float32 files: both
// engines compute the same float32 model and differ only in summation order (measured: about
// 1e-12). Otherwise llama.cpp also rounds the activations before its products (to float16 for
// F16, bfloat16 for BF16, blocks of 8-bit integers for the Q types), which we do not, so the KL
// grows with that rounding and varies with the prompts (measured on 2026-12-03, largest and mean:
// F16 2.6e-6 and 1.4e-6, BF16 2.2e-4 and 9.7e-5, Q8_0 2.3e-3 and 1.1e-3, the K types 4.3e-3 and
// 2.3e-3, and 6.3e-3 on one prompt of another random set; stories260K's Q8_0, whose ffn_down is
// F16 and whose distributions are sharp, 1.1e-3 and 4.1e-4). The converted models keep the issue's
// limits on the mean (1e-5 for F32, 1e-3 for F16 and Q8_0); the others sit at least 4 times
// above the figures measured. A wrong decoder is far above every limit: with Q4_K's packed scales and
// mins of sub-blocks 4–7 swapped, the Q4_K, Q5_K and Q4_K_M files gave mean KLs of 1.3 to 4.9
// nats, and with Q4_0's nibbles read interleaved instead of as halves, 0.57.
const CONVERTED_LIMIT = { f32: { mean: 1e-5, max: 1e-5 }, f16: { mean: 1e-3, max: 1e-3 },
  q8_0: { mean: 1e-3, max: 3e-3 } };
const SYNTHETIC_LIMIT = { f32: { mean: 1e-8, max: 1e-8 }, f16: { mean: 1e-4, max: 1e-4 },
  bf16: { mean: 1e-3, max: 1e-3 }, q8_0: { mean: 5e-3, max: 1e-2 }, q4_0: { mean: 5e-3, max: 1e-2 },
  q4_k: { mean: 1e-2, max: 2e-2 }, q5_k: { mean: 1e-2, max: 2e-2 }, q6_k: { mean: 1e-2, max: 2e-2 },
  q4_k_m: { mean: 1e-2, max: 2e-2 } };

// The synthetic files: grouped-query attention with 9 heads over 3 KV heads, qwen2 with q/k/v
// biases and RoPE on halves, tied and separate classifiers, and every type (rows of 256 values,
// so the K types' 256-value blocks fit every matrix).
const SMALL = ['--dim', '256', '--hidden', '512', '--layers', '2', '--heads', '4', '--kv-heads', '2', '--vocab', '512'];
const SYNTHETIC = [
  { name: 'llama-gqa9x3-f32', type: 'f32', args: ['--dim', '288', '--hidden', '768', '--layers', '2', '--heads', '9',
    '--kv-heads', '3', '--vocab', '600', '--classifier', 'tied'] },
  { name: 'qwen2-f32-separate', type: 'f32', args: ['--arch', 'qwen2', ...SMALL, '--classifier', 'separate'] },
  { name: 'qwen2-q8_0-tied', type: 'q8_0', args: ['--arch', 'qwen2', ...SMALL, '--classifier', 'tied'] },
  ...['f16', 'bf16', 'q8_0', 'q4_0', 'q4_k', 'q5_k', 'q6_k', 'q4_k_m'].map((type, i) => ({
    name: `llama-${type}`, type, args: [...SMALL, '--classifier', i % 2 ? 'separate' : 'tied'] })),
];

// Prompts of random ids (BOS first) at lengths from 1 to 200, so positions far into the context
// (RoPE, the KV cache) are compared too.
function randomPrompts(vocab, seed) {
  let state = seed;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);  // a 32-bit LCG
  return [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 200].map((n) =>
    [1, ...Array.from({ length: n - 1 }, () => 3 + (next() % (vocab - 3)))]);
}

function summary(rows) {
  const kls = rows.map((r) => r.kl);
  return { max: Math.max(...kls), mean: kls.reduce((a, b) => a + b, 0) / kls.length,
    top1: rows.filter((r) => r.sameTop1).length / rows.length,
    entropy: rows.reduce((a, r) => a + r.entropy, 0) / rows.length };
}

const format = (s) => `KL max ${s.max.toExponential(2)}, mean ${s.mean.toExponential(2)} nats; ` +
  `top-1 agreement ${(100 * s.top1).toFixed(0)} %, llama.cpp's mean entropy ${s.entropy.toFixed(2)} nats`;

export async function oracleSuite({ browser, errors }) {
  mkdirSync(OUT, { recursive: true });
  const server = await serveStatic(root);
  const page = await browser.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  const lecture = readFileSync(`${root}models/prompts/lecture-20.txt`, 'utf8').split('\n').filter((line) => line.trim());
  figures.oracle = {};
  // Compares both engines on build/oracle/NAME.gguf; fails past either of `limit`'s bounds.
  const compareFile = async (name, prompts, limit, options) => {
    const rows = await page.evaluate(({ url, prompts, options }) => window.oracle.compare(url, prompts, options),
      { url: `/build/oracle/${name}.gguf`, prompts, options });
    const s = summary(rows);
    figures.oracle[name] = s;
    console.log(`    ${name}: ${format(s)} over ${rows.length} prompts`);
    check(s.mean < limit.mean, `${name}: KL(llama.cpp ‖ ours) averages ${s.mean} nats, above ${limit.mean}`);
    check(s.max < limit.max, `${name}: KL(llama.cpp ‖ ours) reaches ${s.max} nats, above ${limit.max}`);
  };
  try {
    await page.goto(`http://127.0.0.1:${server.port}/tests/browser/oracle.html`);
    await page.waitForFunction(() => window.oracle, null, { timeout: 60_000 });
    const converted = [
      { model: 'default', bin: `${root}models/default.bin`, tokenizer: `${root}models/tokenizer.bin` },
      { model: 'stories260K', bin: `${PEER}/stories260K.bin`, tokenizer: `${PEER}/tok512.bin` },
    ];
    for (const { model, bin, tokenizer } of converted) {
      for (const [type, limit] of Object.entries(CONVERTED_LIMIT)) {
        await test(`llama.cpp and our engine agree on ${model} converted to ${type.toUpperCase()} GGUF (mean KL < ${limit.mean} on the 20 lecture prompts)`, async () => {
          if (!existsSync(bin)) skip(`${bin} is absent (the peer model is not installed here)`);
          const name = `${model}-${type}`;
          execFileSync(CLI, ['convert', '--model', bin, '--tokenizer', tokenizer, '--out', `${OUT}/${name}.gguf`,
            '--type', type]);
          await compareFile(name, lecture, limit, { fromText: true });
        });
      }
    }
    for (const { name, type, args } of SYNTHETIC) {
      const limit = SYNTHETIC_LIMIT[type];
      await test(`llama.cpp and our engine agree on a synthetic ${name} GGUF (mean KL < ${limit.mean})`, async () => {
        const seed = 1 + SYNTHETIC.findIndex((s) => s.name === name);
        execFileSync(MAKER, [...args, '--type', type, '--seed', String(seed), '--context', '256',
          '--out', `${OUT}/${name}.gguf`]);
        const vocab = Number(args[args.indexOf('--vocab') + 1]);
        await compareFile(name, randomPrompts(vocab, seed), limit, { nCtx: 256 });
      });
    }
  } finally {
    await page.close();
    await server.close();
  }
}
