// The model card's "end of text after a full stop" figure: the mean probability of BOS or EOS as
// the next token after each of the 20 lecture prompts, and after each shipped calibration passage
// cut at its first full stop (as tests/cpp/test_shipped_model.cc checks it), through the CLI.
// Usage: node cpp/train/end_of_text.mjs [circulant] [model.bin tokenizer.bin]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const [cli = join(root, 'build/native/circulant'), model = join(root, 'models/default.bin'),
  tokenizer = join(root, 'models/tokenizer.bin')] = process.argv.slice(2);
const BOS = 1, EOS = 2;

function endOfText(prompt) {
  const out = execFileSync(cli, ['logits', '--model', model, '--tokenizer', tokenizer, '--prompt', prompt],
    { encoding: 'utf8', maxBuffer: 1 << 26 });
  const z = JSON.parse(out).last_logits;
  const max = Math.max(...z);
  const sum = z.reduce((s, v) => s + Math.exp(v - max), 0);
  return (Math.exp(z[BOS] - max) + Math.exp(z[EOS] - max)) / sum;
}

const lines = (file) => readFileSync(join(root, file), 'utf8').split('\n').filter((l) => l.trim());
const mean = (texts) => texts.reduce((s, t) => s + endOfText(t), 0) / texts.length;
const cut = lines('models/prompts/calibration.txt').filter((l) => l.includes('. '))
  .map((l) => l.slice(0, l.indexOf('. ') + 1));
console.log(`after the 20 lecture prompts: ${mean(lines('models/prompts/lecture-20.txt')).toFixed(4)}`);
console.log(`at a full stop inside ${cut.length} held-out passages: ${mean(cut).toFixed(4)}`);
