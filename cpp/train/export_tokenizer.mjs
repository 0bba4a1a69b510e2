// Converts a sentencepiece .vocab file to llama2.c's tokenizer.bin.
// Usage: node export_tokenizer.mjs <model.vocab> <tokenizer.bin>
// Layout: int32 max_token_length, then per id: float32 score, int32 byte length, bytes.
// Pieces are written as llama2.c's tokenizer.py writes them: '▁' becomes ' ', BOS and EOS
// become "\n<s>\n" and "\n</s>\n", byte-fallback pieces stay as the text "<0xXX>".
import { readFileSync, writeFileSync } from 'node:fs';

const [vocabPath, outPath] = process.argv.slice(2);
if (!vocabPath || !outPath) {
  console.error('usage: node export_tokenizer.mjs <model.vocab> <tokenizer.bin>');
  process.exit(2);
}

const rows = readFileSync(vocabPath, 'utf8').split('\n').filter((l) => l.length);
const pieces = rows.map((row, id) => {
  const tab = row.lastIndexOf('\t');
  if (tab < 0) throw new Error(`${vocabPath}:${id + 1}: expected "piece<TAB>score"`);
  let text = row.slice(0, tab);
  if (id === 1) text = '\n<s>\n';
  else if (id === 2) text = '\n</s>\n';
  else text = text.replaceAll('\u2581', ' ');
  return { bytes: Buffer.from(text, 'utf8'), score: Number(row.slice(tab + 1)) };
});
if (rows[1]?.split('\t')[0] !== '<s>' || rows[2]?.split('\t')[0] !== '</s>') {
  throw new Error(`${vocabPath}: expected <s> at id 1 and </s> at id 2 (spm_train defaults)`);
}

const maxLen = Math.max(...pieces.map((p) => p.bytes.length));
const size = 4 + pieces.reduce((n, p) => n + 8 + p.bytes.length, 0);
const out = Buffer.alloc(size);
let at = out.writeInt32LE(maxLen, 0);
for (const p of pieces) {
  at = out.writeFloatLE(p.score, at);
  at = out.writeInt32LE(p.bytes.length, at);
  at += p.bytes.copy(out, at);
}
writeFileSync(outPath, out);
console.log(`${outPath}: ${pieces.length} pieces, max_token_length ${maxLen}, ${size} bytes`);
