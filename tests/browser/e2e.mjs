// Browser end-to-end test: the built page (dist/) in Debian's Chromium via playwright-core, served by
// a small static server started here. Checks what a user sees (suite-*.mjs), saves screenshots to
// test-artifacts/, writes measured figures to test-artifacts/measurements.json, and prints
// "N passed, N failed".
// The tests that record timings run first, alone. Then two lanes run side by side: the guide (its
// three screen sizes at once, then the distillation) and the other suites, one page at a time,
// the comparison with llama.cpp on GGUF files last. A page's engine is one thread (this server
// sends no COOP/COEP headers; suite-threads.mjs serves the threaded engine's pages apart) and the
// guide's pages wait on one another's turns, so one lane alone leaves a core idle much of the time
// (docs/testing.md has the figures).
import { writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { serveStatic } from './static-server.mjs';
import { artifacts, check, counts, figures, results, root, test } from './harness.mjs';
import { measuredSuite } from './suite-measured.mjs';
import { distillSuite, pageSuite } from './suite-page.mjs';
import { guideSuite } from './suite-guide.mjs';
import { moreSuite } from './suite-more.mjs';
import { oracleSuite } from './suite-oracle.mjs';
import { tokenizerSuite } from './suite-tokenizers.mjs';
import { threadsSuite } from './suite-threads.mjs';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'];

async function main() {
  const server = await serveStatic(`${root}dist`);
  const base = `http://127.0.0.1:${server.port}/`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  const errors = [];
  // `requests`, when given, collects the path of every request the page makes (worker's included);
  // `before(page)` runs before the page is opened (to throttle its network, say).
  const open = async (hash = '', viewport = { width: 1024, height: 768 }, { requests, before } = {}) => {
    const page = await browser.newPage({ viewport });
    page.on('pageerror', (e) => errors.push(String(e)));
    if (requests) page.context().on('request', (r) => requests.push(new URL(r.url()).pathname));
    await before?.(page);
    await page.goto(`${base}${hash}`);
    return page;
  };
  try {
    console.log(`browser suite: ${base} in ${browser.version()}`);
    const context = { open, browser, errors };
    await measuredSuite(context);
    await Promise.all([guideSuite(context).then(() => distillSuite(context)),
      pageSuite(context).then(() => moreSuite(context)).then(() => threadsSuite(context)).then(() => oracleSuite(context))
        .then(() => tokenizerSuite(context))]);
    await test('no uncaught errors in the page', async () => {
      check(errors.length === 0, errors.join('\n'));
    });
  } finally {
    await browser.close();
    await server.close();
  }
  writeFileSync(`${artifacts}/measurements.json`, `${JSON.stringify(figures, null, 2)}\n`);
  console.log('measured:', JSON.stringify(figures));
  const passed = results.filter((r) => r.ok).length;
  const failed = results.filter((r) => r.ok === false).length;
  const skipped = results.filter((r) => r.skipped).map((r) => ({ name: r.name, reason: r.skipped }));
  writeFileSync(`${artifacts}/browser-results.json`, `${JSON.stringify({ passed, failed, skipped }, null, 2)}\n`);
  if (counts.notRun) console.log(`(E2E_ONLY: ${counts.notRun} tests not run)`);
  console.log(`browser: ${passed} passed, ${failed} failed${skipped.length ? `, ${skipped.length} skipped` : ''}`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((error) => {
  console.log(`browser suite could not run: ${error.stack || error}`);
  writeFileSync(`${artifacts}/browser-results.json`, '{"passed": 0, "failed": 1, "skipped": []}\n');
  console.log('browser: 0 passed, 1 failed');
  process.exitCode = 1;
});
