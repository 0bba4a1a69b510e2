// Charts, text, phone, accessibility, files and models of one's own, base paths, the
// default view, links that need correcting, the distillation offer, embeds and sharing.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { artifacts, check, figures, metric, READY_TIMEOUT, root, skip, test, waitReady } from './harness.mjs';
import { serveStatic } from './static-server.mjs';

export async function moreSuite({ open, browser, errors }) {
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
    const threads = await p.getByTestId('threads').textContent();
    check(threads === '1 thread: this page is not cross-origin isolated (opened from disk)', `threads: "${threads}"`);
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

  // The same model as GGUF (circulant convert, float32): the page reads its tokenizer from the file
  // and shows the very numbers the llama2.c checkpoint gives.
  await test('load your own model: the default model as a GGUF file gives the same numbers', async () => {
    const gguf = `${root}build/browser-default.gguf`;
    execFileSync(`${root}build/native/circulant`, ['convert', '--model', `${root}models/default.bin`,
      '--tokenizer', `${root}models/tokenizer.bin`, '--out', gguf]);
    const hash = `#B=64&proj=frobenius&prompt=${encodeURIComponent('Once upon a time, a little fox')}`;
    const p = await open(hash);
    await waitReady(p);
    const numbers = () => Promise.all(['metric-kl', 'metric-cosine', 'metric-top1'].map((id) => metric(p, id)));
    const before = await numbers();
    await p.locator('#open-loader').click();
    await p.locator('#model-file').setInputFiles({ name: 'default.gguf', mimeType: 'application/octet-stream', buffer: readFileSync(gguf) });
    await p.locator('#load-files').click();
    await p.waitForFunction(() => document.querySelector('[data-testid="model-name"]').textContent.startsWith('default.gguf'), null, { timeout: READY_TIMEOUT });
    await waitReady(p, { settle: true });
    check(/proj=frobenius/.test(p.url()) && await p.getByTestId('block-size').inputValue() === '6',
      `the plan changed with the model: ${p.url()}`);
    const after = await numbers();
    check(after.every((v, i) => v === before[i]), `KL, cosine, top-1 from the .bin ${before}, from the .gguf ${after}`);
    await p.close();
  });

  // A GGUF file with a chat template (the ChatML one of tests/chat/templates.json, written in by
  // circulant convert --chat-template): the switch shows, wraps the prompt with the template
  // (web/chat.js), goes into the URL, and the lecture prompts are offered as chat questions.
  await test('load your own model: a GGUF file with a chat template offers chat, which wraps the prompt', async () => {
    const { template } = JSON.parse(readFileSync(`${root}tests/chat/templates.json`, 'utf8')).templates
      .find((t) => t.name === 'chatml');
    const jinja = `${root}build/browser-chatml.jinja`, gguf = `${root}build/browser-chatml.gguf`;
    writeFileSync(jinja, template);
    execFileSync(`${root}build/native/circulant`, ['convert', '--model', `${root}models/default.bin`,
      '--tokenizer', `${root}models/tokenizer.bin`, '--out', gguf, '--chat-template', jinja]);
    const p = await open(`#B=64&proj=frobenius&prompt=${encodeURIComponent('Once upon a time, a little fox')}`);
    await waitReady(p);
    check(await p.locator('#chat-switch').isHidden(), 'the chat switch shows for the shipped model, which has no template');
    await p.locator('#open-loader').click();
    await p.locator('#model-file').setInputFiles({ name: 'chatml.gguf', mimeType: 'application/octet-stream', buffer: readFileSync(gguf) });
    await p.locator('#load-files').click();
    await p.waitForFunction(() => document.querySelector('[data-testid="model-name"]').textContent.startsWith('chatml.gguf'), null, { timeout: READY_TIMEOUT });
    await waitReady(p, { settle: true });
    check(await p.locator('#chat-switch').isVisible(), 'no chat switch for a model with a chat template');
    const chips = () => p.$$eval('#chips .chip', (els) => els.map((e) => e.textContent).join(''));
    const plain = await chips();
    check(plain === '<s>Once upon a time, a little fox' && !/chat=1/.test(p.url()), `chat off: chips ${JSON.stringify(plain)}, URL ${p.url()}`);
    await p.getByTestId('chat').check();
    await p.waitForFunction(() => document.querySelector('#chips').textContent.includes('im_start'), null, { timeout: READY_TIMEOUT });
    await waitReady(p, { settle: true });
    const wrapped = await chips();
    check(wrapped === '<s><|im_start|>user\nOnce upon a time, a little fox<|im_end|>\n<|im_start|>assistant\n',
      `chat on: chips ${JSON.stringify(wrapped)}`);
    check(/[#&]chat=1(&|$)/.test(p.url()), `chat is not in the URL: ${p.url()}`);
    const options = await p.locator('#presets option').allTextContents();
    check(options.length === 21 && options[0] === 'Lecture questions, asked as chat…', `the prompt list reads ${options.slice(0, 2)}`);
    await p.getByTestId('prompt-select').selectOption('3');
    const question = readFileSync(`${root}models/prompts/lecture-20.txt`, 'utf8').split('\n')[3];
    await p.waitForFunction((q) => document.querySelector('#chips').textContent.includes(q), question, { timeout: READY_TIMEOUT });
    await waitReady(p, { settle: true });
    check((await chips()).startsWith(`<s><|im_start|>user\n${question}<|im_end|>`), 'lecture question 4 is not asked as chat');
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
    // The same view on a projector and on a phone, for the eye.
    for (const [hash, viewport, name] of [['#present=1', { width: 1024, height: 768 }, 'default-projector-1024x768'],
      ['', { width: 390, height: 844 }, 'default-390x844']]) {
      const q = await open(hash, viewport);
      await waitReady(q);
      await q.screenshot({ path: `${artifacts}/${name}.png` });
      await q.close();
    }
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
    // The shipped model with a context of 16: its header says so (a float16 checkpoint, version 1's
    // header: seq_len is the 7th field after magic and version; no rotary tables to cut).
    const short = Buffer.from(readFileSync(`${root}models/default.bin`));
    check(short.toString('latin1', 0, 4) === 'cf16', 'models/default.bin is not a float16 checkpoint');
    short.writeInt32LE(16, 8 + 6 * 4);
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
}
