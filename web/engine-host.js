// The worker's message handler, apart from the Worker itself so Vitest can drive it in Node.
// The protocol is documented at the top of web/worker.js. No DOM here.
import { chatArgs } from './chat.js';
import { CANONICAL_DISTILL, DISTILL, planKey } from './state.js';
import { HEAP_BYTES, PAGE_CONTEXT, checkFits, distillNeed, readBytes, readCard, sizeOf, threadsThatFit } from './model-intake.js';
import { summariseSpeed } from './speed-summary.js';
import { setEngineThreads } from './threads.js';
import { lostEngine } from './engine-lost.js';
import { nextTask } from './next-task.js';
import { findDisagreement } from './disagreement.js';

// Distillation steps per engine call (≈ 0.3–0.7 s in a browser) and how often the held-out KL is
// measured (20 lecture prompts, all positions: ≈ 0.1 s).
const DISTILL_CHUNK = 5;
const DISTILL_REPORT = 10;
// The engine runs the model this long before a speed measurement (warmUp); every verb but these,
// which do not run the model, counts towards it.
const WARM_UP_MS = 300;
const NOT_RUNNING_THE_MODEL = new Set(['load', 'reserve', 'threads', 'students', 'ready']);

class Cancelled extends Error {}

/** A sweep's reason for a gap where a distilled student has not been trained. */
export const NOT_DISTILLED = 'not distilled yet';

/** `loadModule` resolves to the Emscripten module (see cpp/wasm/engine.d.ts). */
export function createEngineHost(loadModule) {
  let modulePromise = null;
  let module = null;
  let engine = null;
  let calibrationSets = {};
  let currentPlanKey = null;   // the plan the engine's student was last built from
  let currentCalibration = null;
  let bound = null;            // the loaded teacher's decode bound, measured once
  let loadedNeed = { total: 0, runs: 0 };  // the loaded model's heap (model-intake.js memoryNeed)
  let warm = false;            // the loaded engine has run WARM_UP_MS
  let computedMs = 0;          // time the loaded engine has spent running the model, any verb
  let threadsFit = Infinity;   // threads the heap holds the loaded model's runs for (model-intake.js)
  const queue = [];            // requests waiting their turn: {id, verb, args, post, cancelled}
  let running = null;
  let draining = false;

  const unwrap = (outcome) => {
    if (outcome.error !== undefined) throw new Error(outcome.error);
    return outcome.value;
  };

  const needEngine = () => {
    if (!engine) throw new Error('no model is loaded yet');
    return engine;
  };

  // The precomputed students were distilled on the whole held-out calibration set.
  const allowSaved = (plan) => plan.calibration === 'heldout';
  const needsCalibration = (plan) => plan.projection !== 'frobenius';

  // Hands the engine a calibration set by name, once.
  function useCalibration(name) {
    if (name === currentCalibration) return;
    const lines = calibrationSets[name];
    if (!lines) throw new Error(`unknown calibration set "${name}"`);
    unwrap(needEngine().setCalibration(lines));
    currentCalibration = name;
  }

  // Rebuilds the student only when the plan (or, when it calibrates, its calibration set) changed.
  // Long builds run in units, with a cancel check between them: a loss-aware calibration one layer
  // at a time; a distillation (neither saved nor distilled earlier) DISTILL_CHUNK steps at a time,
  // its progress carrying {distill: {step, steps, batchKl, heldOutKl?, ms}} and, with `monitor` (a
  // prompt), that prompt's analysis every few steps. A cancel leaves a distilled student holding
  // the steps done.
  async function ensurePlan(job, plan, monitor) {
    const e = needEngine();
    if (!plan) throw new Error('a plan is required');
    const calibrated = needsCalibration(plan);
    const key = planKey(plan);
    if (key === currentPlanKey) return;
    // A distilled student that exists (saved, or trained earlier) reads no calibration text:
    // tokenizing the 916 held-out passages held the first view's number back 0.15 s.
    if (calibrated && !(plan.distill && studentReady(plan))) useCalibration(plan.calibration);
    currentPlanKey = null;  // a failed or unfinished rebuild leaves the engine's student unknown
    let pending = unwrap(e.setPlan(plan, allowSaved(plan))).pending;
    const started = Date.now();
    let progress = { done: 0, total: pending, unit: plan.projection === 'distill' ? 'step' : 'layer' };
    const label = (p) => (p.unit === 'step' ? `distilling: step ${p.done} of ${p.total}`
      : `calibrating the student: layer ${p.done + 1} of ${p.total}`);
    while (pending > 0) {
      await job.step({ done: progress.done, total: progress.total, label: label(progress) });
      progress = unwrap(e.advance(progress.unit === 'step' ? Math.min(pending, DISTILL_CHUNK) : 1));
      pending = progress.total - progress.done;
      if (progress.unit !== 'step') continue;
      const report = { step: progress.done, steps: progress.total, batchKl: progress.batchKl, ms: Date.now() - started };
      const partial = { distill: report, parameters: e.parameters() };
      if (progress.done % DISTILL_REPORT === 0 || pending === 0) {
        const heldOut = calibrationSets.lecture;
        if (heldOut?.length) report.heldOutKl = unwrap(e.evaluate(heldOut, 'all')).kl.mean;
        if (monitor) partial.analysis = unwrap(e.analyze(monitor));
      }
      job.post({ id: job.id, progress: { done: progress.done, total: progress.total, label: label(progress), partial } });
    }
    currentPlanKey = key;
  }

  // A cold engine runs 1.2–1.9× slower than a warm one, so speed is measured warm: the hot paths
  // run WARM_UP_MS first (the browser compiles them fully in the background meanwhile). Only
  // before a measurement: the first numbers do not wait for it (issue 25: 300 ms of the load),
  // and what the engine has computed since the load counts (a fresh page has run the comparison
  // and both generations when its speed chart starts).
  function warmUp() {
    if (warm) return;
    if (computedMs < WARM_UP_MS) needEngine().warmUp(WARM_UP_MS - computedMs);
    warm = true;
  }

  // True when the plan's student exists without training (the sweep never trains).
  const studentReady = (plan) => !plan.distill || unwrap(needEngine().studentReady(plan, allowSaved(plan)));

  // Builds the student, then analyses each prompt, a step (progress, cancel) before each;
  // `stepsAfter` leaves room in the progress for the caller's work after them.
  async function analyzeEach(job, plan, prompts, label, stepsAfter = 0) {
    const total = prompts.length + 1 + stepsAfter;
    await job.step({ done: 0, total, label: 'building the student' });
    await ensurePlan(job, plan);
    const out = [];
    for (let i = 0; i < prompts.length; ++i) {
      await job.step({ done: i + 1, total, label });
      out.push(unwrap(engine.analyze(prompts[i])));
    }
    return out;
  }

  // Mean and 95 % interval over prompts: one granular call (progress, cancel) for as many prompts
  // as the engine has threads, which it runs side by side (each prompt's result its own).
  async function evaluatePrompts(job, prompts, positions, label, offset = 0, total = prompts.length) {
    const perPrompt = [];
    for (let i = 0, n = module.threads(); i < prompts.length; i += n) {
      await job.step({ done: offset + i, total, label });
      perPrompt.push(...unwrap(engine.evaluate(prompts.slice(i, i + n), positions)).prompts);
    }
    const summary = { prompts: perPrompt };
    for (const metric of ['kl', 'cosine', 'top1', 'top5'])
      summary[metric] = module.meanInterval(perPrompt.map((p) => p[metric]), metric);
    return summary;
  }

  const verbs = {
    // The card first (a file too large is refused before it is read), then the bytes with
    // progress, then the tensors with progress. The loaded model stays until the new one is in,
    // unless both cannot fit: then it goes first, and a failure says so (error.unloaded).
    async load(job, args) {
      modulePromise ??= loadModule();
      module = await modulePromise;
      const name = args.modelName;
      await job.step({ done: 0, total: 1, label: 'reading the model card' });
      const card = await readCard(module, args.model, name);
      const need = checkFits(card, name);
      const size = sizeOf(args.model);
      const report = (done, total, label) => job.post({ id: job.id, progress: { done, total, label } });
      await job.step({ done: 0, total: size, label: `reading ${name}` });
      const model = await readBytes(args.model, name, (read) => report(read, size,
        `reading ${name}: ${Math.round(read / 2 ** 20)} of ${Math.round(size / 2 ** 20)} MB`));
      const tokenizer = await readBytes(args.tokenizer, args.tokenizerName);
      await job.step({ done: 0, total: 1, label: 'checking the model' });
      let unloaded = false;
      if (engine && need.total + loadedNeed.total > HEAP_BYTES) {
        engine.delete();
        engine = null;
        unloaded = true;
      }
      const fresh = new module.Engine();
      const loaded = fresh.load(model, name, tokenizer, args.tokenizerName, HEAP_BYTES,
        (done, total) => report(done, total, `dequantizing ${name}: tensor ${done} of ${total}`), PAGE_CONTEXT);
      if (loaded.error !== undefined) {
        fresh.delete();
        throw Object.assign(new Error(loaded.error), { unloaded });  // else the previous model stays loaded
      }
      engine?.delete();
      engine = Object.assign(fresh, { config: loaded.value });  // the config sizes a distillation step
      loadedNeed = need;
      threadsFit = threadsThatFit(card);
      warm = false;
      computedMs = 0;
      calibrationSets = args.calibrationSets || {};
      bound = currentPlanKey = currentCalibration = null;
      // The engine holds its own copy now: bytes that were transferred here go back the same way.
      const returned = {};
      for (const key of ['model', 'tokenizer']) if (args[key] instanceof ArrayBuffer) returned[key] = args[key];
      return { config: loaded.value, card, parameters: engine.parameters(), maxModelBytes: HEAP_BYTES, returned,
        chat: engine.chatTemplate(), threads: setEngineThreads(module, args.threads ?? 0, threadsFit) };
    },

    // Room for a model while its file downloads (the page knows its size from the headers): a
    // page of the heap written for the first time is slow, and the load would write 28 MB of them.
    async reserve(job, { bytes }) {
      module = await (modulePromise ??= loadModule());
      return engine ? false : module.reserveHeap(bytes);
    },

    // How many threads the engine runs on, and why (web/threads.js); count 0: all it may use.
    async threads(job, { count }) {
      module = await (modulePromise ??= loadModule());
      return setEngineThreads(module, count, threadsFit);
    },

    // A student file of the loaded teacher (the page's precomputed distilled students).
    async students(job, { bytes, name }) {
      await job.step({ done: 0, total: 1, label: 'reading the distilled students' });
      return unwrap(needEngine().loadStudents(await readBytes(bytes, name), name));
    },

    async plan(job, { plan }) {
      await job.step({ done: 0, total: 1, label: 'building the student' });
      await ensurePlan(job, plan);
      return { plan, parameters: engine.parameters() };
    },

    // existingOnly: a distilled student that is not there yet is refused, never trained.
    async analyze(job, { plan, prompt, existingOnly }) {
      if (existingOnly && plan.distill && !studentReady(plan)) throw new Error(NOT_DISTILLED);
      await job.step({ done: 0, total: 2, label: 'building the student' });
      await ensurePlan(job, plan, prompt);
      await job.step({ done: 1, total: 2, label: 'comparing' });
      return { analysis: unwrap(engine.analyze(prompt)), parameters: engine.parameters() };
    },

    async evaluate(job, { plan, prompts, positions }) {
      await job.step({ done: 0, total: prompts.length, label: 'building the student' });
      await ensurePlan(job, plan);
      return evaluatePrompts(job, prompts, positions, 'evaluating prompts');
    },

    // Curves over B: `series` [{name, plan, once?, readyOnly?}] (web/series.js), the last one the
    // page's own, whose block `block` is computed last so the engine ends on the student on screen.
    // `once`: one row stands for every B (the MLP removed). `readyOnly`: a distilled student is
    // drawn when it exists (saved, or distilled earlier), never trained by a sweep.
    async sweep(job, { series, prompts, positions, blocks, block }) {
      const jobs = [];
      series.forEach((s, i) => {
        const own = i === series.length - 1;
        const order = own && blocks.includes(block) ? [...blocks.filter((b) => b !== block), block] : blocks;
        for (const b of s.once ? [blocks[0]] : order) jobs.push({ s, block: b });
      });
      const total = jobs.length * (prompts.length + 1);
      const rows = [];
      const skipped = [];
      for (let i = 0; i < jobs.length; ++i) {
        const { s, block: b } = jobs[i];
        const offset = i * (prompts.length + 1);
        const label = `${s.name}, B = ${b}`;
        await job.step({ done: offset, total, label: `${label}: building the student` });
        const p = { ...s.plan, block: b };
        let row;
        try {
          if (s.readyOnly && !studentReady(p)) throw new Error(NOT_DISTILLED);
          await ensurePlan(job, p);
          const summary = await evaluatePrompts(job, prompts, positions, label, offset + 1, total);
          row = { series: s.name, block: b, kl: summary.kl, cosine: summary.cosine, top1: summary.top1,
            top5: summary.top5, parameters: engine.parameters() };
          rows.push(row);
        } catch (error) {  // e.g. too few calibration tokens at this B: a gap in the chart, not a failed sweep
          if (error instanceof Cancelled) throw error;
          row = { series: s.name, block: b, error: error.message };
          skipped.push(row);
        }
        job.post({ id: job.id, progress: { done: offset + prompts.length + 1, total, label, partial: row } });
      }
      rows.sort((a, b) => a.block - b.block);
      return { rows, skipped };
    },

    // Speed against B: the teacher and the plan's structure at each block size (its projection
    // changes the numbers, not the work, so the Frobenius projection stands in and nothing is
    // trained for it), `runs` rounds of one run each, interleaved: every block size's speed-up in
    // a round is against the teacher's run of that round, so drift in the machine's speed hits
    // all alike, and the teacher runs once a round rather than once a block size. Summarised as
    // median and range over rounds; every row arrives as progress.partial.rows after each round.
    async speed(job, { plan, blocks, promptTokens, decodeTokens, runs }) {
      const total = blocks.length + runs;
      const same = { ...plan, projection: 'frobenius', distill: undefined };
      const index = [];
      for (let i = 0; i < blocks.length; ++i) {
        await job.step({ done: i, total, label: `measuring speed: the student at B = ${blocks[i]}` });
        index.push(unwrap(needEngine().keepTimed({ ...same, block: blocks[i] }, promptTokens)));
      }
      warmUp();
      const rounds = [];
      let rows = [];
      for (let r = 0; r < runs; ++r) {
        const label = `measuring speed: run ${r + 1} of ${runs}`;
        await job.step({ done: blocks.length + r, total, label });
        const settings = { promptTokens, decodeTokens };
        const round = [unwrap(engine.timeRun(0, settings))];
        for (let i = 0; i < blocks.length; ++i) {
          await job.step();  // a cancel lands between runs
          round.push(unwrap(engine.timeRun(index[i], settings)));
        }
        rounds.push(round);
        rows = blocks.map((block, i) => ({ block,
          ...summariseSpeed(rounds.map((m) => ({ teacher: m[0], student: m[i + 1] })), module.median) }));
        job.post({ id: job.id, progress: { done: blocks.length + r + 1, total, label, partial: { rows } } });
      }
      bound ??= needEngine().decodeBound();
      return { rows, bound };
    },

    // Every prompt's comparison at every position (the page bins them by prompt length).
    async analyses(job, { plan, prompts }) {
      const analyses = await analyzeEach(job, plan, prompts, 'comparing every position');
      return { positions: analyses.map((a) => a.positions) };
    },

    // Where the likeliest tokens differ, found and checked (web/disagreement.js).
    disagreement: (job, { plan, prompts }) => findDisagreement(job, plan, prompts,
      { analyzeEach, analyze: (text) => unwrap(engine.analyze(text)) }),

    // Whether a plan's student exists without training (a distilled one saved or made earlier);
    // if not, what a training step would read: the mean tokens of a calibration line.
    async ready(job, { plan }) {
      if (studentReady(plan)) return { ready: true };
      useCalibration(plan.calibration);
      const tokensPerLine = engine.calibrationTokens() / calibrationSets[plan.calibration].length;
      const need = distillNeed(engine.config, DISTILL.batch, tokensPerLine, engine.parameters().teacherMlp / plan.block);
      // Each thread beyond the first computes the teacher's targets in runs of its own.
      const room = HEAP_BYTES - loadedNeed.total - (module.threads() - 1) * loadedNeed.runs;
      return { ready: false, tokensPerLine, memory: { need, room } };
    },

    async generate(job, { plan, prompt, steps, sampler }) {
      await job.step({ done: 0, total: 2, label: 'generating with the teacher' });
      await ensurePlan(job, plan);
      const teacher = unwrap(engine.generate(prompt, steps, sampler, false));
      await job.step({ done: 1, total: 2, label: 'generating with the student' });
      const student = unwrap(engine.generate(prompt, steps, sampler, true));
      return { teacher, student };
    },

    // One engine call per run (each interleaves teacher, student and, with uncachedStudent, the
    // same student recomputing FFT(c) on every call, after a warm-up); the median over runs is
    // taken here so a cancel can land between runs, and each run comes back too (the page's range).
    async benchmark(job, { plan, promptTokens, decodeTokens, runs, uncachedStudent = false }) {
      const measured = [];
      for (let r = 0; r < runs; ++r) {
        await job.step({ done: r, total: runs, label: 'measuring speed' });
        if (r === 0) await ensurePlan(job, plan);
        warmUp();
        measured.push(unwrap(engine.benchmark({ promptTokens, decodeTokens, runs: 1, uncachedStudent: !!uncachedStudent })));
      }
      const pick = (who) => {
        const out = {};
        for (const key of ['prefill', 'decode', 'prefillMlpShare', 'decodeMlpShare'])
          out[key] = module.median(measured.map((m) => m[who][key]));
        return out;
      };
      const result = { runs: {} };
      for (const who of uncachedStudent ? ['teacher', 'student', 'studentUncached'] : ['teacher', 'student']) {
        result[who] = pick(who);
        result.runs[who] = measured.map((m) => m[who]);
      }
      // What bounds decode: the teacher's weights are read once a token.
      bound ??= needEngine().decodeBound();
      return { ...result, bound };
    },

    // float32 against float16 inside the student's FFTs: one engine call over every prompt (the
    // student runs each prompt in both precisions; about twice an evaluate of the same prompts).
    async precision(job, { plan, prompts, positions }) {
      await job.step({ done: 0, total: 2, label: 'building the student' });
      await ensurePlan(job, plan);
      await job.step({ done: 1, total: 2, label: 'float32 and float16 inside the FFTs' });
      return unwrap(engine.precision(prompts, positions));
    },

    async structure(job, { plan, layer, matrix, blockRow, blockCol }) {
      await job.step({ done: 0, total: 1, label: 'building the student' });
      await ensurePlan(job, plan);
      return unwrap(engine.structure(layer, matrix, blockRow, blockCol));
    },
  };

  async function run(job) {
    const started = performance.now();
    try {
      const verb = verbs[job.verb];
      if (!verb) throw new Error(`unknown verb "${job.verb}"`);
      const result = await verb(job, await chatArgs(engine, job.args || {}));
      if (job.cancelled) throw new Cancelled();
      // Bytes given back (load's `returned`) move, as they came: the page's second argument to postMessage.
      job.post({ id: job.id, result }, Object.values(result?.returned ?? {}));
    } catch (error) {
      if (error instanceof Cancelled) job.post({ id: job.id, error: 'cancelled', cancelled: true });
      else if (error instanceof WebAssembly.RuntimeError) job.post({ id: job.id, error: lostEngine(job.label || job.verb, error), engineLost: true });
      else job.post({ id: job.id, error: error?.message || String(error), ...(error?.unloaded && { unloaded: true }) });
    } finally {
      if (engine && !NOT_RUNNING_THE_MODEL.has(job.verb)) computedMs += performance.now() - started;
    }
  }

  async function drain() {
    if (draining) return;
    draining = true;
    while (queue.length) {
      running = queue.shift();
      await nextTask();  // lets cancel messages that arrived meanwhile land first
      if (running.cancelled) running.post({ id: running.id, error: 'cancelled', cancelled: true });
      else await run(running);
      running = null;
    }
    draining = false;
  }

  function cancel(ids) {
    const hit = (job) => !ids || ids.includes(job.id);
    let count = 0;
    for (const job of [running, ...queue]) if (job && hit(job) && !job.cancelled) { job.cancelled = true; ++count; }
    return count;
  }

  return {
    /** Starts fetching and compiling the engine before the first request needs it. */
    prepare() {
      modulePromise ??= loadModule();
      modulePromise.catch(() => { modulePromise = null; });  // the load request reports the error
    },
    /** Takes one {verb, args, id} message; `post` receives the replies. Returns when it is queued. */
    handle(message, post) {
      const { verb, args, id } = message || {};
      if (verb === 'cancel') {
        post({ id, result: { cancelled: cancel(args?.ids) } });
        return;
      }
      const job = {
        id, verb, args, post, cancelled: false,
        async step(progress) {
          if (progress) post({ id, progress: { ...progress, label: (job.label = progress.label) } });
          await nextTask();
          if (job.cancelled) throw new Cancelled();
        },
      };
      queue.push(job);
      drain();
    },
    /** Resolves when every queued request has answered (for tests). */
    async idle() {
      while (draining || queue.length) await nextTask();
    },
  };
}
