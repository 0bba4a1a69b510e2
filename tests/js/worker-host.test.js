// The worker's message API ({verb, args, id} → {id, result | error}), driven in Node with the real engine.
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngineHost, MAX_MODEL_BYTES } from '../../web/engine-host.js';
import { lines, loadEngineModule, modelFiles } from './load-engine.js';

const PLAN = { block: 64, layers: 'all', matrices: 'gate,up,down', projection: 'frobenius', lambda: 0.01, calibration: 'heldout' };

// Sends one request and collects its progress messages and its single answer.
function call(host, verb, args) {
  return new Promise((resolve) => {
    const progress = [];
    host.handle({ verb, args, id: call.next++ }, (message) => {
      if (message.progress) progress.push(message.progress);
      else resolve({ ...message, progress });
    });
  });
}
call.next = 1;

describe('worker message API', () => {
  let host;
  let files;
  beforeAll(async () => {
    host = createEngineHost(loadEngineModule);
    files = modelFiles();
    const loaded = await call(host, 'load', { ...files, calibrationSets: { heldout: lines('models/prompts/calibration.txt').slice(0, 16) } });
    expect(loaded.error).toBeUndefined();
  });

  it('reports an error naming a corrupt model file, and keeps the loaded model', async () => {
    const corrupt = new Uint8Array(files.model.length);
    corrupt.set(files.model.subarray(0, 28));
    new DataView(corrupt.buffer).setInt32(0, -5, true);  // dim = -5
    const bad = await call(host, 'load', { ...files, model: corrupt, modelName: 'corrupt.bin' });
    expect(bad.result).toBeUndefined();
    expect(bad.error).toMatch(/corrupt\.bin/);
    const truncated = await call(host, 'load', { ...files, model: files.model.slice(0, files.model.length / 2), modelName: 'half.bin' });
    expect(truncated.error).toMatch(/half\.bin/);
    const garbage = await call(host, 'load', { ...files, tokenizer: new Uint8Array([1, 2, 3]), tokenizerName: 'tok.bin' });
    expect(garbage.error).toMatch(/tok\.bin/);
    const still = await call(host, 'analyze', { plan: PLAN, prompt: 'Once upon a time' });
    expect(still.error).toBeUndefined();
  });

  it('refuses a model too large for the browser, with the reason, before reading it', async () => {
    const huge = { size: MAX_MODEL_BYTES + 1, arrayBuffer: () => { throw new Error('must not be read'); } };
    const answer = await call(host, 'load', { ...files, model: huge, modelName: 'huge.bin' });
    expect(answer.error).toMatch(/huge\.bin.*too large.*memory/);
  });

  it('answers unknown verbs and missing plans with errors', async () => {
    expect((await call(host, 'fly', {})).error).toMatch(/unknown verb/);
    expect((await call(host, 'analyze', { prompt: 'x' })).error).toMatch(/plan/);
  });

  it('compares teacher and student and reports progress', async () => {
    const teacher = await call(host, 'analyze', { plan: { ...PLAN, block: 1 }, prompt: 'Once upon a time' });
    expect(teacher.result.analysis.last.kl).toBeLessThan(1e-6);
    const student = await call(host, 'analyze', { plan: PLAN, prompt: 'Once upon a time' });
    expect(student.result.analysis.last.kl).toBeGreaterThan(0);
    expect(student.progress.length).toBeGreaterThan(0);
  });

  it('sweeps block sizes with a partial row per block', async () => {
    const answer = await call(host, 'sweep', { plan: PLAN, prompts: ['Once upon a time'], positions: 'last', blocks: [1, 4, 64] });
    expect(answer.result.rows.map((r) => r.block)).toEqual([1, 4, 64]);
    expect(answer.result.rows[0].kl.mean).toBeLessThan(1e-6);
    expect(answer.progress.filter((p) => p.partial)).toHaveLength(3);
  });

  it('calibrates a loss-aware student; a block it cannot fit is skipped, not fatal', async () => {
    const plan = { ...PLAN, layers: 'first:1', projection: 'loss-aware' };
    const answer = await call(host, 'sweep', { plan, prompts: ['Once upon a time'], positions: 'last', blocks: [1, 64] });
    expect(answer.error).toBeUndefined();
    const blocks = [...answer.result.rows, ...answer.result.skipped].map((r) => r.block).sort((a, b) => a - b);
    expect(blocks).toEqual([1, 64]);
    const row64 = answer.result.rows.find((r) => r.block === 64);
    expect(row64.kl.mean).toBeGreaterThan(0);
    const unknown = await call(host, 'plan', { plan: { ...plan, calibration: 'nope' } });
    expect(unknown.error).toMatch(/calibration set/);
  });

  it('cancels a long request between granular calls', async () => {
    const prompts = lines('models/prompts/lecture-20.txt');
    const pending = call(host, 'evaluate', { plan: { ...PLAN, block: 32 }, prompts, positions: 'all' });
    host.handle({ verb: 'cancel', args: {}, id: 0 }, () => {});
    const answer = await pending;
    expect(answer.cancelled).toBe(true);
    expect(answer.error).toBe('cancelled');
    const after = await call(host, 'evaluate', { plan: PLAN, prompts: prompts.slice(0, 3), positions: 'last' });
    expect(after.result.prompts).toHaveLength(3);
  });
});
