// Fuzz loop for the page's URL state (web/state.js): random and mutated hashes for N seconds.
// parseHash never throws and always gives a complete, valid state; toHash of it parses back to the
// same state. Usage: node tests/fuzz/state-fuzz.mjs [SECONDS]
import assert from 'node:assert/strict';
import { defaultState, parseHash, PROPERTIES, toHash } from '../../web/state.js';

const seconds = Number(process.argv[2] || 20);
let seed = 12345;
const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
const pick = (list) => list[Math.floor(random() * list.length)];
const PIECES = ['=', '&', '%', '%2', '%ZZ', '%E0%A4%A', '#', '+', ',', ':', '-', '.', 'e', 'NaN', 'Infinity', '0', '1',
  '64', '256', '-3', 'all', 'first:', 'last:99', 'gate', 'distill', 'low-rank', 'true', '\u00e9', '\ud83d\ude00', ' ',
  '__proto__', 'constructor', 'toString'];
const KEYS = PROPERTIES.map((p) => p.name);

function randomHash() {
  let hash = random() < 0.5 ? '#' : '';
  const parts = 1 + Math.floor(random() * 8);
  for (let i = 0; i < parts; ++i) {
    let value = '';
    for (let k = Math.floor(random() * 4); k >= 0; --k) value += pick(PIECES);
    hash += `${i ? '&' : ''}${random() < 0.8 ? pick(KEYS) : pick(PIECES)}=${value}`;
  }
  return hash;
}

const keys = Object.keys(defaultState()).sort();
let runs = 0;
const end = Date.now() + seconds * 1000;
try {
  while (Date.now() < end) {
    const hash = randomHash();
    const state = parseHash(hash);
    assert.deepEqual(Object.keys(state).sort(), keys, `missing keys for ${JSON.stringify(hash)}`);
    const again = toHash(state);
    assert.deepEqual(parseHash(again), state, `no round trip for ${JSON.stringify(hash)} → ${again}`);
    ++runs;
  }
  console.log(`  ✓ state-fuzz: ${runs} hashes in ${seconds} s, nothing found`);
} catch (error) {
  console.log(`  ✗ state-fuzz: ${error.message}`);
  process.exitCode = 1;
}
