// The worker's message API ({verb, args, id} → {id, result | error}), driven in Node with the real engine.
import { beforeAll, describe, expect, it } from 'vitest';
import { NOT_DISTILLED, createEngineHost } from '../../web/engine-host.js';
import { callHost, lines, loadEngineModule, modelFiles } from './load-engine.js';
import { memoryNeed } from '../../web/model-intake.js';

const PLAN = { block: 64, layers: 'all', matrices: 'gate,up,down', projection: 'frobenius', lambda: 0.01, calibration: 'heldout' };

// 16 held-out lines keep calibration quick; the lecture prompts are the distillation's held-out set.
const SETS = { heldout: lines('models/prompts/calibration.txt').slice(0, 16), lecture: lines('models/prompts/lecture-20.txt') };

const call = callHost;

describe('worker message API', () => {
  let host;
  let files;
  beforeAll(async () => {
    host = createEngineHost(loadEngineModule);
    files = modelFiles();
    const loaded = await call(host, 'load', { ...files, calibrationSets: SETS });
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

  it('refuses a model too large for the browser, with the figures and what fits, before reading it', async () => {
    // A llama2.c header of a 7 B-parameter model (dim 4096, hidden 11008, 32 layers, 32 heads,
    // vocabulary 32,000, context 2048); the file's length is what that header implies.
    const header = new Int32Array([4096, 11008, 32, 32, 32, 32000, 2048]);
    const dim = 4096, hidden = 11008, layers = 32, vocab = 32000, seq = 2048;
    const floats = vocab * dim + layers * (2 * dim + 4 * dim * dim + 3 * dim * hidden) + dim + seq * (dim / 32);
    const head = new Uint8Array(256);
    head.set(new Uint8Array(header.buffer));
    const huge = {
      size: 28 + floats * 4,
      slice: (start, end) => ({ arrayBuffer: async () => head.slice(start, Math.min(end, 256)).buffer }),
      arrayBuffer: () => { throw new Error('must not be read'); },
      stream: () => { throw new Error('must not be read'); },
    };
    const answer = await call(host, 'load', { ...files, model: huge, modelName: 'huge.bin' });
    expect(answer.error).toMatch(/huge\.bin needs about [\d.]+ GB in this page/);
    expect(answer.error).toMatch(/fits up to about \d+ M parameters/);
    expect(answer.unloaded).toBeUndefined();
    const still = await call(host, 'analyze', { plan: PLAN, prompt: 'Once upon a time' });
    expect(still.error).toBeUndefined();
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
    const answer = await call(host, 'sweep', { series: [{ name: 'projected', plan: PLAN }], prompts: ['Once upon a time'],
      positions: 'last', blocks: [1, 4, 64], block: 4 });
    expect(answer.result.rows.map((r) => r.block)).toEqual([1, 4, 64]);
    // The page's own block comes last, so the engine ends on the student on screen.
    expect(answer.progress.filter((p) => p.partial).map((p) => p.partial.block)).toEqual([1, 64, 4]);
    expect(answer.result.rows[0].kl.mean).toBeLessThan(1e-6);
    expect(answer.progress.filter((p) => p.partial)).toHaveLength(3);
  });

  it('calibrates a loss-aware student; a block it cannot fit is skipped, not fatal', async () => {
    const plan = { ...PLAN, layers: 'first:1', projection: 'loss-aware' };
    const answer = await call(host, 'sweep', { series: [{ name: 'plan', plan }], prompts: ['Once upon a time'],
      positions: 'last', blocks: [1, 64] });
    expect(answer.error).toBeUndefined();
    const blocks = [...answer.result.rows, ...answer.result.skipped].map((r) => r.block).sort((a, b) => a - b);
    expect(blocks).toEqual([1, 64]);
    // The calibration runs a layer at a time and says which.
    const all = await call(host, 'plan', { plan: { ...plan, layers: 'all', block: 32, projection: 'loss-aware-sequential' } });
    expect(all.error).toBeUndefined();
    expect(all.progress.map((p) => p.label)).toEqual(expect.arrayContaining([
      expect.stringMatching(/layer 1 of \d/), expect.stringMatching(/layer 2 of \d/)]));
    const row64 = answer.result.rows.find((r) => r.block === 64);
    expect(row64.kl.mean).toBeGreaterThan(0);
    const unknown = await call(host, 'plan', { plan: { ...plan, calibration: 'nope' } });
    expect(unknown.error).toMatch(/calibration set/);
  });

  it('distils inside the first verb that needs the student, reporting steps and the held-out KL', async () => {
    const plan = { ...PLAN, block: 16, layers: 'first:2', projection: 'distill',
      distill: { steps: 12, learningRate: 0.003, batch: 8, init: 'frobenius', seed: 1, trainNorms: false } };
    const frobenius = await call(host, 'analyze', { plan: { ...PLAN, block: 16, layers: 'first:2' }, prompt: 'Once upon a time' });
    const answer = await call(host, 'analyze', { plan, prompt: 'Once upon a time' });
    expect(answer.error).toBeUndefined();
    const reports = answer.progress.filter((p) => p.partial?.distill).map((p) => p.partial.distill);
    expect(reports.map((r) => r.step)).toEqual([5, 10, 12]);
    expect(reports.at(-1).steps).toBe(12);
    expect(reports[1].heldOutKl).toBeGreaterThan(0);  // every 10 steps and at the end: lecture prompts
    expect(answer.progress.some((p) => p.partial?.analysis)).toBe(true);  // cards follow the training
    expect(answer.result.analysis.mean.kl).toBeLessThan(frobenius.result.analysis.mean.kl);
    // The same plan again is ready at once (no step runs); a sweep never trains.
    const again = await call(host, 'analyze', { plan: { ...plan, block: 8 }, prompt: 'x' });
    expect(again.error).toBeUndefined();
    const back = await call(host, 'analyze', { plan, prompt: 'Once upon a time' });
    expect(back.progress.some((p) => p.partial?.distill)).toBe(false);
    expect(back.result.analysis.mean.kl).toBe(answer.result.analysis.mean.kl);
    const series = [
      { name: 'projected', plan: { ...plan, projection: 'frobenius', distill: undefined } },
      { name: 'removed', plan: { ...plan, structure: 'removed', projection: 'frobenius', distill: undefined }, once: true },
      { name: 'plan', plan, readyOnly: true },
    ];
    const swept = await call(host, 'sweep', { series, prompts: ['Once upon a time'], positions: 'last', blocks: [1, 4, 8, 16],
      block: 16 });
    expect(swept.result.rows.filter((r) => r.series === 'plan').map((r) => r.block)).toEqual([1, 8, 16]);
    expect(swept.result.skipped.map((r) => [r.block, r.error])).toEqual([[4, 'not distilled yet']]);
    expect(swept.result.rows.filter((r) => r.series === 'projected')).toHaveLength(4);
    expect(swept.result.rows.filter((r) => r.series === 'removed')).toHaveLength(1);
    // Whether a plan's student exists without training: the page asks before it would train.
    expect((await call(host, 'ready', { plan: { ...plan, block: 8 } })).result.ready).toBe(true);
    expect((await call(host, 'ready', { plan: { ...plan, block: 4 } })).result.ready).toBe(false);
    expect((await call(host, 'ready', { plan: PLAN })).result.ready).toBe(true);
  });

  it('an analysis asked for ahead of the page (existingOnly) never starts a distillation', async () => {
    const plan = { ...PLAN, block: 32, layers: 'first:1', projection: 'distill',
      distill: { steps: 6, learningRate: 0.003, batch: 8, init: 'frobenius', seed: 1, trainNorms: false } };
    const refused = await call(host, 'analyze', { plan, prompt: 'Once upon a time', existingOnly: true });
    expect(refused.error).toBe(NOT_DISTILLED);
    expect(refused.progress).toEqual([]);
    expect((await call(host, 'ready', { plan })).result.ready).toBe(false);  // nothing was trained
    // A student that needs no training is analysed as usual.
    const projected = await call(host, 'analyze', { plan: PLAN, prompt: 'Once upon a time', existingOnly: true });
    expect(projected.result.analysis.mean.kl).toBeGreaterThan(0);
  });

  it('makes room for a model before one is loaded, and only then', async () => {
    const fresh = createEngineHost(loadEngineModule);
    expect((await call(fresh, 'reserve', { bytes: 3 * files.model.length })).result).toBe(true);
    expect((await call(fresh, 'reserve', { bytes: 2 ** 33 })).result).toBe(false);  // beyond the heap
    const loaded = await call(fresh, 'load', { ...files, calibrationSets: SETS });
    expect(loaded.error).toBeUndefined();
    expect((await call(fresh, 'reserve', { bytes: 1 << 20 })).result).toBe(false);  // a model is in
    const answer = await call(fresh, 'analyze', { plan: PLAN, prompt: 'Once upon a time' });
    const same = await call(host, 'analyze', { plan: PLAN, prompt: 'Once upon a time' });
    expect(answer.result.analysis.mean.kl).toBe(same.result.analysis.mean.kl);
  });

  it("sizes a distillation's room after the runs every thread beyond the first keeps", async () => {
    // The threaded engine distils lines side by side, a teacher's run on each thread: stand in for
    // a 4-thread engine by the single-threaded one that says it runs 4.
    const four = createEngineHost(async () => Object.assign(await loadEngineModule(), { threads: () => 4 }));
    const loaded = await call(four, 'load', { ...modelFiles(), calibrationSets: SETS });
    const plan = { ...PLAN, block: 4, projection: 'distill',
      distill: { steps: 300, learningRate: 0.003, batch: 16, init: 'frobenius', seed: 0, trainNorms: false } };
    const one = (await call(host, 'ready', { plan })).result.memory;
    const many = (await call(four, 'ready', { plan })).result.memory;
    expect(many.need).toBe(one.need);
    expect(one.room - many.room).toBeCloseTo(3 * memoryNeed(loaded.result.card).runs, 0);
  });

  it('a cancelled distillation keeps its finished steps, which a plan with that many steps reproduces', async () => {
    const plan = { ...PLAN, block: 32, layers: 'first:1', projection: 'distill',
      distill: { steps: 40, learningRate: 0.003, batch: 8, init: 'frobenius', seed: 3, trainNorms: false } };
    let stepsDone = 0;
    const pending = new Promise((resolve) => {
      host.handle({ verb: 'analyze', args: { plan, prompt: 'Once upon a time' }, id: 999 }, (message) => {
        if (message.progress?.partial?.distill) {
          stepsDone = message.progress.partial.distill.step;
          if (stepsDone === 10) host.handle({ verb: 'cancel', args: { ids: [999] }, id: 0 }, () => {});
        } else if (!message.progress) resolve(message);
      });
    });
    expect((await pending).cancelled).toBe(true);
    expect(stepsDone).toBe(10);
    const kept = await call(host, 'analyze', { plan: { ...plan, distill: { ...plan.distill, steps: 10 } }, prompt: 'Once upon a time' });
    expect(kept.progress.some((p) => p.partial?.distill)).toBe(false);  // no step ran again
    const fresh = createEngineHost(loadEngineModule);
    await call(fresh, 'load', { ...files, calibrationSets: SETS });
    const replay = await call(fresh, 'analyze', { plan: { ...plan, distill: { ...plan.distill, steps: 10 } }, prompt: 'Once upon a time' });
    expect(replay.result.analysis.mean.kl).toBe(kept.result.analysis.mean.kl);
  });

  it('measures speed at every block size, teacher and student side by side, with medians and ranges', async () => {
    const answer = await call(host, 'speed', { plan: { ...PLAN, projection: 'distill' }, blocks: [64, 2], promptTokens: 16,
      decodeTokens: 8, runs: 3 });
    expect(answer.error).toBeUndefined();
    expect(answer.result.rows.map((r) => r.block)).toEqual([64, 2]);
    for (const r of answer.result.rows) {
      for (const s of [r.teacher.decode, r.student.prefill, r.speedup.decode]) {
        expect(s.low).toBeLessThanOrEqual(s.median);
        expect(s.median).toBeLessThanOrEqual(s.high);
        expect(s.low).toBeGreaterThan(0);
      }
    }
    expect(answer.result.bound.weightBytes).toBeGreaterThan(0);
    // A distill plan is measured through its structure alone: nothing was trained for it.
    expect(answer.progress.some((p) => p.partial?.distill)).toBe(false);
    // After each round every row, its range over the rounds so far; the last round's are the result.
    const rounds = answer.progress.filter((p) => p.partial?.rows);
    expect(rounds).toHaveLength(3);
    expect(rounds.map((p) => p.partial.rows.map((r) => r.block))).toEqual([[64, 2], [64, 2], [64, 2]]);
    expect(rounds[2].partial.rows).toEqual(answer.result.rows);
    expect(rounds[0].partial.rows[0].speedup.decode.low).toBe(rounds[0].partial.rows[0].speedup.decode.high);
  });

  it('leaves the student on screen as it was, and the sweep gets the same numbers from the students speed kept', async () => {
    const fresh = createEngineHost(loadEngineModule);
    await call(fresh, 'load', { ...files, calibrationSets: SETS });
    const prompt = 'Once upon a time';
    const before = await call(fresh, 'analyze', { plan: { ...PLAN, block: 16 }, prompt });
    await call(fresh, 'speed', { plan: { ...PLAN, block: 16 }, blocks: [4, 64], promptTokens: 8, decodeTokens: 4, runs: 1 });
    const after = await call(fresh, 'analyze', { plan: { ...PLAN, block: 16 }, prompt });
    expect(after.result.analysis.mean).toEqual(before.result.analysis.mean);
    const kept = await call(fresh, 'analyze', { plan: { ...PLAN, block: 64 }, prompt });
    const other = createEngineHost(loadEngineModule);
    await call(other, 'load', { ...files, calibrationSets: SETS });
    const built = await call(other, 'analyze', { plan: { ...PLAN, block: 64 }, prompt });
    expect(kept.result.analysis.mean).toEqual(built.result.analysis.mean);
  });

  it('finds a position where the likeliest tokens differ, checked on the prompt cut there', async () => {
    const prompts = lines('models/prompts/lecture-20.txt').slice(0, 4);
    const answer = await call(host, 'disagreement', { plan: { ...PLAN, block: 16 }, prompts });
    expect(answer.error).toBeUndefined();
    const { top5, cosine, searched } = answer.result;
    expect(searched).toBeGreaterThan(0);
    for (const found of [top5, cosine]) {
      expect(found.metrics.top1).toBe(0);
      expect(found.teacherTop[0].token).not.toBe(found.studentTop[0].token);
      expect(prompts[found.prompt - 1]).toContain(found.context.trim().slice(0, 10));
      const again = await call(host, 'analyze', { plan: { ...PLAN, block: 16 }, prompt: found.context });
      expect(again.result.analysis.last).toEqual(found.metrics);
    }
    const all = await call(host, 'analyses', { plan: { ...PLAN, block: 16 }, prompts: prompts.slice(0, 2) });
    expect(all.result.positions).toHaveLength(2);
    expect(all.result.positions[0][0]).toHaveProperty('kl');
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
