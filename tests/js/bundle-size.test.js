// Budget: what a visitor downloads of the built page (wasm + JS + CSS + HTML, without the model
// files) stays under 1.2 MB. It was 1 MB until real models came: byte-level BPE with its Unicode
// category tables, GGUF's readers and Jinja for chat templates took it past that, to 1.10 MB
// (2026-12-03). dist/ holds two engines and a page downloads one of them (web/threads.js): the
// single-threaded engine.wasm, or, cross-origin isolated, the threaded engine-mt.js and .wasm
// (0.93 MB more in dist/, 2026-12-03; its pthread script is inside the worker's chunk).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rootPath } from './load-engine.js';

const BUDGET_BYTES = 1.2 * 1024 * 1024;

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(`${dir}/${e.name}`) : [`${dir}/${e.name}`]);
}

const bytes = (list) => list.reduce((sum, f) => sum + statSync(f).size, 0);

describe('bundle size', () => {
  it('dist/ without models/ is under 1.2 MB with either engine', () => {
    const dist = rootPath('dist');
    expect(existsSync(dist), 'dist/ is missing: run npm run build').toBe(true);
    const page = files(dist).filter((f) => !f.startsWith(`${dist}/models/`));
    // Vite names them engine-<8-character hash>.wasm and engine-mt-<hash>.js/.wasm.
    const threaded = page.filter((f) => /\/engine-mt-[\w-]{8}\.(js|wasm)$/.test(f));
    const single = page.filter((f) => /\/engine-[\w-]{8}\.wasm$/.test(f));
    expect(threaded).toHaveLength(2);
    expect(single).toHaveLength(1);
    expect(bytes(page.filter((f) => !threaded.includes(f)))).toBeLessThan(BUDGET_BYTES);
    expect(bytes(page.filter((f) => !single.includes(f)))).toBeLessThan(BUDGET_BYTES);
  });
});
