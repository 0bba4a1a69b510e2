// Vite: the dev server (npm start) and the static bundle in dist/ (npm run build), all paths relative;
// also Vitest's settings (npm test runs tests/js in Node against the real wasm module).
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { defineConfig } from 'vite';

// The page fetches these relative to itself, so dist/ carries them (the model is not bundled).
const MODEL_FILES = ['default.bin', 'tokenizer.bin', 'distilled.students', 'prompts/lecture-20.txt',
  'prompts/calibration.txt'];

function copyModels() {
  return {
    name: 'copy-models',
    apply: 'build',
    writeBundle(options) {
      mkdirSync(`${options.dir}/models/prompts`, { recursive: true });
      for (const file of MODEL_FILES) {
        if (existsSync(`models/${file}`)) copyFileSync(`models/${file}`, `${options.dir}/models/${file}`);
        else this.warn(`models/${file} is missing: the built page will say so when it loads`);
      }
    },
  };
}

export default defineConfig({
  base: './',
  worker: { format: 'es' },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', assetsInlineLimit: 0, chunkSizeWarningLimit: 1024 },
  plugins: [copyModels()],
  server: { host: '127.0.0.1', port: 5173 },
  test: {
    include: ['tests/js/**/*.test.js'],
    environment: 'node',
    testTimeout: 120000,
    hookTimeout: 120000,
    pool: 'forks',
  },
});
