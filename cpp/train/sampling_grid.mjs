// Scores generation settings for the card: for each (temperature, top-p, repeat penalty), 60 tokens
// from "The" with seeds 1-10; counts samples that repeat a 3-word phrase and the mean distinct-word
// ratio. Usage: node sampling_grid.mjs <path/to/circulant> [model] [tokenizer]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const [cli, model = `${root}models/default.bin`, tokenizer = `${root}models/tokenizer.bin`] =
  process.argv.slice(2);
if (!cli) {
  console.error('usage: node sampling_grid.mjs <path/to/circulant> [model] [tokenizer]');
  process.exit(2);
}

// True when some run of n words occurs twice (case-folded, punctuation stripped).
export function repeatsPhrase(text, n = 3) {
  const words = text.toLowerCase().replace(/[^a-z0-9' ]+/g, ' ').split(/\s+/).filter(Boolean);
  const seen = new Set();
  for (let i = 0; i + n <= words.length; i++) {
    const key = words.slice(i, i + n).join(' ');
    if (seen.has(key)) return true;
    seen.add(key);
  }
  return false;
}

const generate = (args) => execFileSync(cli, ['generate', '--model', model, '--tokenizer', tokenizer,
  '--prompt', 'The', '--steps', '60', ...args], { encoding: 'utf8' });

console.log('| temperature | top-p | penalty | samples repeating a 3-word phrase (of 10) | distinct words |');
console.log('|---|---|---|---|---|');
for (const t of ['0', '0.7', '0.8', '0.9']) {
  for (const p of t === '0' ? ['1'] : ['0.9', '0.95']) {
    for (const r of ['1.0', '1.1', '1.2', '1.3']) {
      let repeating = 0, distinct = 0;
      const seeds = t === '0' ? [1] : [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
      for (const s of seeds) {
        const text = generate(['--temperature', t, '--top-p', p, '--repeat-penalty', r, '--seed', String(s)]);
        const words = text.toLowerCase().split(/\s+/).filter(Boolean);
        repeating += repeatsPhrase(text) ? 1 : 0;
        distinct += new Set(words).size / Math.max(1, words.length);
      }
      const of = t === '0' ? ' (greedy, 1 sample)' : '';
      console.log(`| ${t} | ${p} | ${r} | ${repeating}${of} | ${(distinct / seeds.length).toFixed(2)} |`);
    }
  }
}
