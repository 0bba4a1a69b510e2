// bench/threads-bench.mjs's engine, in a module Worker as the page runs it: the single-threaded
// build (engine.js) or the threaded one (engine-mt.js) with `threads` threads, each figure one
// engine call. Messages: {build, threads} → {ready: {threads, startMs, loadMs}}; {run: settings} → {figures};
// {alternate: {threads, pairs}} → {figures: per-pair speed-ups of `threads` over 1 thread}.
const bytes = async (path) => new Uint8Array(await (await fetch(path)).arrayBuffer());
const url = (path) => new URL(path, self.location.href).href;
const median = (values) => {
  const v = [...values].sort((a, b) => a - b), h = v.length >> 1;
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
};

let module = null;
let engine = null;

// The 20 lecture prompts, which the engine evaluates side by side, a prompt a thread.
const lecturePrompts = async () =>
  (await (await fetch('../models/prompts/lecture-20.txt')).text()).split('\n').map((l) => l.trim()).filter(Boolean);

async function start({ build, threads }) {
  const began = performance.now();
  const threaded = build === 'threaded';
  const glue = url(threaded ? '../web/engine/engine-mt.js' : '../web/engine/engine.js');
  const { default: create } = await import(glue);
  module = await create({
    wasmBinary: await bytes(threaded ? '../web/engine/engine-mt.wasm' : '../web/engine/engine.wasm'),
    // At least one pthread: Emscripten 3.1.6's loader waits for ever for a pool of none.
    ...(threaded && { threadPoolSize: Math.max(1, threads - 1), mainScriptUrlOrBlob: glue,
      locateFile: (file) => (file.endsWith('.worker.js') ? url('../web/engine/engine-mt.worker.js') : file) }),
  });
  const startMs = performance.now() - began;  // fetch, compile, instantiate, and start the pthreads
  const set = module.setThreads(threads);
  if (set.error) throw new Error(set.error);
  engine = new module.Engine();
  const [model, tokenizer] = [await bytes('../models/default.bin'), await bytes('../models/tokenizer.bin')];
  const t0 = performance.now();
  const loaded = engine.load(model, 'default.bin', tokenizer, 'tokenizer.bin', 512 * 2 ** 20, null, 0);
  if (loaded.error) throw new Error(loaded.error);
  const loadMs = performance.now() - t0;
  engine.warmUp(300);
  return { threads: module.threads(), startMs, loadMs };
}

// Teacher and the B = 16 student (every MLP matrix, projected): prefill and decode as the speed
// panel measures them, medians of `runs`; the 20 lecture prompts compared at every position (as
// "the 20 lecture prompts" does); then distillation steps (every layer, B = 16, 16 lines).
async function run({ runs, distillSteps }) {
  const lines = (await (await fetch('../models/prompts/calibration.txt')).text()).split('\n').slice(0, 16);
  engine.setCalibration(lines);
  const plan = (projection, extra = {}) => ({ block: 16, layers: 'all', matrices: 'gate,up,down', structure: 'circulant',
    projection, lambda: 0.01, ...extra });
  const must = (outcome) => {
    if (outcome.error !== undefined) throw new Error(outcome.error);
    return outcome.value;
  };
  must(engine.setPlan(plan('frobenius'), false));
  const measured = [];
  for (let r = 0; r < runs; ++r) measured.push(must(engine.benchmark({ promptTokens: 64, decodeTokens: 32, runs: 1 })));
  const figure = (who, key) => median(measured.map((m) => m[who][key]));
  const prompts = await lecturePrompts();
  const evaluations = [];
  for (let r = 0; r < runs; ++r) {
    const t0 = performance.now();
    must(engine.evaluate(prompts, 'all'));
    evaluations.push((performance.now() - t0) / 1000);
  }
  must(engine.setPlan(plan('distill', { distill: { steps: distillSteps + 1, learningRate: 3e-3, batch: 16,
    init: 'frobenius', seed: 1, trainNorms: false } }), false));
  must(engine.advance(1));  // the first step also computes the teacher's targets
  const steps = [];
  for (let i = 0; i < distillSteps; ++i) {
    const t0 = performance.now();
    must(engine.advance(1));
    steps.push((performance.now() - t0) / 1000);
  }
  return { teacherPrefill: figure('teacher', 'prefill'), teacherDecode: figure('teacher', 'decode'),
    studentPrefill: figure('student', 'prefill'), studentDecode: figure('student', 'decode'),
    evaluate20: median(evaluations), distillStep: median(steps) };
}

// The threaded engine at 1 thread and at `threads`, alternating call by call on this one page (the
// order swapped each pair), so that what else the host runs falls on both alike: per pair, the
// speed at `threads` over the speed at 1 for each figure.
async function alternate({ threads, pairs }) {
  const lines = (await (await fetch('../models/prompts/calibration.txt')).text()).split('\n').slice(0, 16);
  engine.setCalibration(lines);
  const must = (outcome) => {
    if (outcome.error !== undefined) throw new Error(outcome.error);
    return outcome.value;
  };
  const plan = { block: 16, layers: 'all', matrices: 'gate,up,down', structure: 'circulant', projection: 'distill',
    lambda: 0.01, distill: { steps: 2 * pairs + 1, learningRate: 3e-3, batch: 16, init: 'frobenius', seed: 1, trainNorms: false } };
  must(engine.setPlan({ ...plan, projection: 'frobenius' }, false));
  const measure = (n) => {
    must(module.setThreads(n));
    return must(engine.benchmark({ promptTokens: 64, decodeTokens: 32, runs: 1 }));
  };
  const ratios = { teacherPrefill: [], teacherDecode: [], studentPrefill: [], studentDecode: [], evaluate20: [],
    distillStep: [] };
  const prompts = await lecturePrompts();
  for (let p = 0; p < pairs; ++p) {
    const seconds = {};
    for (const n of p % 2 ? [threads, 1] : [1, threads]) {
      must(module.setThreads(n));
      const t0 = performance.now();
      must(engine.evaluate(prompts, 'all'));
      seconds[n] = performance.now() - t0;
    }
    ratios.evaluate20.push(seconds[1] / seconds[threads]);
  }
  for (let p = 0; p < pairs; ++p) {
    const order = p % 2 ? [threads, 1] : [1, threads];
    const [a, b] = order.map(measure);
    const [one, many] = p % 2 ? [b, a] : [a, b];
    for (const who of ['teacher', 'student'])
      for (const key of ['prefill', 'decode'])
        ratios[`${who}${key[0].toUpperCase()}${key.slice(1)}`].push(many[who][key] / one[who][key]);
  }
  must(engine.setPlan(plan, false));
  must(engine.advance(1));  // the teacher's targets
  for (let p = 0; p < pairs; ++p) {
    const seconds = {};
    for (const n of p % 2 ? [threads, 1] : [1, threads]) {
      must(module.setThreads(n));
      const t0 = performance.now();
      must(engine.advance(1));
      seconds[n] = performance.now() - t0;
    }
    ratios.distillStep.push(seconds[1] / seconds[threads]);
  }
  return ratios;
}

self.onmessage = async ({ data }) => {
  try {
    if (data.build) self.postMessage({ ready: await start(data) });
    else if (data.alternate) self.postMessage({ figures: await alternate(data.alternate) });
    else self.postMessage({ figures: await run(data.run) });
  } catch (error) {
    self.postMessage({ error: String(error?.stack || error) });
  }
};
