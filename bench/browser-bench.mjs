// The browser's figures beside the native ones, measured in one run (ratios are what to read;
// absolute figures move ±30 % on a shared machine): teacher decode in Chromium against
// `circulant bench` in alternating rounds, the page's first measured decode against a warm one,
// and one distillation step in Chromium against bench_distill_step natively. Needs the native
// build and web/engine/ (npm run build). Run on a quiet machine: node bench/browser-bench.mjs
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveStatic } from '../tests/browser/static-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (file, args) => execFileSync(join(root, file), args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

// The engine's own settings: the page's speed panel and the CLI's bench (cpp/eval/throughput.h).
const PAGE = { promptTokens: 64, decodeTokens: 32 };
const LONG = { promptTokens: 64, decodeTokens: 128, runs: 3 };
const ROUNDS = 5;

const median = (values) => {
  const v = [...values].sort((a, b) => a - b), h = v.length >> 1;
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
};
const nativeDecode = () => Number(/decode\s+([\d.]+) tokens\/s/.exec(
  run('build/native/circulant', ['bench', '--runs', String(LONG.runs)]))[1]);
function nativeSteps() {
  const steps = run('build/native/bench/bench_distill_step', ['--benchmark_filter=teacher|distill_step/16/1']);
  const seconds = (label) => Number(new RegExp(`\\| ${label}[^|]*\\| ([\\d.]+) \\|`).exec(steps)[1]);
  return { teacherForward: seconds('teacher forward'), distillStep: seconds('distillation step, all layers, B16') };
}

// Rounds of native decode, then a fresh Chromium page (its own engine, cold as a visitor's) that
// loads, warms up and decodes; a last native run closes the final round. Each round's ratio divides
// the browser's decode by the mean of the native runs on either side, so the host's drift (±30 %
// from minute to minute) falls mostly on both; the median round is reported.
const server = await serveStatic(root);
const chrome = await chromium.launch({
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
    '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
});
const native = [nativeDecode()];
const rounds = [];
let steps;
try {
  for (let r = 0; r < ROUNDS; ++r) {
    const context = await chrome.newContext();
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${server.port}/bench/browser-bench.html`);
    await page.waitForFunction(() => window.benchReady === true);
    const round = await page.evaluate((settings) => window.setUp(settings), { warmUpMs: 300, page: PAGE });
    round.decode = await page.evaluate((long) => window.decodeLong(long), LONG);
    if (r === ROUNDS - 1) steps = await page.evaluate((count) => window.distillSteps(count), 8);
    await context.close();
    native.push(nativeDecode());
    round.ratio = round.decode / ((native[r] + native[r + 1]) / 2);
    rounds.push(round);
  }
} finally {
  await chrome.close();
  await server.close();
}
const nativeStep = nativeSteps();

const f = (v, digits = 2) => v.toFixed(digits);
const range = (values, digits = 2) => `${f(Math.min(...values), digits)}–${f(Math.max(...values), digits)}`;
const ratios = rounds.map((r) => r.ratio);
const firstOverWarm = rounds.map((r) => r.firstPageDecode / r.warmPageDecode);
console.log(`| figure (${ROUNDS} rounds, native and Chromium alternating) | native (one thread) | Chromium (WebAssembly) | Chromium ÷ native |`);
console.log('|---|---:|---:|---:|');
console.log(`| teacher decode, tokens/s (${LONG.decodeTokens} tokens after a ${LONG.promptTokens}-token prompt) | ` +
  `${range(native, 0)} | ${range(rounds.map((r) => r.decode), 0)} | ${f(median(ratios))} (rounds ${range(ratios)}) |`);
console.log(`| distillation step, B = 16, all layers, 16 lines, seconds (fastest) | ${f(nativeStep.distillStep, 3)} | ` +
  `${f(steps.fastest, 3)} (median ${f(steps.median, 3)}) | ${f(steps.fastest / nativeStep.distillStep)} |`);
console.log(`| teacher forward over the same 16 lines, seconds | ${f(nativeStep.teacherForward, 3)} | | |`);
console.log();
console.log(`The page's first measured decode (after its 300 ms warm-up, median of 3 runs of ` +
  `${PAGE.decodeTokens} tokens) ÷ a warm one, each round in a fresh page: ${f(median(firstOverWarm))} ` +
  `(rounds ${range(firstOverWarm)}).`);
