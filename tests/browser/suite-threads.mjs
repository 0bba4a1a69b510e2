// Threads: the threaded engine on a cross-origin isolated page (served by `vite preview`, so with
// the headers vite.config.js gives npm start and the preview server), the single-threaded engine
// elsewhere (no headers, an iframe in a page that is not isolated), each saying so in the speed
// panel with the same numbers; and the coi-serviceworker shim of a COI_SHIM=1 build (dist-coi/).
import { existsSync } from 'node:fs';
import { preview } from 'vite';
import { artifacts, check, root, skip, test, waitReady } from './harness.mjs';
import { serveStatic } from './static-server.mjs';

// What the page shows of its numbers: the four cards (text, full-precision value and interval) and
// every cell of the KL table over B (all four students), which a threaded engine must not change.
const shownNumbers = (p) => p.evaluate(() => ({
  cards: [...document.querySelectorAll('.cards [data-testid^="metric-"]')]
    .map((el) => `${el.textContent} ${el.dataset.value} ${el.nextElementSibling?.textContent}`),
  sweep: [...document.querySelectorAll('#sweep-table td')].map((td) => td.textContent),
}));

const threadsShown = (p) => p.evaluate(() => {
  const note = document.querySelector('[data-testid="threads"]');
  return { text: note.textContent, threads: Number(note.dataset.threads), build: note.dataset.build,
    choices: [...document.querySelectorAll('#threads option')].map((o) => o.textContent),
    disabled: document.querySelector('#threads').disabled, cores: navigator.hardwareConcurrency,
    isolated: self.crossOriginIsolated };
});

// The page's threads for a machine of `cores` (web/threads.js: at most 8, the caller one of them).
const expectedThreads = (cores) => Math.min(cores, 8);

export async function threadsSuite({ open, browser, errors }) {
  const server = await preview({ configFile: `${root}vite.config.js`, root, logLevel: 'silent',
    preview: { host: '127.0.0.1', port: 0, strictPort: false, open: false } });
  const isolatedBase = server.resolvedUrls.local[0];
  const openIsolated = async (hash, viewport = { width: 1440, height: 900 }) => {
    const page = await browser.newPage({ viewport });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${isolatedBase}${hash}`);
    return page;
  };
  try {
    await test('cross-origin isolated (vite preview): the threaded engine, its threads said, the same numbers as one thread', async () => {
      // The 20 lecture prompts: the engine evaluates as many side by side as it has threads.
      const hash = '#B=16&mode=all20';
      const p = await openIsolated(hash);
      await waitReady(p);
      const shown = await threadsShown(p);
      if (shown.cores < 2) skip(`this machine reports ${shown.cores} core: one thread is all there is`);
      check(shown.isolated && shown.build === 'threaded', `not threaded: ${JSON.stringify(shown)}`);
      const n = expectedThreads(shown.cores);
      check(shown.threads === n && new RegExp(`^${n} threads \\(cross-origin isolated`).test(shown.text),
        `threads: ${JSON.stringify(shown)}`);
      check(shown.choices[0] === `all (${n})` && shown.choices.length === n && !shown.disabled, `choices ${shown.choices}`);
      const threaded = await shownNumbers(p);

      const q = await open(hash, { width: 1440, height: 900 });
      await waitReady(q);
      const alone = await threadsShown(q);
      check(!alone.isolated && alone.build === 'single' && alone.threads === 1 && alone.disabled, `${JSON.stringify(alone)}`);
      check(alone.text === '1 thread: this page is not cross-origin isolated (served without the ' +
        'Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy headers)', `not isolated: "${alone.text}"`);
      const single = await shownNumbers(q);
      await q.close();
      check(threaded.cards.length === 4 && threaded.sweep.length > 20, `numbers missing: ${JSON.stringify(threaded)}`);
      check(JSON.stringify(threaded) === JSON.stringify(single),
        `the threaded engine shows other numbers:\n${JSON.stringify(threaded)}\n${JSON.stringify(single)}`);

      // Fewer threads: said, kept in the link, measured again, and the numbers stay.
      await p.locator('#threads').selectOption('1');
      await waitReady(p);
      const fewer = await threadsShown(p);
      check(fewer.threads === 1 && fewer.text === `1 of ${n} threads (cross-origin isolated)`, JSON.stringify(fewer));
      check(/[#&]threads=1(&|$)/.test(p.url()), `the link does not keep the count: ${p.url()}`);
      check(JSON.stringify(await shownNumbers(p)) === JSON.stringify(threaded), 'one thread changed the numbers');
      await p.locator('[data-panel="throughput"]').scrollIntoViewIfNeeded();
      await p.screenshot({ path: `${artifacts}/threads-1440x900.png` });
      await p.close();
      // The sentence where a projector and a phone show it, for the eye.
      for (const [h, viewport, name] of [['#B=16&present=1', { width: 1024, height: 768 }, 'threads-projector-1024x768'],
        ['#B=16', { width: 390, height: 844 }, 'threads-390x844']]) {
        const r = await openIsolated(h, viewport);
        // Its first numbers and the thread line (not "ready": the speed of every B takes a while more).
        await r.waitForFunction(() => window.__playground.timings.firstMetrics && document.querySelector('#threads-summary').textContent,
          null, { timeout: 120_000 });
        await r.locator('.threads-line').scrollIntoViewIfNeeded();
        await r.screenshot({ path: `${artifacts}/${name}.png` });
        await r.close();
      }
    });

    await test('a link asking for more threads than the page has is cut to what it has, and says so', async () => {
      const p = await open('#threads=4&B=16&proj=frobenius');
      await waitReady(p);
      const notice = await p.getByTestId('notice').textContent();
      check(/threads = 4/.test(notice) && /showing 1 \(all this page can use\)/.test(notice), `notice: "${notice}"`);
      check(!/threads=/.test(p.url()), `the URL still says ${p.url()}`);
      const cores = await p.evaluate(() => navigator.hardwareConcurrency);
      await p.close();
      // Asking for exactly the threads there are is asking for all of them: no notice, the select says "all".
      const all = cores < 2 ? 1 : expectedThreads(cores);
      const q = await openIsolated(`#threads=${all}&B=16&proj=frobenius`);
      await waitReady(q);
      check(!/threads=/.test(q.url()) && !(await q.getByTestId('notice').textContent()), `threads=${all}: ${q.url()}`);
      check(await q.locator('#threads').inputValue() === '0', 'the select does not say "all"');
      await q.close();
    });

    await test('embedded in a course page that is not isolated: one thread, and says why', async () => {
      const p = await browser.newPage({ viewport: { width: 1024, height: 800 } });
      p.on('pageerror', (e) => errors.push(String(e)));
      await p.setContent(`<iframe src="${isolatedBase}#embed=1&B=16&proj=frobenius" width="900" height="700"></iframe>`);
      const frame = p.frameLocator('iframe');
      await frame.getByTestId('status').filter({ hasText: /^ready$/ }).waitFor({ timeout: 120_000 });
      const text = await frame.getByTestId('threads').textContent();
      check(text === '1 thread: this page is not cross-origin isolated (embedded in a page that is not isolated)', `"${text}"`);
      await p.close();
    });

    await test('the coi-serviceworker shim (COI_SHIM=1): a page served without the headers becomes isolated and threaded', async () => {
      if (!existsSync(`${root}dist-coi/coi-serviceworker.js`)) skip('dist-coi/ is not built: bash scripts/build-web.sh --coi');
      const plain = await serveStatic(`${root}dist-coi`);
      try {
        const p = await browser.newPage();
        p.on('pageerror', (e) => errors.push(String(e)));
        await p.goto(`http://127.0.0.1:${plain.port}/#B=16&proj=frobenius`);
        // The shim registers its service worker and reloads the page once; the reloaded page is isolated.
        await p.waitForFunction(() => self.crossOriginIsolated, null, { timeout: 60_000 });
        await waitReady(p);
        const shown = await threadsShown(p);
        const one = shown.cores < 2 && shown.text === '1 thread: this computer reports one core';
        check(one || (shown.build === 'threaded' && /\(cross-origin isolated/.test(shown.text)), JSON.stringify(shown));
        await p.close();
      } finally {
        await plain.close();
      }
    });
  } finally {
    await server.close();
  }
}
