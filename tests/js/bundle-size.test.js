// Budget: the built page (wasm + JS + CSS + HTML, without the model files) stays under 1.2 MB.
// It was 1 MB until real models came: byte-level BPE with its Unicode category tables, GGUF's
// readers and Jinja for chat templates took it past that, to 1.10 MB (2026-12-03).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rootPath } from './load-engine.js';

const BUDGET_BYTES = 1.2 * 1024 * 1024;

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(`${dir}/${e.name}`) : [`${dir}/${e.name}`]);
}

describe('bundle size', () => {
  it('dist/ without models/ is under 1.2 MB', () => {
    const dist = rootPath('dist');
    expect(existsSync(dist), 'dist/ is missing: run npm run build').toBe(true);
    const page = files(dist).filter((f) => !f.startsWith(`${dist}/models/`));
    const total = page.reduce((sum, f) => sum + statSync(f).size, 0);
    expect(page.some((f) => f.endsWith('.wasm'))).toBe(true);
    expect(total).toBeLessThan(BUDGET_BYTES);
  });
});
