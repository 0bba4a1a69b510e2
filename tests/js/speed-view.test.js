// @vitest-environment happy-dom
// The speed table (web/views/speed.js) renders every cell from the worker's speed row. A broken
// renderer leaves the whole page on "error", so it is checked here without a browser.
import { beforeEach, describe, expect, it } from 'vitest';
import { renderSpeed } from '../../web/views/speed.js';

const spread = (median, low, high) => ({ median, low, high });
const ROW = {
  block: 64,
  teacher: { prefill: spread(2000, 1900, 2100), decode: spread(1250, 1200, 1300),
    prefillMlpShare: spread(0.6, 0.6, 0.6), decodeMlpShare: spread(0.55, 0.5, 0.6) },
  student: { prefill: spread(3000, 2900, 3100), decode: spread(2000, 1000, 2600),
    prefillMlpShare: spread(0.3, 0.3, 0.3), decodeMlpShare: spread(0.25, 0.2, 0.3) },
  speedup: { prefill: spread(1.5, 1.45, 1.55), decode: spread(1.6, 0.8, 2.1) },
};
const IDS = ['prefill-teacher', 'prefill-student', 'prefill-speedup', 'decode-teacher', 'decode-student',
  'decode-speedup', 'mlp-share-teacher', 'mlp-share-student', 'decode-bound', 'speed-noisy'];
const cell = (id) => document.querySelector(`[data-testid="${id}"]`);

describe('the speed table', () => {
  beforeEach(() => {
    document.body.innerHTML = IDS.map((id) => `<span data-testid="${id}"></span>`).join('');
  });

  it('shows medians with their range, and the speed-up measured run by run', () => {
    renderSpeed(document, ROW, { weightBytes: 18e6, streamBytesPerSecond: 30e9 });
    expect(cell('decode-teacher').querySelector('.figure').textContent).toBe('1,250');
    expect(cell('decode-teacher').querySelector('.range').textContent).toBe('1,200–1,300');
    expect(cell('prefill-speedup').querySelector('.figure').textContent).toBe('1.50×');
    expect(cell('mlp-share-teacher').textContent).toBe('60 % / 55 %');
  });

  it('marks a figure whose runs spread more than ±25 % as noisy, and only that one', () => {
    renderSpeed(document, ROW, null);
    expect(cell('decode-student').classList.contains('noisy')).toBe(true);   // 1000–2600 around 2000
    expect(cell('decode-speedup').classList.contains('noisy')).toBe(true);   // 0.8–2.1 around 1.6
    expect(cell('decode-teacher').classList.contains('noisy')).toBe(false);  // ±4 %
    expect(cell('speed-noisy').hidden).toBe(false);
  });

  it('compares decode with a plain read of the weights, and never calls a share above 1 a bound', () => {
    // 18 MB a token at 1,250 tokens/s is 22.5 GB/s: 75 % of a 30 GB/s read.
    renderSpeed(document, ROW, { weightBytes: 18e6, streamBytesPerSecond: 30e9 });
    expect(cell('decode-bound').textContent).toMatch(/18\.0 MB .*: 22\.5 GB\/s, 75 % of the speed .*\(30\.0 GB\/s\)/);
    renderSpeed(document, ROW, { weightBytes: 18e6, streamBytesPerSecond: 10e9 });
    expect(cell('decode-bound').textContent).toMatch(/faster than a plain read .*rough/);
    expect(cell('decode-bound').textContent).not.toMatch(/\d\.\d\d of/);
  });

  it('shows placeholders while nothing is measured', () => {
    renderSpeed(document, null);
    expect(cell('decode-student').textContent).toBe('…');
    expect(cell('decode-bound').textContent).toBe('');
  });
});
