// Reads one suite's machine-readable report and prints "passed failed skipped" on the first line,
// then one line per skip reason. Formats: junit (CTest --output-junit), gtest (GoogleTest JSON),
// vitest (Vitest JSON), counts (our own {passed, failed, skipped: [{name, reason}]}). A missing or
// unreadable report prints nothing: the caller counts that suite as one failure.
// Usage: node scripts/count-tests.mjs FORMAT FILE
import { readFileSync } from 'node:fs';

const [format, file] = process.argv.slice(2);
let text;
try {
  text = readFileSync(file, 'utf8');
} catch {
  process.exit(0);
}

function junit(xml) {
  let passed = 0, failed = 0;
  const reasons = [];
  for (const [, attrs, body] of xml.matchAll(/<testcase\b([^>]*)>([\s\S]*?)<\/testcase>|<testcase\b([^>]*)\/>/g)) {
    const name = /name="([^"]*)"/.exec(attrs ?? '')?.[1] ?? '?';
    if (/<failure\b|<error\b/.test(body ?? '')) ++failed;
    // The reason: GoogleTest's GTEST_SKIP message, else a "skipped: why" line the test printed.
    else if (/<skipped\b/.test(body ?? '')) {
      const reason = /: Skipped\n([^\n]*)/.exec(body)?.[1] ?? /skipped: ([^\n<]*)/i.exec(body)?.[1] ?? 'skipped';
      reasons.push({ name, reason: reason.replace(/ \([^)]*\/[^)]*\)$/, '') });
    }
    else ++passed;
  }
  return { passed, failed, skipped: reasons };
}

function gtest(json) {
  const report = JSON.parse(json);
  let passed = 0, failed = 0;
  const skipped = [];
  for (const suite of report.testsuites)
    for (const t of suite.testsuite) {
      const name = `${suite.name}.${t.name}`;
      if (t.failures?.length) ++failed;
      else if (t.result === 'SKIPPED') skipped.push({ name, reason: t.skipped?.[0]?.message?.split('\n').pop() || 'skipped' });
      else ++passed;
    }
  return { passed, failed, skipped };
}

function vitest(json) {
  const r = JSON.parse(json);
  // A test file that failed without a failed test could not load: one failure each.
  const broken = r.testResults.filter((f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed')).length;
  const skipped = r.testResults.flatMap((f) => f.assertionResults.filter((a) => a.status === 'pending' || a.status === 'skipped' || a.status === 'todo'))
    .map((a) => ({ name: a.fullName, reason: 'skipped' }));
  return { passed: r.numPassedTests, failed: r.numFailedTests + broken, skipped };
}

const parse = { junit, gtest, vitest, counts: JSON.parse }[format];
let counts;
try {
  counts = parse(text);
} catch {
  process.exit(0);
}
console.log(`${counts.passed} ${counts.failed} ${counts.skipped.length}`);
for (const s of counts.skipped) console.log(`${s.name}: ${s.reason}`);
