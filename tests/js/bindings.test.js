// cpp/wasm/engine.d.ts against the real module: the Engine's methods, the fields of every value
// object the engine returns, and the block-size rule the page's slider shares with the engine.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { BLOCK_SIZES } from '../../web/state.js';
import { lines, loadDefaultEngine, rootPath } from './load-engine.js';

const declarations = readFileSync(rootPath('cpp/wasm/engine.d.ts'), 'utf8');

// interface Name { a: …; b: … } → ['a', 'b'] (field names at the top level of the braces).
function fields(name) {
  const start = declarations.indexOf(`export interface ${name} {`);
  if (start < 0) throw new Error(`engine.d.ts declares no interface ${name}`);
  let depth = 0, body = '';
  for (let i = declarations.indexOf('{', start); i < declarations.length; ++i) {
    const ch = declarations[i];
    if (ch === '{') depth++;
    if (ch === '}' && --depth === 0) break;
    if (depth === 1 && i > start) body += ch;
    else if (depth > 1) body += ' ';
  }
  const cleaned = body.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
  return [...cleaned.matchAll(/(\w+)\??\s*:/g)].map((m) => m[1]).sort();
}

function methods() {
  const start = declarations.indexOf('export declare class Engine {');
  const body = declarations.slice(start, declarations.indexOf('\n}', start)).replace(/\/\*[\s\S]*?\*\//g, '');
  return [...body.matchAll(/^\s+(\w+)\(/gm)].map((m) => m[1]).filter((m) => m !== 'constructor' && m !== 'delete').sort();
}

const keys = (object) => Object.keys(object).sort();
const EMBIND_OWN = new Set(['constructor', 'delete', 'clone', 'isAliasOf', 'isDeleted', 'deleteLater']);

describe('engine.d.ts matches the bindings', () => {
  let module;
  let engine;
  let config;
  beforeAll(async () => {
    ({ module, engine, config } = await loadDefaultEngine());
  });

  it('declares exactly the Engine methods the module binds', () => {
    const bound = Object.getOwnPropertyNames(module.Engine.prototype).filter((m) => !EMBIND_OWN.has(m)).sort();
    expect(methods()).toEqual(bound);
  });

  it('declares every field of every value object the engine returns', () => {
    const plan = { block: 16, layers: 'first:1', matrices: 'gate,up,down', structure: 'circulant', projection: 'loss-aware',
      lambda: 0.01 };
    expect(keys(config)).toEqual(fields('ModelConfig'));
    expect(engine.setCalibration(lines('models/prompts/calibration.txt').slice(0, 8)).value).toBe(true);
    const reply = engine.setPlan(plan, false).value;
    expect(keys(reply)).toEqual(fields('PlanReply'));
    // The plan asked for, in canonical spelling, while its calibration is still pending.
    expect(reply).toMatchObject({ block: 16, layers: '0', projection: 'loss-aware', pending: 1 });
    expect(keys(engine.advance(1).value)).toEqual(fields('BuildProgress'));
    expect(keys(engine.parameters())).toEqual(fields('Parameters'));
    const a = engine.analyze('Once upon a time').value;
    expect(keys(a)).toEqual(fields('PromptAnalysis'));
    expect(keys(a.last)).toEqual(fields('PositionMetrics'));
    expect(keys(a.teacherTop[0])).toEqual(fields('Candidate'));
    const c = engine.evaluate(['Once upon a time', 'The end.'], 'all').value;
    expect(keys(c)).toEqual(fields('Comparison'));
    expect(keys(c.kl)).toEqual(fields('Interval'));
    const speed = engine.benchmark({ promptTokens: 4, decodeTokens: 2, runs: 1, uncachedStudent: true }).value;
    expect(keys(speed)).toEqual(fields('BenchmarkResult'));
    expect(keys(speed.teacher)).toEqual(fields('Throughput'));
    expect(keys(speed.studentUncached)).toEqual(fields('Throughput'));
    const precision = engine.precision(['Once upon a time'], 'last').value;
    expect(keys(precision)).toEqual(fields('PrecisionReport'));
    expect(keys(precision.productError)).toEqual(fields('ProductError'));
    expect(keys(precision.float16)).toEqual(fields('Comparison'));
    expect(keys(precision.shift)).toEqual(fields('Interval'));
    expect(keys(engine.decodeBound())).toEqual(fields('DecodeBound'));
    const g = engine.generate('Once', 6, { temperature: 0, topP: 0.9, repeatPenalty: 1, seed: 1 }, true).value;
    expect(keys(g)).toEqual(fields('Generation'));
    expect(keys(engine.structure(0, 'gate', 0, 0).value)).toEqual(fields('StructureView'));
  });

  // One check for a plan wherever it enters (cpp/student/plan.cc check_plan): the page's plan is
  // refused in the very words the CLI prints for the same flags (tests/cpp/test_plan_entry.cc holds
  // the CLI's and a student file's). The words come from the native build of npm test.
  const cli = rootPath('build/native/circulant');
  it.skipIf(!existsSync(cli))('refuses an impossible plan in the CLI\'s words (needs build/native)', () => {
    let printed = '';
    try {
      execFileSync(cli, ['compare', '--model', rootPath('models/default.bin'), '--tokenizer', rootPath('models/tokenizer.bin'),
        '--layers', '0', '--matrices', 'gate', '--block', '8', '--structure', 'low-rank', '--projection', 'loss-aware',
        '--runs', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (failed) {
      printed = failed.stderr.toString();
    }
    const words = printed.replace(/^circulant compare: /, '').trim();
    expect(words).toMatch(/low-rank student with a loss-aware projection/);
    const refused = engine.setPlan({ block: 8, layers: '0', matrices: 'gate', structure: 'low-rank',
      projection: 'loss-aware', lambda: 0.01 }, false);
    expect(refused.error).toBe(words);
  });

  it('offers on the slider exactly the block sizes the engine accepts', () => {
    expect(module.blockSizes()).toEqual(BLOCK_SIZES);
    expect(module.median([3, 1, 2, 10])).toBe(2.5);
  });
});
