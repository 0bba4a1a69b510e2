// Browser end-to-end test: the built page (dist/) in Debian's Chromium via playwright-core, served by
// a small static server started here. Checks what a user sees, saves screenshots to test-artifacts/,
// writes measured figures to test-artifacts/measurements.json, and prints "N passed, N failed".
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveStatic } from './static-server.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const artifacts = `${root}test-artifacts`;
mkdirSync(artifacts, { recursive: true });

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'];
const READY_TIMEOUT = 120_000;

const results = [];
const figures = {};

// E2E_ONLY=<regular expression>: run only the tests whose names match (for development; the
// others are reported as not run, never as passed).
const only = process.env.E2E_ONLY ? new RegExp(process.env.E2E_ONLY) : null;
let notRun = 0;

// A test that cannot run here says why; it is counted as skipped, never as passed.
class Skip extends Error {}
const skip = (reason) => { throw new Skip(reason); };

async function test(name, body) {
  if (only && !only.test(name)) {
    ++notRun;
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

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// The plain number an element shows: its data-value, else its main figure, without thousands commas.
const metric = async (page, id) => Number(await page.getByTestId(id).evaluate((el) =>
  el.dataset.value || (el.querySelector('.figure') ?? el).textContent.replace(/,/g, '')));

// Waits until the page has finished everything for the last change ("ready").
// Waits until the page has finished everything for the last change ("ready"); an error fails,
// unless `settle` (an edit is still on its way to the engine).
async function waitReady(page, { settle = false } = {}) {
  const handle = await page.waitForFunction((settle) => {
    const s = document.querySelector('[data-testid="status"]')?.textContent;
    return s === 'ready' || (!settle && s === 'error');
  }, settle, { timeout: READY_TIMEOUT, polling: 50 });
  await handle.dispose();
  const status = await page.getByTestId('status').textContent();
  if (status !== 'ready') throw new Error(`status ${status}: ${await page.locator('#message').textContent()}`);
}

async function main() {
  const server = await serveStatic(`${root}dist`);
  const base = `http://127.0.0.1:${server.port}/`;
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
  const errors = [];
  const open = async (hash = '', viewport = { width: 1024, height: 768 }) => {
    const page = await browser.newPage({ viewport });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${base}${hash}`);
    return page;
  };
  try {
    console.log(`browser suite: ${base} in ${browser.version()}`);
    let page;
    await test('the default model loads and the page becomes ready', async () => {
      const t0 = Date.now();
      page = await open();
      await page.waitForFunction(() => window.__playground?.timings.firstMetrics != null, null, { timeout: READY_TIMEOUT });
      figures.firstMetricsWithNewPageMs = Date.now() - t0;
      await waitReady(page);
      figures.readyWithNewPageMs = Date.now() - t0;
      // The page's own clock starts at navigation.
      const timings = await page.evaluate(() => window.__playground.timings);
      figures.firstMetricsAfterNavigationMs = Math.round(timings.firstMetrics);
      figures.readyAfterNavigationMs = Math.round(timings.firstReady);
      figures.moduleStartMs = Math.round(timings.moduleStart);
      figures.filesFetchedMs = Math.round(timings.filesFetched);
      figures.modelLoadedMs = Math.round(timings.modelLoaded);
      figures.firstLoadParts = timings.last;
      check(Number.isFinite(await metric(page, 'metric-kl')), 'KL is not a number');
      check(await metric(page, 'params-teacher') > 0, 'no teacher parameter count');
      check(await metric(page, 'prefill-teacher') > 0, 'no prefill speed');
      await page.screenshot({ path: `${artifacts}/page-1024x768.png`, fullPage: true });
    });

    await test('moving the slider to 64 changes the metrics, KL > 0', async () => {
      await page.getByTestId('block-size').fill('0');  // B = 1 first, so the move to 64 is a change
      await waitReady(page);
      const before = await metric(page, 'metric-kl');
      const studentBefore = await metric(page, 'params-student');
      const t0 = Date.now();
      await page.getByTestId('block-size').fill('6');
      await page.waitForFunction((kl) => document.querySelector('[data-testid="metric-kl"]').dataset.value !== kl,
        String(before), { timeout: READY_TIMEOUT, polling: 'raf' });
      figures.sliderUpdateMs = Date.now() - t0;
      figures.sliderUpdateInPageMs = await page.evaluate(() => window.__playground.timings.last.update);
      await waitReady(page);
      const kl = await metric(page, 'metric-kl');
      check(kl > 0, `KL at B = 64 is ${kl}`);
      check(kl !== before, 'KL did not change');
      check(await metric(page, 'params-student') < studentBefore, 'the student did not shrink');
      check(page.url().includes('B=64') || !page.url().includes('B='), 'the URL does not hold B');
    });

    await test('evaluate all 20 shows intervals', async () => {
      await page.getByTestId('block-size').fill('5');  // a plan not evaluated yet (B = 32)
      await waitReady(page);
      await page.locator('input[name="mode"][value="all20"]').check();
      await waitReady(page);
      figures.evaluateAll20Ms = await page.evaluate(() => window.__playground.timings.last.evaluate);
      figures.sweepMs = await page.evaluate(() => window.__playground.timings.last.sweep);
      check(/^\[[\d.]+, [\d.]+\]$/.test(await page.locator('#interval-kl').textContent()), 'no interval shown');
      check(/^\[[\d.]+ %, [\d.]+ %\]$/.test(await page.locator('#interval-top1').textContent()), 'top-1 interval not in %');
      check(/Mean over the 20 lecture prompts/.test(await page.getByTestId('scope').textContent()), 'no "mean over 20" line');
      check(page.url().includes('mode=all20'), 'mode is not in the URL');
      await page.screenshot({ path: `${artifacts}/page-all20-1024x768.png`, fullPage: true });
      await page.close();
    });

    await test('#B=1&prompt=... gives KL ≈ 0 and top-1 = 1; a hash change is followed', async () => {
      const p = await open(`#B=1&layers=all&prompt=${encodeURIComponent('Once upon a time, a student asked')}`);
      await waitReady(p);
      check(await metric(p, 'metric-kl') < 1e-4, 'KL is not ≈ 0');
      check(Math.abs(await metric(p, 'metric-top1') - 1) < 1e-9, 'top-1 is not 1');
      check((await p.getByTestId('prompt').inputValue()) === 'Once upon a time, a student asked', 'prompt not restored');
      // Editing the hash (back button, a pasted link) moves the controls and the numbers.
      await p.evaluate(() => { location.hash = '#B=64&layers=all&prompt=Once%20upon%20a%20time%2C%20a%20student%20asked'; });
      await p.waitForFunction(() => document.querySelector('[data-testid="block-size"]').value === '6');
      await waitReady(p);
      check(await metric(p, 'metric-kl') > 0, 'KL did not follow the hash to B = 64');
      check((await p.locator('#layer-toggles input:checked').count()) === 4, 'layers did not follow the hash');
      await p.close();
    });

    await test('a typed prompt stays text, never HTML', async () => {
      const p = await open(`#B=4&prompt=${encodeURIComponent('<img src=x onerror="window.__pwned=1"> <b>bold</b>')}`);
      await waitReady(p);
      check(!(await p.evaluate(() => window.__pwned)), 'the prompt ran as HTML');
      check(await p.locator('.chip img, .gen img, .chip b').count() === 0, 'the prompt was injected as HTML');
      await p.close();
    });

    await test('embed=1 hides the chrome; hide= hides single controls', async () => {
      const p = await open('#embed=1&hide=layers,sampling', { width: 800, height: 900 });
      await waitReady(p);
      check(!(await p.locator('header').isVisible()), 'the header is visible');
      check(!(await p.locator('footer').isVisible()), 'the footer is visible');
      check(!(await p.locator('[data-control="layers"]').isVisible()), 'layers control is visible');
      check(!(await p.locator('[data-control="sampling"]').isVisible()), 'sampling control is visible');
      check(await p.getByTestId('block-size').isVisible(), 'the slider is hidden');
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      check(overflow <= 0, `the page is ${overflow} px wider than an 800 px iframe`);
      await p.screenshot({ path: `${artifacts}/embed-800.png`, fullPage: true });
      await p.close();
    });

    await test('an empty prompt and a corrupt model give clear messages', async () => {
      const p = await open('#B=16');
      await waitReady(p);
      await p.getByTestId('prompt').fill('');
      await p.waitForFunction(() => document.querySelector('[data-testid="status"]').textContent === 'error', null, { timeout: 30_000 });
      check(/empty/i.test(await p.locator('#message').textContent()), 'no message for an empty prompt');
      await p.getByTestId('prompt').fill('Back to work');
      await waitReady(p, { settle: true });
      await p.locator('#open-loader').click();
      await p.locator('#model-file').setInputFiles({ name: 'broken.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(64, 7) });
      await p.locator('#load-files').click();
      await p.waitForFunction(() => /broken\.bin/.test(document.querySelector('#message').textContent), null, { timeout: 30_000 });
      await p.close();
    });

    await test('a long computation can be cancelled, and the next change computes again', async () => {
      // A calibration of every layer first, so the work is still running when Cancel is pressed
      // (the 20 prompts alone take a few hundred ms, and the click could come after them).
      const p = await open('#mode=all20&positions=all&B=8&layers=all&proj=loss-aware-sequential');
      await p.locator('#cancel').waitFor({ state: 'visible', timeout: READY_TIMEOUT });
      // Cancel is offered for computations only: while the model downloads there is nothing to keep.
      check(!/downloading|loading/.test(await p.locator('#progress-label').textContent()), 'Cancel offered while the model loads');
      await p.waitForFunction(() => /calibrating the student: layer/.test(document.querySelector('#progress-label').textContent),
        null, { timeout: READY_TIMEOUT, polling: 50 });
      await p.locator('#cancel').click();
      await p.waitForFunction(() => document.querySelector('[data-testid="status"]').textContent === 'cancelled', null, { timeout: 2000 })
        .catch(async () => { throw new Error(`status is ${await p.getByTestId('status').textContent()}, not "cancelled"`); });
      await p.locator('#proj').selectOption('frobenius');
      await waitReady(p);
      check(await metric(p, 'metric-kl') > 0, 'no metrics after cancel');
      await p.close();
    });

    await test('distillation: progress, a URL that reproduces the student, cancel that keeps the steps done', async () => {
      const hash = `#B=16&layers=all&proj=distill&calib=heldout&dsteps=25&prompt=${encodeURIComponent('The old house stood on a hill.')}`;
      const p = await open(hash);
      // No ready-made student for 25 steps: the page offers the training instead of starting it.
      await p.getByTestId('distill-offer').waitFor({ state: 'visible', timeout: READY_TIMEOUT });
      check(/25 steps/.test(await p.getByTestId('distill-offer').textContent()), 'the offer does not say how many steps');
      await p.getByTestId('distill-start').click();
      await p.waitForFunction(() => /^step \d+ of 25/.test(document.querySelector('#distill-note').textContent), null,
        { timeout: READY_TIMEOUT, polling: 100 });
      check(await p.locator('#distill-panel').isVisible(), 'the distillation panel is hidden');
      check(/distilling: step \d+ of 25/.test(await p.locator('#progress-label').textContent()), 'no step count in the progress bar');
      // While it trains, the parameter card shows the student, not the teacher.
      check(await metric(p, 'params-student') < await metric(p, 'params-teacher'), 'the parameters card shows the teacher');
      await waitReady(p);
      check(/^step 25 of 25, batch KL [\d.]+, KL on the lecture prompts [\d.]+/.test(await p.locator('#distill-note').textContent()),
        `the note does not show the finished run: ${await p.locator('#distill-note').textContent()}`);
      const kl = await metric(p, 'metric-kl');
      await p.screenshot({ path: `${artifacts}/distill-1024x768.png`, fullPage: true });
      // The same URL in a fresh page distils again and shows the same numbers.
      const again = await open(hash);
      await again.getByTestId('distill-start').click();
      await waitReady(again);
      check(await metric(again, 'metric-kl') === kl, `the URL gave KL ${await metric(again, 'metric-kl')}, not ${kl}`);
      // A longer run, cancelled: the URL then holds the steps done, and they are what is shown.
      await again.evaluate(() => { location.hash = location.hash.replace('dsteps=25', 'dsteps=200'); });
      await again.getByTestId('distill-offer').waitFor({ state: 'visible', timeout: READY_TIMEOUT });
      await again.getByTestId('distill-start').click();
      await again.waitForFunction(() => /distilling: step (3\d|[4-9]\d) of 200/.test(document.querySelector('#progress-label').textContent),
        null, { timeout: READY_TIMEOUT, polling: 50 });
      await again.locator('#cancel').click();
      check((await again.getByTestId('status').textContent()) !== 'error', 'cancel gave an error');
      await again.waitForFunction(() => /dsteps=\d+/.test(location.hash) && !/dsteps=200/.test(location.hash));
      const steps = Number(/dsteps=(\d+)/.exec(again.url())[1]);
      check(steps >= 30 && steps < 200, `the URL holds dsteps=${steps}`);
      await waitReady(again);
      check(Number.isFinite(await metric(again, 'metric-kl')), 'no metrics after the cancelled distillation');
      await p.close();
      await again.close();
    });

    await test('the sweep draws the precomputed distilled students beside the Frobenius curve', async () => {
      const p = await open('#B=64&proj=frobenius');
      await waitReady(p);
      const counts = await p.evaluate(() => {
        const sweep = window.__playground.sweep;
        return { distilled: sweep.rows('distilled').size, removed: sweep.rows('removed').size,
          plan: sweep.rows('projected').size };
      });
      check(counts.plan === 9, `${counts.plan} points of the plan`);
      check(counts.distilled >= 7, `${counts.distilled} distilled points (models/distilled.students holds B = 4…256)`);
      check(counts.removed === 1, 'no MLP-removed floor');
      await p.screenshot({ path: `${artifacts}/sweep-distilled-1024x768.png`, fullPage: true });
      await p.close();
      // The canonical student itself: taken from the file, so the panel explains the missing curve.
      const q = await open('#B=64');
      await waitReady(q);
      const panel = await q.evaluate(() => ({ note: document.querySelector('#distill-note').textContent,
        chartHidden: document.querySelector('#distill-live').hidden }));
      check(/ready-made: trained beforehand/.test(panel.note), `distillation note: "${panel.note}"`);
      check(panel.chartHidden, 'an empty training chart is drawn for a ready-made student');
      await q.close();
    });

    await test('picking lecture prompts 1, 6 and 20 shows each one and changes the metrics', async () => {
      const p = await open('#B=16&layers=all');
      await waitReady(p);
      const prompts = readFileSync(`${root}models/prompts/lecture-20.txt`, 'utf8').split('\n').filter((l) => l.trim());
      const seen = new Set();
      for (const n of [1, 6, 20]) {
        await p.getByTestId('prompt-select').selectOption(String(n - 1));
        await p.waitForFunction((want) => document.querySelector('[data-testid="prompt"]').value === want, prompts[n - 1]);
        await waitReady(p);
        check((await p.getByTestId('prompt-select').inputValue()) === String(n - 1), `the select snapped back from prompt ${n}`);
        check(!(await p.locator('#message').textContent()), `an error after prompt ${n}: ${await p.locator('#message').textContent()}`);
        seen.add(await p.getByTestId('metric-kl').textContent());
      }
      check(seen.size === 3, `the metrics did not change between prompts: ${[...seen]}`);
      await p.close();
    });

    // Every tour step and every lecture question, reached the way a person does (Next, the arrow
    // keys), at a laptop's size, on a projector and on a phone: the text is on screen, each number
    // it quotes is the one an element shows, each curve it names is in the chart's legend, and the
    // projector view fits one screen. The page's text never shows a file name or "NaN".
    const SIZES = [
      { name: 'laptop', viewport: { width: 1440, height: 900 }, hash: '' },
      { name: 'projector', viewport: { width: 1024, height: 768 }, hash: '&present=1' },
      { name: 'phone', viewport: { width: 390, height: 844 }, hash: '' },
    ];
    const SHOTS = { tour: [2, 8, 10], q: [4, 13, 18] };
    for (const size of SIZES) {
      await test(`the guide at ${size.viewport.width}×${size.viewport.height} (${size.name}): every tour step and question against the screen`, async () => {
        const p = await open('', size.viewport);
        await waitReady(p);
        for (const [kind, count] of [['tour', 10], ['q', 20]]) {
          await p.evaluate(([k, h]) => { location.hash = `#${k}=1${h}`; }, [kind, size.hash]);
          for (let n = 1; n <= count; ++n) {
            const where = `${kind} ${n} at ${size.name}`;
            if (n > 1) await p.keyboard.press('ArrowRight');
            await p.waitForFunction(([k, m]) => new RegExp(`[?&#]${k}=${m}(&|$)`).test(location.hash), [kind, n]);
            await waitReady(p, { settle: true });
            await p.waitForFunction(() => !document.querySelector('#guide-body [data-pending]'), null, { timeout: READY_TIMEOUT })
              .catch(() => {});
            const seen = await p.evaluate(() => {
              const shown = (el) => el && el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }) &&
                el.getClientRects().length > 0;
              const guide = document.querySelector('#guide').getBoundingClientRect();
              return {
                guide: { top: guide.top, bottom: guide.bottom },
                height: innerHeight,
                overflow: document.documentElement.scrollHeight - innerHeight,
                pending: document.querySelectorAll('#guide-body [data-pending]').length,
                facts: [...document.querySelectorAll('#guide-body [data-source]')].map((el) => {
                  const source = document.querySelector(el.dataset.source);
                  return { text: el.textContent, source: el.dataset.source, shown: source?.textContent ?? null,
                    visible: shown(source) };
                }),
                series: [...document.querySelectorAll('#guide-body [data-series-ref]')].map((el) => ({
                  name: el.dataset.seriesRef,
                  visible: shown(document.querySelector(`[data-testid="${el.dataset.legend}"] .legend-item[data-series="${el.dataset.seriesRef}"]`)),
                })),
                text: document.body.innerText,
                status: document.querySelector('[data-testid="status"]').textContent,
              };
            });
            check(seen.status === 'ready', `${where}: status ${seen.status}`);
            check(seen.pending === 0, `${where}: ${seen.pending} numbers never arrived`);
            check(seen.facts.length >= 1, `${where} quotes no number`);
            check(seen.guide.top >= 0 && seen.guide.bottom <= seen.height, `${where}: the guide's text is off screen (${seen.guide.top}–${seen.guide.bottom})`);
            for (const f of seen.facts) {
              check(f.shown !== null && f.shown.includes(f.text), `${where}: the text says ${f.text}, ${f.source} shows ${f.shown}`);
              check(f.visible, `${where}: ${f.text} is quoted from ${f.source}, which is not on screen`);
            }
            for (const c of seen.series) check(c.visible, `${where} names the ${c.name} curve, which the legend does not show`);
            if (size.name === 'projector') check(seen.overflow <= 0, `${where}: ${seen.overflow} px below a 768 px screen`);
            for (const word of ['models/', '.txt', '.sh', 'README', 'NaN'])
              check(!seen.text.includes(word), `${where}: the page says "${word}"`);
            if (SHOTS[kind].includes(n))
              await p.screenshot({ path: `${artifacts}/${kind === 'tour' ? 'tour' : 'question'}-${n}-${size.name}.png` });
          }
        }
        await p.close();
      });
    }

    await test('the tour moves with the arrow keys and the browser\'s Back button', async () => {
      const p = await open('#tour=1');
      await waitReady(p);
      await p.keyboard.press('ArrowRight');
      await p.waitForFunction(() => /^2\./.test(document.querySelector('#guide-title').textContent));
      check(/tour=2/.test(p.url()) && /B=2(&|$)/.test(p.url()), `step 2's state is not in the URL: ${p.url()}`);
      await p.getByTestId('guide-next').click();
      await p.waitForFunction(() => /^3\./.test(document.querySelector('#guide-title').textContent));
      await p.goBack();
      await p.waitForFunction(() => /^2\./.test(document.querySelector('#guide-title').textContent));
      await p.keyboard.press('ArrowLeft');
      await p.waitForFunction(() => /^1\./.test(document.querySelector('#guide-title').textContent));
      await p.close();
    });

    await test('projector mode fits 1024×768 with numbers of 48 px and labels and chips of 20 px', async () => {
      for (const hash of ['#present=1', '#present=1&tour=5']) {
        const p = await open(hash);
        await waitReady(p);
        const sizes = await p.evaluate(() => {
          const px = (el) => parseFloat(getComputedStyle(el).fontSize);
          const visible = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
          const all = (selector) => [...document.querySelectorAll(selector)].filter(visible);
          return {
            overflow: document.documentElement.scrollHeight - window.innerHeight,
            values: all('.card .value').map(px),
            labels: all('.card h3, .controls legend, .controls label').map(px),
            chips: all('.chip').map(px),
          };
        });
        check(sizes.overflow <= 0, `${hash}: ${sizes.overflow} px below the screen`);
        check(sizes.values.length === 4 && Math.min(...sizes.values) >= 48, `${hash}: metric values ${sizes.values}`);
        check(Math.min(...sizes.labels) >= 20, `${hash}: labels of ${Math.min(...sizes.labels)} px`);
        check(sizes.chips.every((v) => v >= 20), `${hash}: chips of ${Math.min(...sizes.chips)} px`);
        await p.screenshot({ path: `${artifacts}/projector-${hash.includes('tour') ? 'tour-5' : 'main'}-1024x768.png` });
        await p.close();
      }
    });

    await test('a negative cosine is drawn inside the sweep chart', async () => {
      // Lecture prompt 11: the student's last-token logits point away from the teacher's at every B.
      const prompt = readFileSync(`${root}models/prompts/lecture-20.txt`, 'utf8').split('\n')[10];
      const p = await open(`#B=64&proj=frobenius&positions=last&prompt=${encodeURIComponent(prompt)}`);
      await waitReady(p);
      const { lowest, axisMin } = await p.evaluate(() => {
        const sweep = window.__playground.sweep;
        const cosines = [...sweep.rows('projected').values()].map((r) => r.cosine.mean);
        return { lowest: Math.min(...cosines), axisMin: sweep.agreement.plot.scales.y.min };
      });
      check(lowest < 0, `no negative cosine to draw (lowest ${lowest}); choose another state`);
      check(axisMin <= lowest, `the right axis starts at ${axisMin}, above the cosine ${lowest}`);
      await p.close();
    });

    await test('"café naïve" round-trips through the chips and the generations', async () => {
      const p = await open(`#B=4&prompt=${encodeURIComponent('A café for the naïve.')}`);
      await waitReady(p);
      const chips = await p.$$eval('#chips .chip', (els) => els.map((e) => e.textContent).join(''));
      check(chips === '<s>A café for the naïve.', `chips read ${JSON.stringify(chips)}`);
      for (const who of ['teacher', 'student']) {
        const text = await p.getByTestId(`gen-${who}`).textContent();
        check(text.startsWith('A café for the naïve.'), `the ${who}'s generation reads ${JSON.stringify(text.slice(0, 40))}`);
        check(!text.includes('\uFFFD'), `the ${who}'s generation holds a broken character`);
      }
      await p.close();
    });

    await test('cancel stops a loss-aware calibration of every layer at once; Frobenius is back within 2 s', async () => {
      const p = await open('#B=8&layers=all&proj=loss-aware-sequential&calib=heldout');
      await p.getByTestId('cancel').waitFor({ state: 'visible', timeout: READY_TIMEOUT });
      await p.waitForFunction(() => /calibrating the student: layer/.test(document.querySelector('#progress-label').textContent),
        null, { timeout: READY_TIMEOUT, polling: 50 });
      const t0 = Date.now();
      await p.getByTestId('cancel').click();
      await p.waitForFunction(() => document.querySelector('[data-testid="status"]').textContent === 'cancelled', null, { timeout: 1000 });
      figures.cancelMs = Date.now() - t0;
      check(figures.cancelMs <= 1000, `control came back after ${figures.cancelMs} ms`);
      const t1 = Date.now();
      await p.locator('#proj').selectOption('frobenius');
      await p.waitForFunction(() => !document.querySelector('.cards').classList.contains('stale') &&
        /proj=frobenius/.test(location.hash), null, { timeout: 10_000, polling: 50 });
      figures.frobeniusAfterCancelMs = Date.now() - t1;
      check(figures.frobeniusAfterCancelMs <= 2000, `the Frobenius view took ${figures.frobeniusAfterCancelMs} ms`);
      await waitReady(p);
      await p.close();
    });

    await test('on a phone (390×844) a metric card is on the first screen, and controls are finger-sized', async () => {
      const p = await open('#B=16', { width: 390, height: 844 });
      await waitReady(p);
      const layout = await p.evaluate(() => {
        const visible = (el) => el.getClientRects().length > 0;
        const controls = [...document.querySelectorAll('button, select, input, textarea')].filter(visible);
        return {
          card: document.querySelector('.card').getBoundingClientRect().top,
          slider: document.querySelector('[data-testid="block-size"]').getBoundingClientRect().top,
          small: controls.filter((el) => {
            const r = (el.closest('label') || el).getBoundingClientRect();
            return r.height < 40 && el.type !== 'file';
          }).map((el) => el.id || el.name || el.type),
        };
      });
      check(layout.card < 844, `the first metric card starts at y = ${layout.card}`);
      check(layout.slider < 844 * 2, `the slider starts at y = ${layout.slider}`);
      check(layout.small.length === 0, `controls under 40 px: ${layout.small.join(', ')}`);
      await p.screenshot({ path: `${artifacts}/phone-390x844.png` });
      await p.close();
    });

    await test('axe-core finds no serious or critical accessibility problem on the main view, the tour and a question', async () => {
      const axe = readFileSync(`${root}node_modules/axe-core/axe.min.js`, 'utf8');
      for (const hash of ['#B=64', '#tour=2', '#q=4']) {
        const p = await open(hash);
        await waitReady(p);
        await p.addScriptTag({ content: axe });
        const violations = await p.evaluate(async () => (await window.axe.run(document)).violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`));
        check(violations.length === 0, `${hash}: ${violations.join('\n')}`);
        const slider = await p.getByTestId('block-size').getAttribute('aria-valuetext');
        check(/^B = \d+$/.test(slider), `the slider says ${slider}`);
        await p.close();
      }
    });

    await test('the single-file build works opened from disk (file://), offline', async () => {
      const single = `${root}dist-single/index.html`;
      check(existsSync(single), 'dist-single/index.html is missing: npm run build:single');
      const p = await browser.newPage({ viewport: { width: 1024, height: 768 } });
      p.on('pageerror', (e) => errors.push(String(e)));
      await p.goto(`file://${single}#B=16&layers=all`);
      await waitReady(p);
      check(Number.isFinite(await metric(p, 'metric-kl')), 'no metrics from the single file');
      figures.singleFileBytes = readFileSync(single).length;
      await p.close();
    });

    const peer = `${root}../shared/peer-models`;
    await test('load your own model: a llama2.c checkpoint and tokenizer from disk', async () => {
      if (!existsSync(`${peer}/stories260K.bin`)) skip('../shared/peer-models is absent');
      const p = await open('#B=16&prompt=Once%20upon%20a%20time');
      await waitReady(p);
      await p.locator('#open-loader').click();
      await p.locator('#model-file').setInputFiles({ name: 'stories260K.bin', mimeType: 'application/octet-stream', buffer: readFileSync(`${peer}/stories260K.bin`) });
      await p.locator('#tokenizer-file').setInputFiles({ name: 'tok512.bin', mimeType: 'application/octet-stream', buffer: readFileSync(`${peer}/tok512.bin`) });
      await p.locator('#load-files').click();
      await p.waitForFunction(() => document.querySelector('[data-testid="model-name"]').textContent.startsWith('stories260K.bin'), null, { timeout: READY_TIMEOUT });
      await waitReady(p, { settle: true });
      check(await p.locator('#layer-toggles input').count() === 5, 'the layer toggles do not show 5 layers');
      check(/no ready-made distilled students: showing the projected/.test(await p.getByTestId('notice').textContent()),
        'the switch to the projected student is not said');
      check(await metric(p, 'metric-kl') > 0, 'no metrics for the loaded model');
      await p.close();
    });

    await test('full-page screenshots at 1024×768 and 1440×900', async () => {
      for (const [w, h] of [[1024, 768], [1440, 900]]) {
        const p = await open('#B=64&layers=first:2', { width: w, height: h });
        await waitReady(p);
        const overflow = await p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        check(overflow <= 0, `${w} px: ${overflow} px of horizontal overflow`);
        await p.screenshot({ path: `${artifacts}/page-${w}x${h}.png`, fullPage: true });
        await p.close();
      }
    });

    await test('the built folder works under any base path', async () => {
      const parent = await serveStatic(root);
      try {
        const p = await browser.newPage();
        p.on('pageerror', (e) => errors.push(String(e)));
        await p.goto(`http://127.0.0.1:${parent.port}/dist/#B=2&proj=frobenius`);
        await waitReady(p);
        check(Number.isFinite(await metric(p, 'metric-kl')), 'no metrics under /dist/');
        await p.close();
      } finally {
        await parent.close();
      }
    });

    await test('the default view shows the lesson without a click: projected, distilled, low-rank, removed, speed', async () => {
      const p = await open('', { width: 1440, height: 900 });
      await waitReady(p);
      const view = await p.evaluate(() => {
        const cells = (series) => [...document.querySelectorAll(`#sweep-table td[data-series="${series}"]`)]
          .map((td) => Number(td.textContent)).filter(Number.isFinite);
        const onScreen = (el) => el.getBoundingClientRect().bottom <= innerHeight;
        return {
          projected: cells('projected'), distilled: cells('distilled'), lowRank: cells('low-rank'), removed: cells('removed'),
          legend: [...document.querySelectorAll('[data-testid="sweep-legend"] .legend-item')].map((el) => el.dataset.series),
          speed: window.__playground.speedChart.rows.size,
          chartsOnScreen: onScreen(document.querySelector('#sweep-chart')) && onScreen(document.querySelector('#tradeoff-chart')),
          hash: location.hash,
        };
      });
      check(view.projected.length === 9 && view.removed.length >= 1 && view.lowRank.length === 9,
        `reference curves missing: ${JSON.stringify(view)}`);
      check(view.distilled.length >= 8, `${view.distilled.length} distilled points`);
      for (const name of ['projected', 'distilled', 'low-rank', 'removed']) check(view.legend.includes(name), `no ${name} in the legend`);
      check(view.speed === 9, `speed measured at ${view.speed} block sizes`);
      check(view.chartsOnScreen, 'the KL and speed charts are below the first screen at 1440×900');
      check(view.hash === '', `the default view writes ${view.hash}`);
      // The lesson in numbers: from B = 8 the projected student is about as far as no MLP at all,
      // the distilled one much closer; B = 2 is slower than the teacher.
      const [b8, b2] = [3, 1];
      check(Math.abs(view.projected[b8] - view.removed[0]) < 0.15 * view.removed[0], 'projected at B = 8 is not near the floor');
      check(view.distilled[b8] < 0.5 * view.projected[b8], 'the distilled student is not much closer');
      const speedAt2 = await p.evaluate(() => window.__playground.speedChart.row(2).speedup.decode.median);
      check(speedAt2 < 1, `B = 2 decodes at ${speedAt2}× the teacher`);
      await p.screenshot({ path: `${artifacts}/default-1440x900.png` });
      await p.close();
    });

    await test('a link with a value the page cannot use ends with a URL that names what is shown, and says so', async () => {
      const p = await open('#B=3&layers=first:99&tour=42');
      await waitReady(p);
      const after = await p.evaluate(() => ({ hash: location.hash, notice: document.querySelector('#notice').textContent,
        block: document.querySelector('#block-label').textContent }));
      check(!/B=3|first:99|tour=/.test(after.hash), `the URL still says ${after.hash}`);
      check(after.block === '64', `B shown is ${after.block}`);
      check(/B = 3/.test(after.notice) && /first:99/.test(after.notice), `notice: "${after.notice}"`);
      // The next edit is the visitor's own: the notice goes.
      await p.getByTestId('block-size').fill('4');
      await waitReady(p);
      check(!(await p.locator('#notice').textContent()), 'the notice stays after an edit');
      await p.close();
    });

    await test('choosing "distilled" where no student is ready offers the training and the nearest ready plan', async () => {
      const p = await open('#B=2&layers=first:2');
      await waitReady(p);
      const offer = await p.getByTestId('distill-offer').textContent();
      check(/300 steps/.test(offer) && /about \d+ (s|minutes) on this machine/.test(offer), `offer: "${offer}"`);
      check(!/distilling/.test(await p.locator('#progress-label').textContent()), 'a training started by itself');
      check(!/calib/.test(p.url()), 'another control changed by itself');
      await p.getByTestId('distill-nearest').click();
      await waitReady(p);
      check(/B=4/.test(p.url()) && !/layers=/.test(p.url()), `the nearest ready plan is ${p.url()}`);
      check(await metric(p, 'metric-kl') > 0, 'no metrics for the ready-made student');
      check(await p.getByTestId('distill-offer').isHidden(), 'the offer stays for a ready student');
      await p.close();
    });

    await test('embedded at 600×450: slider, KL card and main chart on the first screen, a link to the full page', async () => {
      const p = await open('#embed=1', { width: 600, height: 450 });
      await waitReady(p);
      const layout = await p.evaluate(() => {
        const bottom = (selector) => document.querySelector(selector).getBoundingClientRect().bottom;
        return { slider: bottom('[data-testid="block-size"]'), kl: bottom('[data-testid="metric-kl"]'),
          chart: bottom('#sweep-chart'), full: document.querySelector('[data-testid="full-page"]').href };
      });
      check(layout.slider <= 450 && layout.kl <= 450 && layout.chart <= 450, `below the fold: ${JSON.stringify(layout)}`);
      check(!/embed=1/.test(layout.full) && await p.getByTestId('full-page').isVisible(), `full page link: ${layout.full}`);
      await p.screenshot({ path: `${artifacts}/embed-600x450.png` });
      await p.close();
    });

    await test('Share / embed gives the link and an iframe of this view; each hide= name hides one thing', async () => {
      const p = await open('#B=16&proj=frobenius');
      await waitReady(p);
      await p.getByTestId('open-share').click();
      const link = await p.locator('#share-link').inputValue();
      check(link === p.url(), `the link is ${link}, the page ${p.url()}`);
      const html = await p.locator('#share-embed').inputValue();
      check(/^<iframe src="[^"]*#[^"]*B=16[^"]*embed=1[^"]*" width="800" height="600"/.test(html), `iframe: ${html}`);
      await p.locator('#share-size').selectOption('600x450');
      check(/width="600" height="450"/.test(await p.locator('#share-embed').inputValue()), 'the size option does nothing');
      await p.locator('#close-share').click();
      await p.close();
      const q = await open('#hide=structure');
      await waitReady(q);
      check(!(await q.locator('[data-control="structure"]').isVisible()), 'hide=structure left the control');
      check(await q.locator('[data-panel="heatmaps"]').isVisible(), 'hide=structure also hid the block view');
      await q.close();
    });

    await test('a model whose context cannot hold the lecture prompts still becomes ready, and a failed load leaves no progress bar', async () => {
      // The shipped model with a context of 16: its header says so, and its rotary tables are cut to match.
      const bytes = readFileSync(`${root}models/default.bin`);
      const header = new Int32Array(bytes.buffer, bytes.byteOffset, 7);
      const [dim, , , heads, , , seqLen] = header;
      const half = dim / heads / 2;
      const tables = seqLen * half * 4;
      const body = bytes.subarray(28, bytes.length - 2 * tables);
      const real = bytes.subarray(bytes.length - 2 * tables, bytes.length - 2 * tables + 16 * half * 4);
      const imag = bytes.subarray(bytes.length - tables, bytes.length - tables + 16 * half * 4);
      const head = Buffer.from(bytes.subarray(0, 28));
      head.writeInt32LE(16, 24);
      const short = Buffer.concat([head, body, real, imag]);
      const p = await open('#prompt=Once%20upon%20a%20time');
      await waitReady(p);
      await p.locator('#open-loader').click();
      await p.locator('#model-file').setInputFiles({ name: 'short16.bin', mimeType: 'application/octet-stream', buffer: short });
      await p.locator('#load-files').click();
      await p.waitForFunction(() => document.querySelector('[data-testid="model-name"]').textContent.startsWith('short16.bin'),
        null, { timeout: READY_TIMEOUT });
      await waitReady(p, { settle: true });
      check(/model=short16\.bin/.test(p.url()), `the URL does not name the model: ${p.url()}`);
      check(/short16\.bin/.test(await p.getByTestId('model-badge').textContent()), 'the loaded model is not named on screen');
      await p.getByTestId('open-share').click();
      check(/short16\.bin/.test(await p.locator('#share-warning').textContent()), 'the link does not warn it needs the file');
      await p.locator('#close-share').click();
      // A broken file: an error, the previous model keeps working, no progress bar left behind.
      await p.locator('#open-loader').click();
      await p.locator('#model-file').setInputFiles({ name: 'broken.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(64, 7) });
      await p.locator('#load-files').click();
      await p.waitForFunction(() => /broken\.bin/.test(document.querySelector('#message').textContent), null, { timeout: 30_000 });
      check(await p.locator('#progress').isHidden(), 'the progress bar stays after a failed load');
      check(/still loaded/.test(await p.locator('#message').textContent()), 'the message does not say the model still works');
      await p.close();
    });

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
  if (notRun) console.log(`(E2E_ONLY: ${notRun} tests not run)`);
  console.log(`browser: ${passed} passed, ${failed} failed${skipped.length ? `, ${skipped.length} skipped` : ''}`);
  process.exitCode = failed === 0 ? 0 : 1;
}

main().catch((error) => {
  console.log(`browser suite could not run: ${error.stack || error}`);
  writeFileSync(`${artifacts}/browser-results.json`, '{"passed": 0, "failed": 1, "skipped": []}\n');
  console.log('browser: 0 passed, 1 failed');
  process.exitCode = 1;
});
