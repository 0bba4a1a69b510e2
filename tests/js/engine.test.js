// The real wasm engine in Node (no mocks): B = 1 is the teacher itself, B = 64 drifts from it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDefaultEngine, modelFiles } from './load-engine.js';

const PROMPT = 'Explain how a teacher-student comparison using last-token logits can reveal approximation error.';
const plan = (block, extra = {}) => ({ block, layers: 'all', matrices: 'gate,up,down', projection: 'frobenius', lambda: 0.01, ...extra });

describe('wasm engine', () => {
  let module;
  let engine;
  let config;
  beforeAll(async () => {
    ({ module, engine, config } = await loadDefaultEngine());
  });
  afterAll(() => engine?.delete());

  it('loads the model and reports its shape', () => {
    expect(config.nLayers).toBeGreaterThan(0);
    expect(config.vocabSize).toBeGreaterThan(0);
    const p = engine.parameters();
    expect(p.studentTotal).toBe(p.teacherTotal);
  });

  it('B = 1 gives back the teacher: KL < 1e-6 and top-1 = 1', () => {
    expect(engine.setPlan(plan(1), false).error).toBeUndefined();
    const a = engine.analyze(PROMPT).value;
    expect(a.last.kl).toBeLessThan(1e-6);
    expect(a.last.top1).toBe(1);
    expect(a.last.cosine).toBeGreaterThan(0.999999);
    expect(a.pieces.length).toBe(a.tokens.length);
    expect(a.teacherTop).toHaveLength(10);
  });

  it('B = 64 drifts from the teacher and stores fewer parameters', () => {
    expect(engine.setPlan(plan(64), false).error).toBeUndefined();
    const a = engine.analyze(PROMPT).value;
    expect(a.last.kl).toBeGreaterThan(0);
    const p = engine.parameters();
    expect(p.studentMlp).toBeLessThan(p.teacherMlp);
  });

  it('evaluates all prompt positions and gives an interval', () => {
    const c = engine.evaluate([PROMPT, 'Once upon a time'], 'all').value;
    expect(c.prompts).toHaveLength(2);
    expect(c.kl.low).toBeLessThanOrEqual(c.kl.mean);
    expect(c.kl.high).toBeGreaterThanOrEqual(c.kl.mean);
    const interval = module.meanInterval(c.prompts.map((p) => p.kl));
    expect(interval.mean).toBeCloseTo(c.kl.mean, 12);
  });

  it('returns errors as values with messages', () => {
    expect(engine.analyze('').error).toMatch(/empty/i);
    expect(engine.setPlan(plan(3), false).error).toMatch(/power of two|block/i);
    expect(engine.setPlan(plan(64, { layers: '99' }), false).error).toMatch(/layer/i);
    expect(engine.structure(0, 'wq', 0, 0).error).toBeDefined();
    const broken = new module.Engine();
    const f = modelFiles();
    const result = broken.load(f.model.slice(0, 100), 'broken.bin', f.tokenizer, f.tokenizerName, 512 * 2 ** 20, null, 0);
    expect(result.error).toMatch(/broken\.bin/);
    broken.delete();
  });

  it("shows a block, the student's and the difference", () => {
    expect(engine.setPlan(plan(16), false).error).toBeUndefined();
    const v = engine.structure(0, 'gate', 0, 0).value;
    expect(v.size).toBe(16);
    expect(v.dense).toHaveLength(256);
    expect(v.relativeError).toBeGreaterThan(0);
    // A circulant block is constant along its wrapped diagonals.
    expect(v.student[1 * 16 + 1]).toBeCloseTo(v.student[0], 6);
  });

  it('generates greedily and deterministically with teacher and student', () => {
    const sampler = { temperature: 0, topP: 0.9, repeatPenalty: 1, seed: 42 };
    const a = engine.generate('Once upon a time', 24, sampler, false).value;
    const b = engine.generate('Once upon a time', 24, sampler, false).value;
    expect(a.text).toBe(b.text);
    expect(a.tokens.length).toBeGreaterThan(a.promptTokens);
    expect(engine.generate('Once upon a time', 24, sampler, true).error).toBeUndefined();
  });
});
