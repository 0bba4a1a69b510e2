// The browser's figures beside the native ones, measured in one run (ratios are what to read;
// absolute figures move ±30 % on a shared machine): teacher decode in Chromium against
// `circulant bench`, the page's first measured decode against a warm one, and one distillation
// step in Chromium against bench_distill_step natively. Needs the native build and web/engine/
// (npm run build). Run on a quiet machine: node bench/browser-bench.mjs
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveStatic } from '../tests/browser/static-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const run = (file, args) => execFileSync(join(root, file), args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

// The engine's own settings: the page's speed panel and the CLI's bench (cpp/eval/throughput.h).
const PAGE = { promptTokens: 64, decodeTokens: 32 };
const LONG = { promptTokens: 64, decodeTokens: 128, runs: 9 };

function native() {
  const bench = run('build/native/circulant', ['bench', '--runs', String(LONG.runs)]);
  const decode = Number(/decode\s+([\d.]+) tokens\/s/.exec(bench)[1]);
  const steps = run('build/native/bench/bench_distill_step', ['--benchmark_filter=teacher|distill_step/16/1']);
  const seconds = (label) => Number(new RegExp(`\\| ${label}[^|]*\\| ([\\d.]+) \\|`).exec(steps)[1]);
  return { decode, teacherForward: seconds('teacher forward'), distillStep: seconds('distillation step, all layers, B16') };
}

async function browser() {
  const server = await serveStatic(root);
  const chrome = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  try {
    const page = await chrome.newPage();
    await page.goto(`http://127.0.0.1:${server.port}/bench/browser-bench.html`);
    await page.waitForFunction(() => window.benchReady === true);
    return await page.evaluate((settings) => window.measure(settings),
      { warmUpMs: 300, page: PAGE, long: LONG, distillSteps: 8 });
  } finally {
    await chrome.close();
    await server.close();
  }
}

const before = native();
const web = await browser();
const after = native();
// Native figures before and after the browser's, so a drift of the machine shows.
const mid = (key) => (before[key] + after[key]) / 2;
const f = (v, digits = 2) => v.toFixed(digits);
console.log('| figure | native (one thread) | Chromium (WebAssembly) | Chromium ÷ native |');
console.log('|---|---:|---:|---:|');
console.log(`| teacher decode, tokens/s (${LONG.decodeTokens} tokens after a ${LONG.promptTokens}-token prompt) | ` +
  `${f(before.decode, 0)}–${f(after.decode, 0)} | ${f(web.decode, 0)} | ${f(web.decode / mid('decode'))} |`);
console.log(`| distillation step, B = 16, all layers, 16 lines, seconds (fastest) | ${f(mid('distillStep'), 3)} | ` +
  `${f(web.distillStepFastest, 3)} (median ${f(web.distillStepMedian, 3)}) | ${f(web.distillStepFastest / mid('distillStep'))} |`);
console.log(`| teacher forward over the same 16 lines, seconds | ${f(mid('teacherForward'), 3)} | | |`);
console.log();
console.log(`The page's first measured decode (after its ${300} ms warm-up at load, median of 3 runs of ` +
  `${PAGE.decodeTokens} tokens): ${f(web.firstPageDecode, 0)} tokens/s; warm: ${f(web.warmPageDecode, 0)}; ` +
  `first ÷ warm ${f(web.firstPageDecode / web.warmPageDecode)}.`);
