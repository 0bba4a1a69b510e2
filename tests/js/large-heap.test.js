// Models past 2 GB of heap. The page's heap grows to 4 GB (MAXIMUM_MEMORY): one whose file and
// float32 weights take more than 2 GB must run there with Emscripten 3.1.6's glue, where a pointer
// read as a signed int would turn every view of the heap above 2 GB (the logits and strings
// handed back) into an error or into other bytes; the same file's logits from the native CLI are
// the reference. One allocation stays below 2 GB (32-bit WebAssembly's allocator), so a model
// whose float32 weights alone pass 2 GB is refused with its figures, by the page before reading
// it and by the engine, not aborted.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFits, distillNeed, readCard } from '../../web/model-intake.js';
import { loadEngineModule, rootPath } from './load-engine.js';

const cli = rootPath('build/native/circulant');
const maker = rootPath('build/native/make_synthetic_gguf');
// 10 layers of dim 1024 and hidden 15,360: 497 M parameters, 1.99 GB as float32 beside a 280 MB
// Q4_0 file. With hidden 16,384 and 11 layers: 600 M, 2.4 GB as float32.
const shape = (hidden, layers) => ['--dim', '1024', '--hidden', String(hidden), '--layers', String(layers),
  '--heads', '16', '--kv-heads', '4', '--vocab', '512', '--context', '256', '--type', 'q4_0'];
const PROMPT = 'abc def';

describe.skipIf(!existsSync(cli) || !existsSync(maker))('a model past 2 GB of heap (needs build/native)', () => {
  let folder, file, tooLarge, module, engine, reference;
  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'large-heap-'));
    file = join(folder, 'large.gguf');
    tooLarge = join(folder, 'too-large.gguf');
    execFileSync(maker, [...shape(15360, 10), '--out', file]);
    execFileSync(maker, [...shape(16384, 11), '--out', tooLarge]);
    reference = JSON.parse(execFileSync(cli, ['logits', '--model', file, '--prompt', PROMPT, '--max-memory', '8'],
      { encoding: 'utf8', maxBuffer: 1 << 24 }));
    module = await loadEngineModule();
    engine = new module.Engine();
  }, 120_000);
  afterAll(() => {
    engine?.delete();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('loads, and the logits and texts it hands back match the native engine\'s', () => {
    const bytes = new Uint8Array(readFileSync(file));
    const loaded = engine.load(bytes, 'large.gguf', new Uint8Array(0), '', 3.5 * 2 ** 30, null, 64);
    expect(loaded.error).toBeUndefined();
    expect(module.HEAP8.buffer.byteLength).toBeGreaterThan(2 ** 31 + 2 ** 26);

    const analysis = engine.analyze(PROMPT);
    expect(analysis.error).toBeUndefined();
    expect(analysis.value.tokens).toEqual(reference.tokens);
    expect(analysis.value.pieces.join('')).toContain('abc def');
    expect(analysis.value.last.kl).toBe(0);  // the student starts as the teacher

    const logits = engine.nextLogits(reference.tokens);
    expect(logits.error).toBeUndefined();
    const ours = logits.value, theirs = reference.last_logits;
    expect(ours.length).toBe(theirs.length);
    const scale = Math.max(...theirs.map(Math.abs));
    let worst = 0;
    for (let i = 0; i < ours.length; ++i) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]));
    // Native and WebAssembly kernels add in different orders; a wrong view would be off by O(scale).
    expect(worst).toBeLessThan(1e-4 * scale);
  }, 180_000);

  it('refuses float32 weights of 2 GB or more in one block, with the figures, before and at loading', async () => {
    const bytes = new Uint8Array(readFileSync(tooLarge));
    const card = await readCard(module, bytes, 'too-large.gguf');
    // In the page its students count too, which is what refuses it there.
    expect(() => checkFits(card, 'too-large.gguf')).toThrow(
      /too-large\.gguf needs about 4\.\d GB in this page.*fits up to about 5\d\d M parameters/);
    const fresh = new module.Engine();
    const loaded = fresh.load(bytes, 'too-large.gguf', new Uint8Array(0), '', 3.5 * 2 ** 30, null, 64);
    fresh.delete();
    expect(loaded.error).toMatch(/too-large\.gguf.*weights take \d+ MB as float32, in one block.*about 536 M parameters/);
  }, 120_000);
});

describe('the page\'s one-block bound', () => {
  it('refuses float32 weights of 2 GB in one piece even when the total would fit', () => {
    // An attention-heavy model: small MLPs, so small students; 550 M parameters in all.
    const card = { parameters: 550e6, mlpParameters: 20e6, weightBytes: 2.2e9, fileBytes: 0.6e9,
      runBytes: 2 ** 20, config: { seqLen: 256 } };
    expect(() => checkFits(card, 'wide.gguf')).toThrow(
      /wide\.gguf cannot load in this page: its float32 weights take 2\.0 GB in one piece.*up to about 536 M parameters/);
    expect(checkFits({ ...card, parameters: 500e6, weightBytes: 2.0e9 }, 'narrower.gguf').total).toBeLessThan(2 ** 32);
  });
});

describe('the page\'s size of a distillation step', () => {
  it('counts the backward pass\'s tape of every layer, the logits and the moments', () => {
    // The shipped model's shape: dim 288, hidden 768 (a made-up round figure), 6 layers, 6 heads.
    const shipped = { dim: 288, hiddenDim: 768, nLayers: 6, nHeads: 6, nKvHeads: 6, vocabSize: 512, seqLen: 256 };
    const perToken = 7 * (6 * 288 + 2 * 288 + 3 * 768) + 2 * 512;
    expect(distillNeed(shipped, 16, 100, 1000)).toBe(
      2 * (4 * (1600 * perToken + 6 * 6 * 16 * 100 ** 2 + 3000) + 128 * 2 ** 20));
    // SmolLM2-135M's shape at 110 tokens a passage: about the native CLI's measured 5.7 GB, more
    // than the 2.8 GB the page has beside that model.
    const smol = { dim: 576, hiddenDim: 1536, nLayers: 30, nHeads: 9, nKvHeads: 3, vocabSize: 49152, seqLen: 2048 };
    expect(distillNeed(smol, 16, 110, 5e6)).toBeGreaterThan(5.5e9);
  });
});
