// Throughput table: prefill and decode tokens/s of teacher and student, speedup, MLP share of time.
import { percent, rate } from '../format.js';

export function renderSpeed(root, speed) {
  const set = (selector, text) => { root.querySelector(selector).textContent = text; };
  if (!speed) {
    for (const s of ['[data-testid="prefill-teacher"]', '[data-testid="prefill-student"]', '[data-testid="decode-teacher"]',
      '[data-testid="decode-student"]', '#prefill-speedup', '#decode-speedup', '#mlp-share-teacher', '#mlp-share-student',
      '#decode-bound'])
      set(s, '…');
    return;
  }
  const { teacher, student } = speed;
  set('[data-testid="prefill-teacher"]', rate(teacher.prefill));
  set('[data-testid="prefill-student"]', rate(student.prefill));
  set('[data-testid="decode-teacher"]', rate(teacher.decode));
  set('[data-testid="decode-student"]', rate(student.decode));
  set('#prefill-speedup', `${(student.prefill / teacher.prefill).toFixed(2)}×`);
  set('#decode-speedup', `${(student.decode / teacher.decode).toFixed(2)}×`);
  set('#mlp-share-teacher', `${percent(teacher.prefillMlpShare)} / ${percent(teacher.decodeMlpShare)}`);
  set('#mlp-share-student', `${percent(student.prefillMlpShare)} / ${percent(student.decodeMlpShare)}`);
  // Decode reads every teacher weight once a token: how close it runs to streaming those bytes.
  const bytesPerSecond = speed.bound.weightBytes * teacher.decode;
  set('#decode-bound', `The teacher reads ${(speed.bound.weightBytes / 1e6).toFixed(1)} MB of weights a token: ` +
    `${(bytesPerSecond / 1e9).toFixed(1)} GB/s, ${(bytesPerSecond / speed.bound.streamBytesPerSecond).toFixed(2)} of this browser's ` +
    `streaming read of as many bytes (${(speed.bound.streamBytesPerSecond / 1e9).toFixed(1)} GB/s).`);
}
