// The page's basics: links, text safety, embed and hide, messages, distillation, the
// ready-made students, the prompt select (the first load, the slider and cancels:
// suite-measured.mjs).
import { readFileSync } from 'node:fs';
import { artifacts, check, metric, READY_TIMEOUT, root, test, waitReady } from './harness.mjs';

export async function pageSuite({ open }) {
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
      `default.bin fetched ${fetched('/default.bin')} times, the B = 64 students ${fetched('/b64.students')} (each should be fetched once)`);
    // The worker started first thing is the one the page uses (web/worker-factory.js): a second
    // request would mean a second worker.
    const workers = requests.filter((r) => /\/assets\/worker-[\w-]+\.js$/.test(r)).length;
    check(workers === 1, `the engine's worker script was requested ${workers} times`);
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

// The longest test (three trainings in the page), run in the guide's lane once the guide is done.
export async function distillSuite({ open }) {
  await test('distillation: progress, a URL that reproduces the student, cancel that keeps the steps done', async () => {
    const hash = `#B=16&layers=all&proj=distill&calib=heldout&dsteps=10&prompt=${encodeURIComponent('The old house stood on a hill.')}`;
    const p = await open(hash);
    // No ready-made student for 10 steps: the page offers the training instead of starting it.
    await p.getByTestId('distill-offer').waitFor({ state: 'visible', timeout: READY_TIMEOUT });
    check(/10 steps/.test(await p.getByTestId('distill-offer').textContent()), 'the offer does not say how many steps');
    await p.getByTestId('distill-start').click();
    await p.waitForFunction(() => /^step \d+ of 10/.test(document.querySelector('#distill-note').textContent), null,
      { timeout: READY_TIMEOUT, polling: 100 });
    check(await p.locator('#distill-panel').isVisible(), 'the distillation panel is hidden');
    check(/distilling: step \d+ of 10/.test(await p.locator('#progress-label').textContent()), 'no step count in the progress bar');
    // While it trains, the parameter card shows the student, not the teacher.
    check(await metric(p, 'params-student') < await metric(p, 'params-teacher'), 'the parameters card shows the teacher');
    await waitReady(p);
    check(/^step 10 of 10, batch KL [\d.]+, KL on the lecture prompts [\d.]+/.test(await p.locator('#distill-note').textContent()),
      `the note does not show the finished run: ${await p.locator('#distill-note').textContent()}`);
    const kl = await metric(p, 'metric-kl');
    await p.screenshot({ path: `${artifacts}/distill-1024x768.png`, fullPage: true });
    // The same URL in a fresh page distils again and shows the same numbers.
    const again = await open(hash);
    await again.getByTestId('distill-start').click();
    await waitReady(again);
    check(await metric(again, 'metric-kl') === kl, `the URL gave KL ${await metric(again, 'metric-kl')}, not ${kl}`);
    // A longer run, cancelled: the URL then holds the steps done, and they are what is shown.
    await again.evaluate(() => { location.hash = location.hash.replace('dsteps=10', 'dsteps=100'); });
    await again.getByTestId('distill-offer').waitFor({ state: 'visible', timeout: READY_TIMEOUT });
    await again.getByTestId('distill-start').click();
    await again.waitForFunction(() => /distilling: step (1[2-9]|[2-9]\d) of 100/.test(document.querySelector('#progress-label').textContent),
      null, { timeout: READY_TIMEOUT, polling: 50 });
    await again.locator('#cancel').click();
    check((await again.getByTestId('status').textContent()) !== 'error', 'cancel gave an error');
    await again.waitForFunction(() => /dsteps=\d+/.test(location.hash) && !/dsteps=100/.test(location.hash));
    const steps = Number(/dsteps=(\d+)/.exec(again.url())[1]);
    check(steps >= 12 && steps < 100, `the URL holds dsteps=${steps}`);
    await waitReady(again);
    check(Number.isFinite(await metric(again, 'metric-kl')), 'no metrics after the cancelled distillation');
    await p.close();
    await again.close();
  });
}
