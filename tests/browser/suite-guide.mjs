// The guide (tour and questions) against the screen at three sizes, its keys, and projector mode.
import { artifacts, check, metric, READY_TIMEOUT, test, waitReady } from './harness.mjs';

export async function guideSuite({ open }) {
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
  // The three sizes side by side, one page each: the engine of each page is busy in turns, so the
  // pages share the cores instead of waiting for one another.
  await Promise.all(SIZES.map((size) =>
    test(`the guide at ${size.viewport.width}×${size.viewport.height} (${size.name}): every tour step and question against the screen`, async () => {
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
                const box = source?.getBoundingClientRect();
                // On screen: rendered, and not cut off at the side (a table wider than its panel).
                return { text: el.textContent, source: el.dataset.source, shown: source?.textContent ?? null,
                  visible: shown(source) && box.left >= 0 && box.right <= innerWidth + 1 };
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
    })));

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
}
