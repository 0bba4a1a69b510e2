// llama.cpp as the oracle for this engine's tokenizers: llama.cpp as @wllama/wllama 2.3.7 ships it
// (its single-thread build) and this engine's WebAssembly build tokenize the same corpus
// (tests/fixtures/tokenizer-corpus.txt) from the same GGUF file, with and without special tokens,
// and must give identical ids. The files: GPT-2's real byte-level BPE vocabulary (gpt2-gguf.mjs)
// once per pre-tokenizer (and once without tokenizer.ggml.pre), and the shipped model's
// SentencePiece vocabulary converted by `circulant convert`. Part of the browser suite
// (e2e.mjs); alone: node tests/browser/suite-tokenizers.mjs (E2E_ONLY works here too).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { artifacts, check, counts, results, root, skip, test } from './harness.mjs';
import { makeGpt2Gguf } from './gpt2-gguf.mjs';
import { serveStatic } from './static-server.mjs';

// One case a line; lines between "<<<" and ">>>" make one case; "##" lines are notes.
export function corpusCases(text) {
  const cases = [];
  let block = null;
  for (const line of text.replace(/\n$/, '').split('\n')) {
    if (block === null && line === '<<<') block = [];
    else if (block !== null && line === '>>>') { cases.push(block.join('\n')); block = null; }
    else if (block !== null) block.push(line);
    else if (!line.startsWith('##')) cases.push(line);
  }
  return cases;
}

const PRE_TOKENIZERS = ['gpt-2', 'llama-bpe', 'qwen2', 'smollm', null];  // null: the key absent

// The cases whose ids differ, described for the failure message (at most three).
function differences(cases, ours, theirs) {
  const out = [];
  cases.forEach((text, i) => {
    ['without', 'with'].forEach((mode, m) => {
      const a = ours[i][m], b = theirs[i][m];
      if (a.length !== b.length || a.some((id, k) => id !== b[k]))
        out.push(`${JSON.stringify(text)} ${mode} specials: ours [${a.slice(0, 24)}] llama.cpp [${b.slice(0, 24)}]`);
    });
  });
  return out;
}

export async function tokenizerSuite({ browser }) {
  const folder = `${artifacts}/tokenizers`;
  mkdirSync(folder, { recursive: true });
  const cases = corpusCases(readFileSync(`${root}tests/fixtures/tokenizer-corpus.txt`, 'utf8'));
  const server = await serveStatic(root);
  const base = `http://127.0.0.1:${server.port}/`;
  // Both engines tokenize every case from `file` (under test-artifacts/tokenizers/).
  const compare = async (file) => {
    if (!existsSync(`${root}web/engine/engine.js`)) skip('web/engine/engine.js is not built: run bash scripts/build-web.sh');
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    try {
      await page.goto(`${base}tests/browser/tokenizers.html`);
      await page.waitForFunction(() => window.tokenizersReady, null, { timeout: 30_000 });
      const url = `/test-artifacts/tokenizers/${file}`;
      const got = await page.evaluate(([u, c]) => window.tokenizeBoth(u, c), [url, cases]);
      check(!got.error, got.error);
      check(errors.length === 0, errors.join('\n'));
      const wrong = differences(cases, got.ours, got.theirs);
      check(wrong.length === 0, `${wrong.length} of ${2 * cases.length} tokenizations differ:\n${wrong.slice(0, 3).join('\n')}`);
    } finally {
      await page.close();
    }
  };
  try {
    for (const pre of PRE_TOKENIZERS) {
      await test(`GPT-2's vocabulary with pre-tokenizer ${pre ?? '(none: default)'}: the same ids as llama.cpp on ${cases.length} cases`, async () => {
        const file = `gpt2-${pre ?? 'default'}.gguf`;  // 8 MB each: removed once compared
        writeFileSync(`${folder}/${file}`, makeGpt2Gguf(pre));
        try {
          await compare(file);
        } finally {
          rmSync(`${folder}/${file}`, { force: true });
        }
      });
    }
    await test('the shipped model\'s SentencePiece vocabulary converted to GGUF: the same ids as llama.cpp', async () => {
      const cli = `${root}build/native/circulant`;
      if (!existsSync(cli)) skip('build/native/circulant is not built: run the native build');
      execFileSync(cli, ['convert', '--model', 'models/default.bin', '--tokenizer', 'models/tokenizer.bin',
        '--out', `${folder}/shipped.gguf`], { cwd: root, stdio: 'pipe' });
      await compare('shipped.gguf');
    });
  } finally {
    await server.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'] });
  try {
    await tokenizerSuite({ browser });
  } finally {
    await browser.close();
  }
  const failed = results.filter((r) => r.ok === false).length;
  const skipped = results.filter((r) => r.skipped).length;
  if (counts.notRun) console.log(`(E2E_ONLY: ${counts.notRun} tests not run)`);
  console.log(`tokenizers: ${results.filter((r) => r.ok).length} passed, ${failed} failed, ${skipped} skipped`);
  process.exitCode = failed ? 1 : 0;
}
