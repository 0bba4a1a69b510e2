// Adds up the "N passed, N failed[, N skipped (why)]" last lines of several test runs into one
// such line (CI runs npm test and npm run test:deep); a run without that line counts as one
// failure. Exits 1 when anything failed.
import { readFileSync } from 'node:fs';

let passed = 0, failed = 0, skipped = 0;
const why = [];
for (const file of process.argv.slice(2)) {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const last = [...lines].reverse().find((l) => /^\d+ passed, \d+ failed/.test(l));
  if (!last) {
    console.log(`${file}: no "N passed, N failed" line: counted as one failure`);
    failed += 1;
    continue;
  }
  const m = /^(\d+) passed, (\d+) failed(?:, (\d+) skipped \((.*)\))?/.exec(last);
  passed += Number(m[1]);
  failed += Number(m[2]);
  skipped += Number(m[3] ?? 0);
  if (m[4]) why.push(m[4]);
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped (${why.join('; ')})` : ''}`);
process.exitCode = failed === 0 ? 0 : 1;
