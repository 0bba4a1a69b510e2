// Our engine against llama.cpp (@wllama/wllama 2.3.7's single-thread build) on one model shape in
// Chromium: prefill and decode tokens/s (64 prompt tokens, then 32 one at a time, as the page's
// speed panel), load time (the file's bytes in the page → ready) and peak memory (the renderer
// process's peak resident set, VmHWM, which holds the page, its workers and their wasm heaps).
// Each visit is a fresh browser running one engine; visits alternate engines and files, so the
// host's drift falls on both. A benchmark, not a test. Needs web/engine/ (npm run build) and the
// native build's make_synthetic_gguf (bash scripts/build.sh).
//
//   node bench/vs-wllama.mjs [--rounds 3] [--runs 3] [FILE.gguf ...]
//
// Without files it writes SmolLM2-135M-shaped ones (dim 576, hidden 1536, 30 layers, 9 heads,
// 3 KV heads, vocabulary 49,152, tied classifier) in F32, Q8_0 and Q4_K to build/bench/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveStatic } from '../tests/browser/static-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at < 0 ? fallback : Number(args.splice(at, 2)[1]);
};
const rounds = option('--rounds', 3);
const settings = { promptTokens: 64, decodeTokens: 32, runs: option('--runs', 3) };
const SHAPE = ['--dim', '576', '--hidden', '1536', '--layers', '30', '--heads', '9', '--kv-heads', '3',
  '--vocab', '49152', '--context', '8192', '--classifier', 'tied'];

function shapedFiles() {
  const folder = join(root, 'build/bench');
  mkdirSync(folder, { recursive: true });
  return ['f32', 'q8_0', 'q4_k'].map((type) => {
    const out = join(folder, `smollm2-135m-shaped-${type}.gguf`);
    if (!existsSync(out))
      execFileSync(join(root, 'build/native/make_synthetic_gguf'), [...SHAPE, '--type', type, '--out', out]);
    return out;
  });
}
const files = (args.length ? args.map((f) => resolve(f)) : shapedFiles());
for (const f of files)
  if (!f.startsWith(root)) throw new Error(`${f}: the page is served from the repository; put the file inside it`);

// The largest peak resident set among the renderer processes of the browser run with `profile`.
function rendererPeak(profile) {
  const parent = new Map(), command = new Map();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      parent.set(pid, stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      command.set(pid, readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    } catch { /* the process ended meanwhile */ }
  }
  const browsers = [...command].filter(([, c]) => c.includes(profile) && !c.includes('--type=')).map(([p]) => p);
  const descends = (pid) => { for (let p = pid; p && p !== '1'; p = parent.get(p)) if (browsers.includes(p)) return true; return false; };
  let peak = 0;
  for (const [pid, c] of command) {
    if (!c.includes('--type=renderer') || !descends(pid)) continue;
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (kb) peak = Math.max(peak, Number(kb[1]) * 1024);
  }
  return peak;
}

// A fresh profile each visit: nothing cached, and its folder names the browser's processes.
async function visit(port, engine, file) {
  const profile = mkdtempSync(join(tmpdir(), 'vs-wllama-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'] });
  try {
    const page = context.pages()[0] ?? await context.newPage();
    page.on('pageerror', (e) => console.error(String(e)));
    await page.goto(`http://127.0.0.1:${port}/bench/vs-wllama.html`);
    await page.waitForFunction(() => window.bench, null, { timeout: 60_000 });
    const url = '/' + relative(root, file);
    const result = await page.evaluate(([e, u, s]) => window.bench.run(e, u, s), [engine, url, settings]);
    return { ...result, peakBytes: rendererPeak(profile) };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const median = (v) => {
  const s = [...v].sort((a, b) => a - b), h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};
const server = await serveStatic(root);
const ENGINES = ['ours', 'llama.cpp'];
const results = new Map();  // `${file} ${engine}` → visits
const failures = new Map();  // `${file} ${engine}` → the last failure's message
for (let r = 0; r < rounds; ++r)
  for (const file of files)
    for (const engine of r % 2 ? [...ENGINES].reverse() : ENGINES) {
      const v = await visit(server.port, engine, file).catch((e) => ({ failed: e.message.split('\n')[0] }));
      if (v.failed) {
        console.error(`round ${r + 1} ${basename(file)} ${engine}: failed: ${v.failed}`);
        failures.set(`${file} ${engine}`, v.failed);
        continue;
      }
      console.error(`round ${r + 1} ${basename(file)} ${engine}: prefill ${v.prefill.toFixed(1)} tok/s, ` +
        `decode ${v.decode.toFixed(1)} tok/s, load ${Math.round(v.loadMs)} ms, peak ${(v.peakBytes / 1e6).toFixed(0)} MB`);
      const key = `${file} ${engine}`;
      results.set(key, [...(results.get(key) ?? []), v]);
    }
await server.close();

const cell = (visits, pick, digits) => {
  const v = visits.map(pick);
  return `${median(v).toFixed(digits)} [${Math.min(...v).toFixed(digits)}–${Math.max(...v).toFixed(digits)}]`;
};
console.log(`medians [ranges] of ${rounds} visits each; ${settings.runs} timed runs a visit after one warm-up; ` +
  `load average at the end ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
console.log('| file | engine | prefill tok/s | decode tok/s | load ms | peak MB |');
console.log('|---|---|---:|---:|---:|---:|');
for (const file of files) {
  for (const engine of ENGINES) {
    const v = results.get(`${file} ${engine}`);
    if (!v) {
      console.log(`| ${basename(file)} | ${engine} | failed: ${failures.get(`${file} ${engine}`)} | | | |`);
      continue;
    }
    console.log(`| ${basename(file)} | ${engine} | ${cell(v, (x) => x.prefill, 1)} | ${cell(v, (x) => x.decode, 1)} | ` +
      `${cell(v, (x) => x.loadMs, 0)} | ${cell(v, (x) => x.peakBytes / 1e6, 0)} |`);
  }
  if (!results.has(`${file} ours`) || !results.has(`${file} llama.cpp`)) continue;
  const ratio = (pick) => (median(results.get(`${file} ours`).map(pick)) /
    median(results.get(`${file} llama.cpp`).map(pick))).toFixed(2);
  console.log(`| ${basename(file)} | ours ÷ llama.cpp | ${ratio((x) => x.prefill)}× | ${ratio((x) => x.decode)}× | ` +
    `${ratio((x) => x.loadMs)}× | ${ratio((x) => x.peakBytes)}× |`);
}
