// The threaded engine (engine-mt, cross-origin isolated pages) against the single-threaded one
// (engine.js) in Chromium, on the same isolated page: prefill and decode of the teacher and of the
// B = 16 student (every MLP matrix) as the speed panel measures them, one distillation step (every
// layer, B = 16, 16 lines), starting the engine and loading the default model into it. Each round opens a fresh page per engine, in alternating order,
// so the host's drift falls on all of them; medians over rounds, with their range. Needs
// web/engine/ (npm run build). Run on a quiet machine: node bench/threads-bench.mjs [rounds]
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveStatic } from '../tests/browser/static-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROUNDS = Number(process.argv[2] ?? 5);
const SETTINGS = { runs: 5, distillSteps: 4 };
const PAIRS = 6;  // a round's alternating pairs of 1 and all threads
const cores = Math.min(availableParallelism(), 8);  // web/threads.js MAX_THREADS
const ENGINES = [
  { name: 'single-threaded build', build: 'single', threads: 1 },
  { name: 'threaded build, 1 thread', build: 'threaded', threads: 1 },
  { name: `threaded build, ${cores} threads`, build: 'threaded', threads: cores },
];
// [key, label, digits, a rate (higher is faster) or a time]
const FIGURES = [
  ['teacherPrefill', 'teacher prefill, tokens/s (64-token prompt)', 0, 'rate'],
  ['teacherDecode', 'teacher decode, tokens/s (32 tokens)', 0, 'rate'],
  ['studentPrefill', 'B = 16 student prefill, tokens/s', 0, 'rate'],
  ['studentDecode', 'B = 16 student decode, tokens/s', 0, 'rate'],
  ['evaluate20', 'the 20 lecture prompts, B = 16 against the teacher at every position, s', 3, 'time'],
  ['distillStep', 'distillation step, B = 16, all layers, 16 lines, s', 3, 'time'],
  ['startMs', 'starting the engine (fetch, compile, instantiate, its pthreads), ms', 0, 'time'],
  ['loadMs', 'loading the default model into the engine, ms', 0, 'time'],
];

const median = (values) => {
  const v = [...values].sort((a, b) => a - b), h = v.length >> 1;
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
};

const server = await serveStatic(root, { isolated: true });
const chrome = await chromium.launch({
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
});
const version = chrome.version();
const results = ENGINES.map(() => []);
const alternating = Object.fromEntries(FIGURES.slice(0, 6).map(([key]) => [key, []]));
try {
  for (let r = 0; r < ROUNDS; ++r) {
    const order = ENGINES.map((_, i) => (i + r) % ENGINES.length);  // each engine first in turn
    for (const i of order) {
      const context = await chrome.newContext();
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${server.port}/bench/threads-bench.html`);
      await page.waitForFunction(() => window.benchReady === true);
      const { build, threads } = ENGINES[i];
      const figures = await page.evaluate((args) => window.measure(args), { build, threads, ...SETTINGS });
      if (figures.threads !== threads) throw new Error(`${ENGINES[i].name} ran on ${figures.threads} threads`);
      results[i].push(figures);
      await context.close();
    }
    // Then the threaded build alone, 1 and `cores` threads alternating call by call on one page.
    if (cores > 1) {
      const context = await chrome.newContext();
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${server.port}/bench/threads-bench.html`);
      await page.waitForFunction(() => window.benchReady === true);
      const ratios = await page.evaluate((args) => window.alternate(args), { threads: cores, pairs: PAIRS });
      for (const [key, values] of Object.entries(ratios)) alternating[key].push(...values);
      await context.close();
    }
    process.stderr.write(`round ${r + 1} of ${ROUNDS}\n`);
  }
} finally {
  await chrome.close();
  await server.close();
}

const cell = (i, key, digits) => {
  const values = results[i].map((f) => f[key]);
  return `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;
};
const last = ENGINES.length - 1;
console.log(`Chromium ${version}, ${availableParallelism()} cores, ${ROUNDS} rounds (median, range):`);
console.log();
console.log(`| figure | ${ENGINES.map((e) => e.name).join(' | ')} | ${cores} threads' speed-up over the single-threaded build |`);
console.log(`|---|${ENGINES.map(() => '---:').join('|')}|---:|`);
for (const [key, label, digits, kind] of FIGURES) {
  // Round by round (the two pages ran minutes apart at most), as a speed-up: above 1 is faster.
  const ratios = results[last].map((f, r) => (kind === 'rate' ? f[key] / results[0][r][key] : results[0][r][key] / f[key]));
  console.log(`| ${label} | ${ENGINES.map((_, i) => cell(i, key, digits)).join(' | ')} | ${median(ratios).toFixed(2)} |`);
}
if (cores > 1) {
  console.log();
  console.log(`The threaded build on one page, 1 and ${cores} threads alternating call by call (${PAIRS} pairs a round, ` +
    `${ROUNDS} rounds): the speed-up of ${cores} threads, median of the pairs (their range):`);
  console.log();
  console.log(`| figure | ${cores} threads ÷ 1 thread |`);
  console.log('|---|---:|');
  for (const [key, label] of FIGURES.slice(0, 6)) {
    const v = alternating[key];
    console.log(`| ${label.replace(/, (tokens\/s|s)\b.*$/, '')} | ${median(v).toFixed(2)} (${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)}) |`);
  }
}
