// Runs the WebAssembly build of the C++ tests in N processes side by side and writes one GoogleTest
// JSON report: `node tests/wasm/run-sharded.mjs TESTS.cjs REPORT.json [N]`. A Node process runs
// one wasm instance on one core, so on the 2-core build machine two shards halve the wait.
// Tests go to shards longest first, by their times in the previous REPORT.json (a test without one
// counts as a second). A shard that dies without its report adds a failed test naming it, so a
// crash is never a silent pass.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [binary, report, shardArg = '2'] = process.argv.slice(2);
const shards = Number(shardArg);
if (!binary || !report || !(shards >= 1)) {
  console.error('usage: node tests/wasm/run-sharded.mjs TESTS.cjs REPORT.json [SHARDS]');
  process.exit(2);
}
const runner = fileURLToPath(new URL('run.cjs', import.meta.url));

function run(args, log) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [runner, binary, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    child.on('close', (code) => {
      if (log) writeFileSync(log, out);
      resolve({ code, out });
    });
  });
}

// "Suite." lines, then "  Test" lines (a parameterised name carries a "  # GetParam()" comment).
const listed = (await run(['--gtest_list_tests'])).out;
const names = [];
let suite = '';
for (const line of listed.split('\n')) {
  if (/^\S+\.(\s|$)/.test(line)) suite = line.split(/\s/)[0];
  else if (/^ {2}\S/.test(line) && suite) names.push(suite + line.trim().split(/\s/)[0]);
}

const previous = new Map();
if (existsSync(report)) {
  try {
    for (const s of JSON.parse(readFileSync(report, 'utf8')).testsuites)
      for (const t of s.testsuite) previous.set(`${s.name}.${t.name}`, parseFloat(t.time) || 0);
  } catch { /* an unreadable old report only loses the balance */ }
  rmSync(report);
}
const cost = (name) => previous.get(name) ?? 1;
const bins = Array.from({ length: shards }, () => ({ names: [], total: 0 }));
for (const name of [...names].sort((a, b) => cost(b) - cost(a))) {
  const bin = bins.reduce((a, b) => (b.total < a.total ? b : a));
  bin.names.push(name);
  bin.total += cost(name);
}

const used = bins.filter((b) => b.names.length);
const results = await Promise.all(used.map((bin, k) => run(
  [`--gtest_filter=${bin.names.join(':')}`, `--gtest_output=json:${report}.shard${k}`], `${report}.shard${k}.log`)));

const merged = { tests: 0, failures: 0, testsuites: [] };
results.forEach(({ code, out }, k) => {
  for (const line of out.split('\n'))
    if (/^\[ {2}(PASSED|FAILED|SKIPPED) |^\[==========\] \d+ tests|Failure/.test(line)) console.log(`shard ${k}: ${line}`);
  const file = `${report}.shard${k}`;
  let part = null;
  try {
    part = JSON.parse(readFileSync(file, 'utf8'));
    rmSync(file);
  } catch { /* reported below */ }
  if (part) {
    merged.testsuites.push(...part.testsuites);
  } else {
    const message = `shard ${k} (${used[k].names.length} tests) exited with ${code} and wrote no report; its log is ${file}.log`;
    console.log(message);
    merged.testsuites.push({ name: `shard${k}`, testsuite: [{ name: 'ran', failures: [{ failure: message }] }] });
  }
});
const reported = merged.testsuites.reduce((n, s) => n + s.testsuite.length, 0);
if (reported < names.length || names.length === 0) {
  const message = `${names.length} tests listed, ${reported} reported${names.length ? '' : `: ${listed.trim().slice(-300)}`}`;
  console.log(message);
  merged.testsuites.push({ name: 'shards', testsuite: [{ name: 'reportedEveryTest', failures: [{ failure: message }] }] });
}
for (const s of merged.testsuites)
  for (const t of s.testsuite) {
    ++merged.tests;
    if (t.failures?.length) ++merged.failures;
  }
writeFileSync(report, `${JSON.stringify(merged, null, 1)}\n`);
process.exitCode = merged.failures === 0 ? 0 : 1;
