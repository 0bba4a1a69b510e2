// The browser suite's harness: the test runner (counts, skips, E2E_ONLY), checks, and the waits
// and readings every suite shares. A test that cannot run says why and is counted as skipped.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const artifacts = `${root}test-artifacts`;
mkdirSync(artifacts, { recursive: true });

export const READY_TIMEOUT = 120_000;

export const results = [];
export const figures = {};

// E2E_ONLY=<regular expression>: run only the tests whose names match (for development; the
// others are reported as not run, never as passed).
const only = process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY) : null;
export const counts = { notRun: 0 };

// A test that cannot run here says why; it is counted as skipped, never as passed.
class Skip extends Error {}
export const skip = (reason) => { throw new Skip(reason); };

export async function test(name, body) {
  if (only && !only.test(name)) {
    ++counts.notRun;
    return;
  }
  const t0 = Date.now();
  try {
    await body();
    results.push({ name, ok: true });
    console.log(`  ✓ ${name} (${Date.now() - t0} ms)`);
  } catch (error) {
    if (error instanceof Skip) {
      results.push({ name, skipped: error.message });
      console.log(`  - ${name} (skipped: ${error.message})`);
      return;
    }
    results.push({ name, ok: false });
    console.log(`  ✗ ${name}\n    ${String(error?.stack || error).split('\n').slice(0, 4).join('\n    ')}`);
  }
}

export function check(condition, message) {
  if (!condition) throw new Error(message);
}

// The plain number an element shows: its data-value, else its main figure, without thousands commas.
export const metric = async (page, id) => Number(await page.getByTestId(id).evaluate((el) =>
  el.dataset.value || (el.querySelector('.figure') ?? el).textContent.replace(/,/g, '')));

// Waits until the page has finished everything for the last change ("ready"); an error fails,
// unless `settle` (an edit is still on its way to the engine).
export async function waitReady(page, { settle = false } = {}) {
  const handle = await page.waitForFunction((settle) => {
    const s = document.querySelector('[data-testid="status"]')?.textContent;
    return s === 'ready' || (!settle && s === 'error');
  }, settle, { timeout: READY_TIMEOUT, polling: 50 });
  await handle.dispose();
  const status = await page.getByTestId('status').textContent();
  if (status !== 'ready') throw new Error(`status ${status}: ${await page.locator('#message').textContent()}`);
}
