// The page: loads the default model into the worker, keeps the State in the URL hash, and
// recomputes only the displays whose inputs changed whenever a control, the hash or the model moves.
import { applyPatch, BLOCK_SIZES, clampLayers, layersOf, parseHash, planOf, toHash } from './state.js';
import { Cancelled, EngineClient } from './engine-client.js';
import { Controls } from './controls.js';
import { renderMetrics, renderParameters } from './views/cards.js';
import { renderChips } from './views/chips.js';
import { renderCandidates } from './views/candidates.js';
import { renderSpeed } from './views/speed.js';
import { renderGeneration } from './views/generation.js';
import { renderHeatmaps } from './views/heatmaps.js';
import { SweepChart } from './views/sweep-chart.js';
import { DistillChart } from './views/distill-chart.js';
import { setupModelLoader } from './model-loader.js';

const $ = (selector) => document.querySelector(selector);
const SPEED = { promptTokens: 64, decodeTokens: 32, runs: 3 };

// Figures the browser test reads: milestones in ms since navigation (the page's clock), and the
// duration of each part's last run.
const timings = { moduleStart: performance.now(), filesFetched: null, modelLoaded: null, firstMetrics: null,
  firstReady: null, last: {} };
window.__playground = { timings };

const client = new EngineClient(new Worker(new URL('./worker.js', import.meta.url), { type: 'module' }));
const sweepChart = new SweepChart($('#sweep-chart'));
window.__playground.sweepChart = sweepChart;  // the browser test reads its rows
const distillChart = new DistillChart($('#distill-chart'));
let distilling = null;       // the running distillation's last report {step, steps, batchKl, ms, plan}
let state = parseHash(location.hash);
let config = null;           // the loaded model's ModelConfig
let lecturePrompts = [];
let calibrationSets = {};   // name → lines, for loss-aware projections
let analysis = null;         // the current prompt's PromptAnalysis
let comparison = null;       // evaluate-all-20 result for the current plan
const done = {};             // part → the inputs it was last computed from
let refreshRun = 0;

// ---- status line ---------------------------------------------------------------------------------

function setStatus(text, message = '') {
  $('#status').textContent = text;
  $('#status').dataset.state = text.split(' ')[0];
  $('#message').textContent = message;
}

function showProgress(progress) {
  const bar = $('#progress');
  bar.hidden = !progress;
  $('#cancel').hidden = !progress;
  $('#progress-label').textContent = progress ? progress.label : '';
  if (progress) {
    bar.max = progress.total || 1;
    bar.value = progress.done;
  }
}

// ---- state ---------------------------------------------------------------------------------------

function validForModel(s) {
  if (!config) return s;
  const n = config.nLayers;
  return { ...s, layers: clampLayers(s.layers, n), vlayer: Math.min(s.vlayer, n - 1) };
}

function applyState(next, { writeHash = true } = {}) {
  state = validForModel(next);
  if (writeHash) history.replaceState(null, '', `#${toHash(state)}`);
  document.body.classList.toggle('embed', state.embed);
  for (const el of document.querySelectorAll('[data-control], [data-panel]'))
    el.hidden = state.hide.includes(el.dataset.control || el.dataset.panel);
  controls.write(state);
  sweepChart.mark(state.B);
  $('#distill-panel').hidden = state.proj !== 'distill' || state.hide.includes('distillation');
  refresh();
}

// A user edit: applied when every value passes its check in web/state.js, else explained.
function onEdit(patch) {
  if (typeof patch.prompt === 'string' && !patch.prompt.trim()) {
    setStatus('error', 'The prompt is empty: type a few words or pick one of the lecture prompts.');
    return;
  }
  const next = applyPatch(state, patch);
  const rejected = Object.keys(patch).filter((k) => JSON.stringify(next[k]) !== JSON.stringify(patch[k]));
  if (rejected.length) {
    setStatus('error', `${rejected.map((k) => `${k} = ${patch[k]}`).join(', ')} is out of range; kept ` +
      `${rejected.map((k) => `${k} = ${state[k]}`).join(', ')}.`);
    controls.write(state);
    return;
  }
  applyState(next);
}

const controls = new Controls({ presets: [], onChange: onEdit });
window.addEventListener('hashchange', () => applyState(parseHash(location.hash), { writeHash: false }));

// ---- recomputation -------------------------------------------------------------------------------

const planKey = (s) => JSON.stringify(planOf(s));
const evalPrompts = (s) => (s.mode === 'all20' ? lecturePrompts : [s.prompt]);

function renderCards() {
  const cardsFromComparison = state.mode === 'all20' && comparison && done.evaluate === evaluateKey(state);
  let metrics;
  if (cardsFromComparison) metrics = comparison;
  else if (state.mode === 'prompt' && analysis) metrics = state.positions === 'all' ? analysis.mean : analysis.last;
  if (metrics) renderMetrics(document, metrics);
  $('.cards').classList.toggle('stale', !metrics || (state.mode === 'all20' && !cardsFromComparison) ||
    (state.mode === 'prompt' && done.analyze !== analyzeKey(state)));
  $('#scope').textContent = state.mode === 'all20'
    ? `Mean over the 20 lecture prompts (${state.positions === 'all' ? 'each averaged over all positions' : 'last token'}), ` +
      'with 95 % intervals. Chips, bars and generation show the prompt in the box.'
    : `This prompt, ${state.positions === 'all' ? 'averaged over all positions' : 'at the last token'}.`;
}

const analyzeKey = (s) => JSON.stringify([planKey(s), s.prompt]);
const evaluateKey = (s) => JSON.stringify([planKey(s), s.positions]);
const structureKey = (s) => JSON.stringify([planKey(s), s.vlayer, s.vmatrix, s.vrow, s.vcol]);
const generationKey = (s) => JSON.stringify([planKey(s), s.prompt, s.steps, s.temp, s.topp, s.penalty, s.seed]);
const sweepKey = (s) => JSON.stringify([{ ...planOf(s), block: 0 }, evalPrompts(s), s.positions]);
const speedKey = (s) => planKey(s);

// Clamps the structure view's block to the chosen matrix (rows, cols) at this B.
function structureArgs(s) {
  const [rows, cols] = s.vmatrix === 'down' ? [config.dim, config.hiddenDim] : [config.hiddenDim, config.dim];
  const b = s.B;
  return { plan: planOf(s), layer: s.vlayer, matrix: s.vmatrix,
    blockRow: Math.min(s.vrow, Math.ceil(rows / b) - 1), blockCol: Math.min(s.vcol, Math.ceil(cols / b) - 1) };
}

// The engine counts positions in total as llama2.c's -n does (BOS and prompt included).
const generationSteps = (s) => Math.min(config.seqLen, analysis.tokens.length + s.steps);

async function timed(name, promise) {
  const t0 = performance.now();
  const result = await promise;
  timings.last[name] = performance.now() - t0;
  return result;
}

/** Runs every part whose inputs changed, most visible first; a newer refresh cancels this one. */
async function refresh() {
  if (!config) return;
  client.cancelAll();
  const run = ++refreshRun;
  const s = state;
  const plan = planOf(s);
  const request = (verb, args) => client.request(verb, args, (p) => {
    if (run !== refreshRun) return;
    showProgress(p);
    if (p.partial?.distill) showDistillation(p.partial.distill, plan);
    if (p.partial?.analysis) {  // the metric cards follow the student as it trains
      analysis = p.partial.analysis;
      renderChips($('#chips'), analysis);
      renderCandidates($('#teacher-top'), $('#student-top'), analysis);
      if (s.mode === 'prompt') renderMetrics(document, s.positions === 'all' ? analysis.mean : analysis.last);
    }
  });
  const stale = () => run !== refreshRun;
  setStatus('computing');
  renderCards();
  try {
    if (done.analyze !== analyzeKey(s)) {
      const t0 = performance.now();
      const result = await timed('analyze', request('analyze', { plan, prompt: s.prompt }));
      if (stale()) return;
      analysis = result.analysis;
      done.analyze = analyzeKey(s);
      renderParameters(document, result.parameters);
      renderChips($('#chips'), analysis);
      renderCandidates($('#teacher-top'), $('#student-top'), analysis);
      renderCards();
      timings.last.update = performance.now() - t0;
      timings.firstMetrics ??= performance.now();
    }
    if (s.mode === 'all20' && done.evaluate !== evaluateKey(s)) {
      comparison = await timed('evaluate', request('evaluate', { plan, prompts: lecturePrompts, positions: s.positions }));
      if (stale()) return;
      done.evaluate = evaluateKey(s);
    }
    renderCards();
    if (done.structure !== structureKey(s)) {
      const view = await timed('structure', request('structure', structureArgs(s)));
      if (stale()) return;
      done.structure = structureKey(s);
      const magnified = renderHeatmaps({ dense: $('#heat-dense'), circulant: $('#heat-circulant'), difference: $('#heat-difference') }, view);
      $('#circulant-caption').textContent = magnified > 1.05 ? `circulant projection (colours ×${magnified.toFixed(1)})` : 'circulant projection';
      const patched = s.B > 1 && s.matrices.includes(s.vmatrix) && layersOf(s.layers, config.nLayers).includes(s.vlayer);
      $('#structure-note').textContent = s.B === 1
        ? 'B = 1: every block is 1×1, so the student equals the teacher (a 32×32 corner shown)'
        : patched
          ? `${view.size}×${view.size} of a ${s.B}×${s.B} block; relative error of the whole matrix ${view.relativeError.toFixed(3)}`
          : `layer ${s.vlayer} ${s.vmatrix} is not patched: the student keeps the dense matrix`;
    }
    if (done.generation !== generationKey(s)) {
      const sampler = { temperature: s.temp, topP: s.topp, repeatPenalty: s.penalty, seed: s.seed };
      const result = await timed('generate', request('generate', { plan, prompt: s.prompt, steps: generationSteps(s), sampler }));
      if (stale()) return;
      done.generation = generationKey(s);
      $('#generation-note').textContent = renderGeneration($('#gen-teacher'), $('#gen-student'), result);
    }
    if (done.sweep !== sweepKey(s)) {
      sweepChart.reset(BLOCK_SIZES);
      $('#sweep-note').textContent = s.mode === 'all20' ? 'mean over the 20 lecture prompts' : 'this prompt';
      const rows = client.request('sweep', { plan, prompts: evalPrompts(s), positions: s.positions, blocks: BLOCK_SIZES,
        references: ['frobenius', 'distilled', 'removed'] },
        (p) => {
          if (run !== refreshRun) return;
          showProgress(p);
          if (p.partial && !p.partial.error) sweepChart.addRow(p.partial);
        });
      const swept = await timed('sweep', rows);
      if (stale()) return;
      const gaps = swept.skipped.filter((r) => r.series === 'plan');
      if (gaps.length)
        $('#sweep-note').textContent += ` (no point at B = ${gaps.map((r) => r.block).join(', ')}: ${gaps[0].error})`;
      done.sweep = sweepKey(s);
    }
    if (done.speed !== speedKey(s)) {
      renderSpeed(document, null);
      const speed = await timed('benchmark', request('benchmark', { plan, ...SPEED }));
      if (stale()) return;
      done.speed = speedKey(s);
      renderSpeed(document, speed);
      $('#speed-note').textContent = `prefill of ${SPEED.promptTokens} tokens, decode of ${SPEED.decodeTokens}; ` +
        'MLP share: prefill / decode. In this browser, on this machine.';
    }
    // Once per model: the 20 lecture prompts through the teacher (the engine caches its logits), so
    // "evaluate all 20" later costs only the student's half; the result counts if the plan is unchanged.
    if (!done.warm) {
      comparison = await timed('warm', request('evaluate', { plan, prompts: lecturePrompts, positions: s.positions }));
      if (stale()) return;
      done.warm = true;
      done.evaluate = evaluateKey(s);
    }
    showProgress(null);
    setStatus('ready');
    timings.firstReady ??= performance.now();
  } catch (error) {
    if (error instanceof Cancelled || stale()) return;
    showProgress(null);
    setStatus('error', error.message);
  }
}

// The distillation chart and its note: steps, KL, time left at the pace so far.
function showDistillation(report, plan) {
  if (!distilling || distilling.planKey !== planKey(state) || report.step < distilling.step) {
    distillChart.reset();
    distilling = { planKey: planKey(state), firstStep: report.step, firstMs: report.ms };
  }
  Object.assign(distilling, report);
  distillChart.add(report);
  const pace = (report.ms - distilling.firstMs) / Math.max(1, report.step - distilling.firstStep);
  const left = Math.round(((report.steps - report.step) * pace) / 1000);
  $('#distill-note').textContent = `step ${report.step} of ${report.steps}, batch KL ${report.batchKl.toFixed(3)}` +
    (report.heldOutKl !== undefined ? `, held-out KL ${report.heldOutKl.toFixed(3)}` : '') +
    (report.step < report.steps && report.step > distilling.firstStep ? `, about ${left} s left` : '') +
    ` · B = ${plan.block}, lr ${plan.distill.learningRate}`;
}

$('#cancel').addEventListener('click', () => {
  client.cancelAll();
  ++refreshRun;
  showProgress(null);
  // A cancelled distillation keeps the steps it finished: the URL says so, and reproduces them.
  if (distilling && distilling.planKey === planKey(state) && distilling.step < distilling.steps && distilling.step >= 1) {
    setStatus('cancelled', `Distillation stopped at step ${distilling.step}: the student keeps what it learned.`);
    applyState({ ...state, dsteps: distilling.step });
    return;
  }
  setStatus('cancelled', 'Stopped. Move any control to compute again.');
});
$('#measure').addEventListener('click', () => { delete done.speed; refresh(); });

$('#copy-link').addEventListener('click', async () => {
  const button = $('#copy-link');
  try {
    await navigator.clipboard.writeText(location.href);
    button.textContent = 'Link copied';
  } catch {
    window.prompt('Copy this link:', location.href);  // clipboard needs a secure context
  }
  setTimeout(() => { button.textContent = 'Copy link'; }, 1500);
});

// ---- the model -----------------------------------------------------------------------------------

async function loadModel(files) {
  client.cancelAll();
  ++refreshRun;
  setStatus('loading', '');
  const { students: studentsFile, ...modelFiles } = files;
  const result = await client.request('load', { ...modelFiles, calibrationSets }, showProgress);
  config = result.config;
  timings.modelLoaded ??= performance.now();
  for (const key of Object.keys(done)) delete done[key];
  $('[data-testid="model-name"]').textContent =
    `${files.modelName}: ${config.nLayers} layers, dim ${config.dim}, hidden ${config.hiddenDim}, vocab ${config.vocabSize}`;
  const students = await studentsFile;
  if (students) {  // precomputed distilled students of the default model (the sweep's reference)
    try {
      await client.request('students', { bytes: students, name: 'distilled.students' }, showProgress);
    } catch (error) {
      setStatus('error', `The precomputed distilled students could not be used: ${error.message}`);
    }
  }
  controls.setLayerCount(config.nLayers);
  renderParameters(document, result.parameters);
  applyState(state);
}

async function fetchOk(path, what) {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path} could not be fetched (HTTP ${response.status}): ${what}`);
  return response;
}

async function boot() {
  setStatus('loading');
  const missing = 'run bash cpp/train/pipeline.sh or npm run build again, or load your own model';
  // Optional: without it the sweep's distilled curve shows only students distilled in this page.
  const students = fetch('models/distilled.students').then((r) => (r.ok ? r.blob() : null), () => null);
  const [lecture, calibration, model, tokenizer] = await Promise.all([
    fetchOk('models/prompts/lecture-20.txt', missing).then((r) => r.text()),
    fetchOk('models/prompts/calibration.txt', missing).then((r) => r.text()),
    fetchOk('models/default.bin', missing).then((r) => r.blob()),
    fetchOk('models/tokenizer.bin', missing).then((r) => r.blob()),
  ]);
  timings.filesFetched ??= performance.now();
  const lines = (text) => text.split('\n').map((l) => l.trim()).filter(Boolean);
  lecturePrompts = lines(lecture);
  const held = lines(calibration);
  calibrationSets = { 'heldout-32': held.slice(0, 32), heldout: held, lecture: lecturePrompts };
  controls.setupPresets(lecturePrompts);
  const defaults = { model, modelName: 'default.bin', tokenizer, tokenizerName: 'tokenizer.bin', students };
  setupModelLoader({ defaults, load: loadModel, onError: (message) => setStatus('error', message) });
  await loadModel(defaults);
}

controls.write(state);
boot().catch((error) => setStatus('error', error.message));
