// The two lecture measurements on the real wasm engine, through the Engine and through the worker's
// verbs: the student with its spectrum cache off beside the cached one (benchmark uncachedStudent),
// and float32 against float16 inside the student's FFTs (precision).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineHost } from '../../web/engine-host.js';
import { callHost, lines, loadDefaultEngine, loadEngineModule, modelFiles } from './load-engine.js';

const PROMPT = 'Once upon a time, a little fox found a shiny stone.';
const PROMPTS = lines('models/prompts/lecture-20.txt').slice(0, 3);
const plan = (block, extra = {}) => ({ block, layers: 'all', matrices: 'gate,up,down', projection: 'frobenius', lambda: 0.01, ...extra });
const QUICK = { promptTokens: 8, decodeTokens: 4, runs: 1 };
const WITHOUT_FFT = [plan(1), plan(16, { structure: 'low-rank' }), plan(16, { structure: 'removed' })];

describe('engine: spectrum cache and FFT precision', () => {
  let engine;
  beforeAll(async () => {
    ({ engine } = await loadDefaultEngine());
  });
  afterAll(() => engine?.delete());

  it('measures the uncached student beside the cached one and turns the cache back on', () => {
    expect(engine.setPlan(plan(16), false).error).toBeUndefined();
    const before = engine.analyze(PROMPT).value.positions;
    const speed = engine.benchmark({ ...QUICK, uncachedStudent: true }).value;
    for (const who of ['teacher', 'student', 'studentUncached']) expect(speed[who].decode).toBeGreaterThan(0);
    expect(engine.analyze(PROMPT).value.positions).toEqual(before);  // bit for bit
    expect(engine.benchmark(QUICK).value.studentUncached).toBeUndefined();
  });

  it('compares float32 and float16 inside the FFTs, then runs in float32 again', () => {
    expect(engine.setPlan(plan(16), false).error).toBeUndefined();
    const before = engine.analyze(PROMPT).value.positions;
    const r = engine.precision(PROMPTS, 'all').value;
    // Measured natively (first 4 lecture prompts): 1.6e-7 and 4.6e-4.
    expect(r.productError.float32).toBeLessThan(1e-6);
    expect(r.productError.float16).toBeGreaterThan(2e-4);
    expect(r.productError.float16).toBeLessThan(1.5e-3);
    expect(r.float32.kl.mean).toBe(engine.evaluate(PROMPTS, 'all').value.kl.mean);
    expect(r.float16.kl.mean).not.toBe(r.float32.kl.mean);
    expect(r.float16.prompts).toHaveLength(PROMPTS.length);
    expect(r.shift.mean).toBeGreaterThan(0);
    expect(r.shift.mean).toBeLessThan(1e-6);
    expect(engine.analyze(PROMPT).value.positions).toEqual(before);
  });

  it('answers students without FFT operators with errors that say what to choose', () => {
    for (const p of WITHOUT_FFT) {
      expect(engine.setPlan(p, false).error).toBeUndefined();
      expect(engine.benchmark({ ...QUICK, uncachedStudent: true }).error).toMatch(/no spectrum to uncache.*block size of 2 or more/);
      expect(engine.benchmark(QUICK).error).toBeUndefined();
      expect(engine.precision(PROMPTS, 'last').error).toMatch(/no FFT to run in float16/);
    }
  });
});

const call = callHost;

describe('worker verbs: benchmark uncachedStudent, precision', () => {
  let host;
  let module;
  beforeAll(async () => {
    module = await loadEngineModule();
    host = createEngineHost(async () => module);
    const loaded = await call(host, 'load', { ...modelFiles(), calibrationSets: {} });
    expect(loaded.error).toBeUndefined();
  });

  it('returns the medians and every run, the uncached student only when asked', async () => {
    const args = { plan: plan(16), promptTokens: 8, decodeTokens: 4, runs: 3 };
    const answer = await call(host, 'benchmark', { ...args, uncachedStudent: true });
    expect(answer.error).toBeUndefined();
    const { result } = answer;
    expect(Object.keys(result.runs).sort()).toEqual(['student', 'studentUncached', 'teacher']);
    for (const who of ['teacher', 'student', 'studentUncached']) {
      expect(result.runs[who]).toHaveLength(3);
      expect(result[who].decode).toBe(module.median(result.runs[who].map((t) => t.decode)));
      expect(result[who].prefill).toBe(module.median(result.runs[who].map((t) => t.prefill)));
    }
    expect(result.bound.weightBytes).toBeGreaterThan(0);
    const plain = (await call(host, 'benchmark', args)).result;
    expect(plain.studentUncached).toBeUndefined();
    expect(Object.keys(plain.runs).sort()).toEqual(['student', 'teacher']);
    const refused = await call(host, 'benchmark', { ...args, plan: plan(1), uncachedStudent: true });
    expect(refused.error).toMatch(/no spectrum to uncache/);
  });

  it('reports float32 against float16 for the plan, and errors for a student without FFTs', async () => {
    const answer = await call(host, 'precision', { plan: plan(64), prompts: PROMPTS, positions: 'last' });
    expect(answer.error).toBeUndefined();
    const r = answer.result;
    expect(r.productError.float16).toBeGreaterThan(100 * r.productError.float32);
    expect(r.float32.prompts).toHaveLength(PROMPTS.length);
    expect(r.shift.low).toBeLessThanOrEqual(r.shift.mean);
    const evaluated = await call(host, 'evaluate', { plan: plan(64), prompts: PROMPTS, positions: 'last' });
    expect(evaluated.result.kl.mean).toBeCloseTo(r.float32.kl.mean, 12);
    const refused = await call(host, 'precision', { plan: WITHOUT_FFT[1], prompts: PROMPTS, positions: 'last' });
    expect(refused.error).toMatch(/no FFT to run in float16/);
  });
});
