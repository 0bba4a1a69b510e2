// How long a visitor waits: the built page loaded in fresh Chromium contexts, navigation → the
// first number on the KL card and → "ready", with the bytes fetched before that first number and
// a timeline of every request. Given two or more built folders it alternates them load by load,
// so a busy host slows every build alike; compare the builds, not the absolute figures.
//
//   node bench/page-load.mjs [--runs 5] [--hash '#B=16'] [--isolated] [--cold-browser | --both]
//                            [dist-before dist-after ...]
//
// Each visit launches a browser with a profile of its own, waits until that browser has finished
// starting (its processes idle: tests/browser/settle.mjs), then navigates: a visitor clicks a link
// in a browser that is already running. Chromium's start-up keeps a renderer of its own busy for
// about 1.5 s (the address bar's preloaded popup), which on a 2-core host takes a core from the
// page. --cold-browser navigates at once, as the first seven passes measured; --both does each
// visit both ways, alternating (docs/loading.md, "An eighth pass").
//
// --isolated serves with the COOP/COEP headers (as npm start and a host that can set headers
// do), so the page runs the threaded engine (docs/loading.md, "Threads").
//
// Each folder is served by the browser suite's static server (tests/browser/static-server.mjs), in
// a process of its own so that driving the browser never delays a response. A benchmark, not a
// test: it fails only when the page does not load.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { browsersSettled } from '../tests/browser/settle.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at < 0 ? fallback : args.splice(at, 2)[1];
};
const runsGiven = option('--runs', '5');
const runs = Number(runsGiven);
if (!Number.isInteger(runs) || runs < 1) {
  console.error(`page-load: --runs wants a whole number of 1 or more, not ${runsGiven}`);
  process.exit(2);
}
const hash = option('--hash', '');
const flag = (name) => {
  const at = args.indexOf(name);
  if (at >= 0) args.splice(at, 1);
  return at >= 0;
};
const isolated = flag('--isolated');
const both = flag('--both');
const coldBrowser = flag('--cold-browser');
if (both && coldBrowser) {
  console.error('page-load: --both already visits with the browser just launched; give --both or --cold-browser, not both');
  process.exit(2);
}
const folders = (args.length ? args : ['dist']).map((f) => resolve(f));
// What is measured, in the order each round visits them: a folder, and how its browser is met.
const variants = folders.flatMap((folder, server) => (both ? [false, true] : [coldBrowser])
  .map((cold) => ({ folder, server, cold })));
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];
const TIMEOUT_MS = 180_000;

const median = (values) => {
  const v = [...values].sort((a, b) => a - b), h = v.length >> 1;
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
};
const MB = (bytes) => (bytes / 1e6).toFixed(1);

// One visit in a fresh browser (its own profile, so no cache and no compiled-code cache is shared).
async function visit(url, cold) {
  const profile = mkdtempSync(join(tmpdir(), 'page-load-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS,
    viewport: { width: 1440, height: 900 },
  });
  const requests = [];
  // Worker requests (the engine) are the context's too.
  context.on('requestfinished', (request) => requests.push(request));
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const settled = cold ? 0 : await browsersSettled();
    await page.goto(url);
    await page.waitForFunction(() => window.__playground?.timings.firstReady != null, null,
      { timeout: TIMEOUT_MS, polling: 100 });
    const { origin, timings } = await page.evaluate(() => ({ origin: performance.timeOrigin,
      timings: { ...window.__playground.timings } }));
    // The worker's milestone, on the page's clock.
    const compiled = await page.workers()[0]?.evaluate(() => self.engineCompiledAt).catch(() => null);
    if (compiled) timings.engineCompiled = compiled - origin;
    const files = [];
    for (const request of requests) {
      const t = request.timing();
      const sizes = await request.sizes().catch(() => ({ responseBodySize: 0 }));
      const path = new URL(request.url()).pathname.replace(/^\//, '');
      files.push({ path, start: t.startTime - origin, end: t.startTime + t.responseEnd - origin,
        firstByte: t.startTime + t.responseStart - origin,
        bytes: sizes.responseBodySize });
    }
    files.sort((a, b) => a.start - b.start);
    const first = timings.firstMetrics;
    const before = files.filter((f) => f.start <= first).reduce((sum, f) => sum + f.bytes, 0);
    const all = files.reduce((sum, f) => sum + f.bytes, 0);
    return { first, ready: timings.firstReady, before, all, files, timings, settled };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

function summary({ folder, cold }, visits) {
  const range = (key, scale = (x) => x, digits = 0) => {
    const values = visits.map((v) => scale(v[key]));
    return `${median(values).toFixed(digits)} [${Math.min(...values).toFixed(digits)}–` +
      `${Math.max(...values).toFixed(digits)}]`;
  };
  console.log(`\n${folder}, ${cold ? 'browser just launched' : 'browser started'} (${visits.length} loads): median [range]`);
  console.log(cold ? '  each navigation at once after its browser launched'
    : `  each navigation once its browser had finished starting (${range('settled')} ms after launch)`);
  console.log(`  navigation → first number   ${range('first')} ms`);
  console.log(`  navigation → ready          ${range('ready')} ms`);
  console.log(`  fetched before first number ${range('before', (b) => b / 1e6, 1)} MB ` +
    `(requests started by then); by ready ${range('all', (b) => b / 1e6, 1)} MB`);
  // The timeline of the visit whose first number was the median one.
  const sorted = [...visits].sort((a, b) => a.first - b.first);
  const typical = sorted[(sorted.length - 1) >> 1];
  console.log('  timeline of the median visit (ms after navigation):');
  for (const f of typical.files)
    console.log(`    ${f.start.toFixed(0).padStart(6)} → ${f.end.toFixed(0).padStart(6)}  ${MB(f.bytes).padStart(5)} MB  ${f.path}` +
      ` (first byte ${f.firstByte.toFixed(0)})`);
  const milestones = Object.entries(typical.timings).filter(([, v]) => typeof v === 'number')
    .sort((a, b) => a[1] - b[1]);
  for (const [key, value] of milestones) console.log(`    ${value.toFixed(0).padStart(6)}            ${key}`);
  // What each of the page's parts took, in the order they ran (web/parts.js).
  const parts = Object.entries(typical.timings.last ?? {}).map(([name, ms]) => `${name} ${ms.toFixed(0)}`);
  console.log(`  parts of the median visit (ms each): ${parts.join(', ')}`);
}

// A static server in a child process; resolves to {port, close}.
async function serve(folder) {
  const child = spawn(process.execPath, [new URL('../tests/browser/static-server.mjs', import.meta.url).pathname, folder,
    ...(isolated ? ['--isolated'] : [])],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(child.stdout, 'data');
  return { port: Number(String(line).trim()), close: () => child.kill() };
}

const servers = await Promise.all(folders.map(serve));
const visits = variants.map(() => []);
try {
  for (let round = 0; round < runs; ++round) {
    // Alternate the order too, so no build always goes first after a pause.
    const order = variants.map((_, i) => i);
    if (round % 2) order.reverse();
    for (const i of order) {
      const { folder, server, cold } = variants[i];
      const v = await visit(`http://127.0.0.1:${servers[server].port}/${hash}`, cold);
      visits[i].push(v);
      console.log(`round ${round + 1}, ${folder}: first number ${v.first.toFixed(0)} ms, ready ` +
        `${v.ready.toFixed(0)} ms, ${MB(v.before)} MB before the first number` +
        (cold ? ' (browser just launched)' : ` (browser settled in ${v.settled.toFixed(0)} ms)`));
    }
  }
} finally {
  await Promise.all(servers.map((s) => s.close()));
}
variants.forEach((variant, i) => summary(variant, visits[i]));
