// The throughput table (web/views/speed.js) renders every cell from the engine's figures. A broken
// renderer leaves the whole page on "error", so it is checked here without a browser.
import { describe, expect, it } from 'vitest';
import { renderSpeed } from '../../web/views/speed.js';

// Just enough of a DOM element: querySelector hands out one text holder per selector.
function fakeRoot() {
  const cells = new Map();
  return {
    cells,
    querySelector(selector) {
      if (!cells.has(selector)) cells.set(selector, { textContent: '' });
      return cells.get(selector);
    },
  };
}

const SPEED = {
  teacher: { prefill: 2000, decode: 250, prefillMlpShare: 0.6, decodeMlpShare: 0.55 },
  student: { prefill: 3000, decode: 400, prefillMlpShare: 0.3, decodeMlpShare: 0.25 },
  bound: { weightBytes: 18e6, streamBytesPerSecond: 10e9 },
};

describe('the throughput table', () => {
  it('shows rates, speed-ups and what bounds decode', () => {
    const root = fakeRoot();
    renderSpeed(root, SPEED);
    expect(text(root, '[data-testid="decode-teacher"]')).toBe('250');
    expect(text(root, '[data-testid="prefill-student"]')).toBe('3000');
    expect(text(root, '#decode-speedup')).toBe('1.60×');
    expect(text(root, '#prefill-speedup')).toBe('1.50×');
    // 18 MB a token at 250 tokens/s is 4.5 GB/s, 0.45 of a 10 GB/s stream.
    expect(text(root, '#decode-bound')).toContain('18.0 MB');
    expect(text(root, '#decode-bound')).toContain('4.5 GB/s, 0.45 of');
  });

  it('shows placeholders while nothing is measured', () => {
    const root = fakeRoot();
    renderSpeed(root, null);
    expect(text(root, '#decode-bound')).toBe('…');
    expect(text(root, '[data-testid="decode-student"]')).toBe('…');
  });
});

function text(root, selector) {
  return root.cells.get(selector).textContent;
}
