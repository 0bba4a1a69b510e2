// Loads cpp/train/blocklist.txt and tests text against it (whole-word, case-insensitive).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BLOCKLIST_PATH = fileURLToPath(new URL('./blocklist.txt', import.meta.url));

// Entries ending in * match any word with that prefix; others match the word exactly.
export function loadBlocklist(path = BLOCKLIST_PATH) {
  const entries = readFileSync(path, 'utf8').split('\n')
    .map((l) => l.trim().toLowerCase())
    .filter((l) => l && !l.startsWith('#'));
  const exact = new Set(entries.filter((e) => !e.endsWith('*')));
  const prefixes = entries.filter((e) => e.endsWith('*')).map((e) => e.slice(0, -1));
  return { exact, prefixes };
}

// Words are runs of letters/digits; an apostrophe inside a word splits it too, so
// "fuckin'" and "bitch's" are caught by their stems.
export function blockedWords(text, list) {
  const hits = [];
  for (const w of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    if (list.exact.has(w) || list.prefixes.some((p) => w.startsWith(p))) hits.push(w);
  }
  return hits;
}

// Masked profanity such as f**k or sh*t: a letter, asterisks, a letter.
export function hasMaskedWord(text) {
  return /[a-z]\*+[a-z]/i.test(text);
}
