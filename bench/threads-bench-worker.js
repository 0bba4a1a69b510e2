// bench/threads-bench.mjs's engine, in a module Worker as the page runs it: the single-threaded
// build (engine.js) or the threaded one (engine-mt.js) with `threads` threads, each figure one
// engine call. Messages: {build, threads} → {ready: {threads, startMs, loadMs}}; {run: settings} → {figures}.
const bytes = async (path) => new Uint8Array(await (await fetch(path)).arrayBuffer());
const url = (path) => new URL(path, self.location.href).href;
const median = (values) => {
  const v = [...values].sort((a, b) => a - b), h = v.length >> 1;
  return v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
};

let module = null;
let engine = null;

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
// panel measures them, medians of `runs`; then distillation steps (every layer, B = 16, 16 lines).
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
    studentPrefill: figure('student', 'prefill'), studentDecode: figure('student', 'decode'), distillStep: median(steps) };
}

self.onmessage = async ({ data }) => {
  try {
    if (data.build) self.postMessage({ ready: await start(data) });
    else self.postMessage({ figures: await run(data.run) });
  } catch (error) {
    self.postMessage({ error: String(error?.stack || error) });
  }
};
