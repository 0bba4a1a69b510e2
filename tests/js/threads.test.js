// How many threads the page runs the engine on, and the sentence that says why (web/threads.js):
// the build a worker chooses, the pthreads it starts, the count the engine gets, the words shown.
import { describe, expect, it } from 'vitest';
import { MAX_THREADS, chooseBuild, poolSize, setEngineThreads, threadChoices, threadsSentence, threadsSummary }
  from '../../web/threads.js';
import { threadsThatFit } from '../../web/model-intake.js';
import { loadEngineModule } from './load-engine.js';

const ISOLATED = { isolated: true, protocol: 'http:', embedded: false };
const threaded = (threads, available, cores = available) =>
  ({ build: 'threaded', threads, available, cores, included: true, failure: '' });
const single = (extra = {}) => ({ build: 'single', threads: 1, available: 1, cores: 4, included: true, failure: '', ...extra });

describe('threads', () => {
  it('runs the threaded engine only where the page is isolated, has shared memory, carries it and has cores', () => {
    const able = { isolated: true, sharedMemory: true, included: true, cores: 2 };
    expect(chooseBuild(able)).toBe('threaded');
    expect(chooseBuild({ ...able, isolated: false })).toBe('single');
    expect(chooseBuild({ ...able, isolated: undefined })).toBe('single');
    expect(chooseBuild({ ...able, sharedMemory: false })).toBe('single');
    expect(chooseBuild({ ...able, included: false })).toBe('single');
    expect(chooseBuild({ ...able, cores: 1 })).toBe('single');
  });

  it('starts one pthread fewer than the threads it offers, at most MAX_THREADS in all', () => {
    expect(MAX_THREADS).toBe(8);
    expect([1, 2, 4, 8, 16, 64].map(poolSize)).toEqual([0, 1, 3, 7, 7, 7]);
    expect([0, undefined, NaN, -3].map(poolSize)).toEqual([0, 0, 0, 0]);
  });

  it('says how many threads and why, in the words the speed panel shows', () => {
    expect(threadsSentence(threaded(4, 4), ISOLATED)).toBe('4 threads (cross-origin isolated)');
    expect(threadsSentence(threaded(2, 4), ISOLATED)).toBe('2 of 4 threads (cross-origin isolated)');
    expect(threadsSentence(threaded(1, 4), ISOLATED)).toBe('1 of 4 threads (cross-origin isolated)');
    expect(threadsSentence(threaded(8, 8, 32), ISOLATED))
      .toBe("8 threads (cross-origin isolated; the page starts at most 8 of this computer's 32 cores)");
    expect(threadsSentence(single({ cores: 1 }), ISOLATED)).toBe('1 thread: this computer reports one core');
    const notIsolated = { isolated: false, protocol: 'http:', embedded: false };
    expect(threadsSentence(single(), { ...notIsolated, protocol: 'file:' }))
      .toBe('1 thread: this page is not cross-origin isolated (opened from disk)');
    expect(threadsSentence(single(), { ...notIsolated, embedded: true }))
      .toBe('1 thread: this page is not cross-origin isolated (embedded in a page that is not isolated)');
    expect(threadsSentence(single(), notIsolated)).toBe('1 thread: this page is not cross-origin isolated ' +
      '(served without the Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy headers)');
    expect(threadsSentence(single({ included: false }), ISOLATED))
      .toBe('1 thread: this single-file page carries only the single-threaded engine');
    expect(threadsSentence(single({ failure: 'its 3 threads did not start within 30 s' }), ISOLATED))
      .toBe('1 thread: the threaded engine could not start (its 3 threads did not start within 30 s)');
  });

  it('says it in one line on a projector', () => {
    expect(threadsSummary(threaded(4, 4))).toBe('4 threads (cross-origin isolated)');
    expect(threadsSummary(threaded(2, 4))).toBe('2 of 4 threads (cross-origin isolated)');
    expect(threadsSummary(single())).toBe('1 thread (not cross-origin isolated)');
  });

  it('offers all the threads first, then every smaller count', () => {
    expect(threadChoices(4)).toEqual([{ value: 0, label: 'all (4)' }, { value: 3, label: '3' }, { value: 2, label: '2' },
      { value: 1, label: '1' }]);
    expect(threadChoices(1)).toEqual([{ value: 0, label: 'all (1)' }]);
  });

  it('gives a threaded engine the count asked for, cut to the threads it started', () => {
    let size = 1;
    const module = { build: { threaded: true, pool: 3, cores: 6, included: true, failure: '' },
      setThreads: (n) => { size = n; return { value: n }; }, threads: () => size };
    expect(setEngineThreads(module, 0)).toMatchObject({ build: 'threaded', threads: 4, available: 4, cores: 6 });
    expect(setEngineThreads(module, 2).threads).toBe(2);
    expect(setEngineThreads(module, 7).threads).toBe(4);
    expect(() => setEngineThreads(module, -1)).toThrow(/whole number, 0 for all the page may use, not -1/);
    expect(() => setEngineThreads(module, 1.5)).toThrow(/not 1.5/);
  });

  it('gives a large model only the threads whose runs the heap holds, and says so', () => {
    const GB = 2 ** 30;
    // A teacher's and a student's run on each thread, 0.2 GB each, beside 2 GB of weights and 64 MB
    // of scratch in the 4 GB heap: room for 4 threads' runs.
    const card = { weightBytes: 2 * GB, fileBytes: GB, mlpParameters: 0, runBytes: 0.2 * GB, config: { seqLen: 4096 } };
    expect(threadsThatFit(card)).toBe(4);
    expect(threadsThatFit({ ...card, weightBytes: 3.5 * GB })).toBe(1);
    expect(threadsThatFit({ ...card, weightBytes: 10e6, runBytes: 1e6 })).toBeGreaterThan(MAX_THREADS);
    let size = 1;
    const module = { build: { threaded: true, pool: 7, cores: 8, included: true, failure: '' },
      setThreads: (n) => { size = n; return { value: n }; }, threads: () => size };
    const report = setEngineThreads(module, 0, threadsThatFit(card));
    expect(report).toMatchObject({ threads: 4, available: 4, memoryBound: true });
    expect(threadsSentence(report, ISOLATED))
      .toBe("4 threads (cross-origin isolated; the engine's 4 GB hold this model's runs for 4 threads at once)");
    expect(setEngineThreads(module, 0, 100)).toMatchObject({ threads: 8, memoryBound: false });
  });

  it('runs the single-threaded engine (the one Node loads) on one thread, whatever is asked', async () => {
    const module = await loadEngineModule();
    expect(module.hardwareThreads()).toBe(1);
    for (const wanted of [0, 1, 4]) expect(setEngineThreads(module, wanted)).toMatchObject({ build: 'single', threads: 1, available: 1 });
    // Past the engine's own range the engine answers with its message, not an abort.
    expect(module.setThreads(0).error).toMatch(/the thread count must be from 1 to 256, not 0/);
    expect(module.setThreads(1)).toEqual({ value: 1 });
  });
});
