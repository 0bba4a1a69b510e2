// The page's basics: loading, the slider, the 20 prompts, links, text safety, embed and hide,
// messages, cancel, distillation, the ready-made students, the prompt select.
import { readFileSync, statSync } from 'node:fs';
import { artifacts, check, figures, metric, READY_TIMEOUT, root, test, waitReady } from './harness.mjs';

export async function pageSuite({ open }) {
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

  await test('while the model downloads, the progress line gives each file\'s bytes of its total', async () => {
    // 8 MB/s: the download lasts a few seconds, long enough to read the line as a visitor would.
    const throttle = async (p) => (await p.context().newCDPSession(p)).send('Network.emulateNetworkConditions',
      { offline: false, latency: 0, downloadThroughput: 8e6, uploadThroughput: -1 });
    const p = await open('', undefined, { before: throttle });
    const size = (file) => (statSync(`${root}models/${file}`).size / 2 ** 20).toFixed(1);
    const expected = new RegExp(`default\\.bin [\\d.]+ of ${size('default.bin')} MB.*` +
      `tokenizer\\.bin \\d+ of \\d+ KB.*b64\\.students \\d+ of ${Math.ceil(statSync(`${root}models/distilled/b64.students`).size / 1024)} KB`);
    const seen = await p.waitForFunction((pattern) => {
      const label = document.querySelector('#progress-label').textContent;
      const bar = document.querySelector('#progress');
      return new RegExp(pattern).test(label) && bar.value > 0 && bar.value < bar.max && { label, max: bar.max };
    }, expected.source, { timeout: READY_TIMEOUT, polling: 50 });
    const { label, max } = await seen.jsonValue();
    const total = ['default.bin', 'tokenizer.bin', 'distilled/b64.students'].reduce((sum, f) => sum + statSync(`${root}models/${f}`).size, 0);
    check(max === total, `the bar counts ${max} bytes, the three files hold ${total} ("${label}")`);
    await waitReady(p);
    await p.close();
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
    // broken.bin borrowed the default tokenizer, whose bytes went to the worker: the default still loads.
    await p.locator('#load-default').click();
    await waitReady(p);
    check(Number.isFinite(await metric(p, 'metric-kl')), 'no metrics after loading the default model again');
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
    const requests = [];
    const p = await open('#B=64&proj=frobenius', undefined, { requests });
    await waitReady(p);
    const counts = await p.evaluate(() => {
      const sweep = window.__playground.sweep;
      // The page's clock for both: when the first number showed, and when the students were asked for.
      const students = performance.getEntriesByType('resource').filter((e) => /\/distilled\/b\d+\.students$/.test(e.name));
      return { distilled: sweep.rows('distilled').size, removed: sweep.rows('removed').size,
        plan: sweep.rows('projected').size, firstMetrics: window.__playground.timings.firstMetrics,
        studentsAsked: students.map((e) => e.startTime) };
    });
    // Issue 25: a first view without a distilled student does not wait for the students' 3 MB.
    check(counts.studentsAsked.length === 7 && counts.studentsAsked.every((t) => t > counts.firstMetrics),
      `the students were requested at ${counts.studentsAsked} ms, the first number showed at ${counts.firstMetrics} ms`);
    const fetched = (name) => requests.filter((r) => r.endsWith(name)).length;
    check(fetched('/default.bin') === 1 && fetched('/b64.students') === 1,
      `default.bin fetched ${fetched('/default.bin')} times, the B = 64 students ${fetched('/b64.students')} (the preload unused?)`);
    check(counts.plan === 9, `${counts.plan} points of the plan`);
    check(counts.distilled >= 7, `${counts.distilled} distilled points (models/distilled/ holds B = 4…256)`);
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

}
