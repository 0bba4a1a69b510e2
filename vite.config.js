// Vite: the dev server (npm start), the static bundle in dist/ (npm run build) with all paths
// relative, and one self-contained HTML file (npm run build:single → dist-single/, mode "single":
// engine, worker, styles, default model and tokenizer inside, for a USB stick or an e-mail);
// also Vitest's settings (npm test runs tests/js in Node against the real wasm module).
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { viteSingleFile } from 'vite-plugin-singlefile';

// The page fetches these relative to itself, so dist/ carries them (the model is not bundled):
// with the ready-made students, one file a block size (web/saved-students.js names the sizes).
const STUDENT_FILES = existsSync('models/distilled')
  ? readdirSync('models/distilled').filter((f) => f.endsWith('.students')).map((f) => `distilled/${f}`) : [];
const MODEL_FILES = ['default.bin', 'tokenizer.bin', 'prompts/lecture-20.txt', 'prompts/calibration.txt',
  ...STUDENT_FILES];

function copyModels() {
  return {
    name: 'copy-models',
    apply: (config, { command, mode }) => command === 'build' && mode !== 'single',
    writeBundle(options) {
      for (const folder of ['prompts', 'distilled']) mkdirSync(`${options.dir}/models/${folder}`, { recursive: true });
      for (const file of MODEL_FILES) {
        if (existsSync(`models/${file}`)) copyFileSync(`models/${file}`, `${options.dir}/models/${file}`);
        else this.warn(`models/${file} is missing: the built page will say so when it loads`);
      }
    },
  };
}

// The small files the first view always needs start downloading while the HTML is parsed, before
// the page's script has even arrived (the page's own fetch() then takes the preloaded response).
// The model is not among them: its preloaded response cost the page's main thread 0.16 s of
// buffering, and the page's script, the worker and the engine all started later for it; its
// download starts with the page's second module instead (web/first-fetch.js, docs/loading.md,
// "A sixth pass"). The students are left to web/default-files.js, which knows whether the first
// view shows them.
const FIRST_VIEW_FILES = ['tokenizer.bin', 'prompts/lecture-20.txt', 'prompts/calibration.txt'];

function preloadModels() {
  return {
    name: 'preload-models',
    apply: (config, { command, mode }) => command === 'build' && mode !== 'single',
    transformIndexHtml: () => FIRST_VIEW_FILES.map((file) => ({ tag: 'link', injectTo: 'head',
      attrs: { rel: 'preload', href: `./models/${file}`, as: 'fetch', crossorigin: 'anonymous' } })),
  };
}

// virtual:embedded-models (web/assets.js): {path: data URL} of the model files in the single-file
// build, where a page opened from disk cannot fetch a neighbouring file; empty otherwise.
function embeddedModels(single) {
  const id = 'virtual:embedded-models';
  return {
    name: 'embedded-models',
    resolveId: (source) => (source === id ? `\0${id}` : null),
    load(resolved) {
      if (resolved !== `\0${id}`) return null;
      const entries = single ? MODEL_FILES.filter((f) => existsSync(`models/${f}`)).map((f) =>
        [`models/${f}`, `data:application/octet-stream;base64,${readFileSync(`models/${f}`).toString('base64')}`]) : [];
      return `export default ${JSON.stringify(Object.fromEntries(entries))};`;
    },
  };
}

// Shared memory, which the threaded engine needs, is given only to a cross-origin isolated page:
// the dev server (npm start) and `vite preview` send the two headers that make it one.
const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

// COI_SHIM=1: for a static host that cannot send those headers, the page loads coi-serviceworker
// (npm), a service worker that adds them and reloads the page once. Opt-in, because it takes over
// every request of the site from then on, and reloads a page embedded in a course page's iframe
// that can never be isolated there (web/README.md, "Threads").
function coiShim() {
  return {
    name: 'coi-shim',
    apply: (config, { command, mode }) => command === 'build' && mode !== 'single' && process.env.COI_SHIM === '1',
    generateBundle() {
      this.emitFile({ type: 'asset', fileName: 'coi-serviceworker.js',
        source: readFileSync('node_modules/coi-serviceworker/coi-serviceworker.min.js') });
    },
    // A classic script, first in <head>: it reads document.currentScript and must run before the page does.
    transformIndexHtml: () => [{ tag: 'script', attrs: { src: './coi-serviceworker.js' }, injectTo: 'head-prepend' }],
  };
}

// The single-file build carries only the single-threaded engine (web/engine-threaded.single.js).
function singleThreadedOnly() {
  const single = fileURLToPath(new URL('./web/engine-threaded.single.js', import.meta.url));
  return {
    name: 'single-threaded-only',
    enforce: 'pre',
    resolveId: (source) => (source === './engine-threaded.js' ? single : null),
  };
}

// The single-file build takes the worker from worker-factory.single.js (inline) instead.
function inlineWorker() {
  const inline = fileURLToPath(new URL('./web/worker-factory.single.js', import.meta.url));
  return {
    name: 'inline-worker',
    enforce: 'pre',
    resolveId: (source) => (source === './worker-factory.js' ? inline : null),
  };
}

export default defineConfig(({ mode }) => {
  const single = mode === 'single';
  return {
    base: './',
    // A page opened from disk (origin "null") cannot start a module worker from a blob: classic there.
    worker: { format: single ? 'iife' : 'es', plugins: () => [embeddedModels(single), ...(single ? [singleThreadedOnly()] : [])] },
    build: single
      ? { outDir: 'dist-single', emptyOutDir: true, target: 'es2022', assetsInlineLimit: Infinity,
        chunkSizeWarningLimit: 100000, reportCompressedSize: false }
      : { outDir: 'dist', emptyOutDir: true, target: 'es2022', assetsInlineLimit: 0, chunkSizeWarningLimit: 1024 },
    plugins: [copyModels(), preloadModels(), coiShim(), embeddedModels(single), ...(single ? [inlineWorker(), viteSingleFile()] : [])],
    server: { host: '127.0.0.1', port: 5173, headers: ISOLATION_HEADERS },
    preview: { headers: ISOLATION_HEADERS },
    test: {
      include: ['tests/js/**/*.test.js'],
      environment: 'node',
      testTimeout: 120000,
      hookTimeout: 120000,
      pool: 'forks',
      // Vitest keeps one core free by default; on the 2-core build machine that runs the files one
      // after another, while they wait on nothing but the CPU (docs/testing.md).
      maxWorkers: 2,
    },
  };
});
