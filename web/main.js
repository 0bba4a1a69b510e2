// The page: loads the default model into the worker, keeps the State in the URL hash, and runs the
// display parts (web/parts.js) whose inputs changed whenever a control, the hash or the model moves.
// Also the guided tour's navigation, projector mode, and cancel.
import { applyPatch, clampLayers, hashKeys, parseHash, planOf, toHash } from './state.js';
import { Cancelled, EngineClient } from './engine-client.js';
import { createWorker } from './worker-factory.js';
import { Controls } from './controls.js';
import { displayParts } from './parts.js';
import { download } from './assets.js';
import { TOUR, tourText } from './tour.js';
import { renderMetrics, renderParameters } from './views/cards.js';
import { renderChips } from './views/chips.js';
import { renderCandidates } from './views/candidates.js';
import { renderTour } from './views/tour-panel.js';
import { SweepChart } from './views/sweep-chart.js';
import { DistillChart } from './views/distill-chart.js';
import { setupModelLoader } from './model-loader.js';

const $ = (selector) => document.querySelector(selector);
const MB = (bytes) => (bytes / 2 ** 20).toFixed(1);

// Figures the browser test reads: milestones in ms since navigation (the page's clock), and the
// duration of each part's last run.
const timings = { moduleStart: performance.now(), filesFetched: null, modelLoaded: null, firstMetrics: null,
  firstReady: null, last: {} };
window.__playground = { timings };

const client = new EngineClient(createWorker);
const sweepChart = new SweepChart($('#sweep-chart'), $('#sweep-table'));
const distillChart = new DistillChart($('#distill-chart'));
window.__playground.sweepChart = sweepChart;  // the browser test reads its rows

let state = parseHash(location.hash);
let files = null;            // the loaded model's files, kept to restart the engine
let distilling = null;       // the running distillation's last report and its plan
const done = {};             // part → the key it was last computed for
let refreshRun = 0;
let loading = null;          // the engine's load under way: refresh waits for it, never cancels it
let modelArriving = false;   // downloading or loading a model: Cancel is not offered (no model, no page)
const page = {
  config: null,
  lecturePrompts: [],
  calibrationSets: {},       // name → lines, for loss-aware projections and distillation
  results: {},               // analysis, comparison, structure, speed: what cards and tour read
  sweepChart,
  evalPrompts: (s) => (s.mode === 'all20' ? page.lecturePrompts : [s.prompt]),
  showAnalysis,
  distill: showDistillation,
  distillReady: showReadyDistilled,
};
const parts = displayParts(page);
const partKey = (name, s) => parts.find((p) => p.name === name).key(s);

// ---- status line ---------------------------------------------------------------------------------

function setStatus(text, message = '') {
  $('#status').textContent = text;
  $('#status').dataset.state = text.split(' ')[0];
  $('#message').textContent = message;
}

function showProgress(progress) {
  const bar = $('#progress');
  bar.hidden = !progress;
  $('#cancel').hidden = !progress || modelArriving;
  $('#progress-label').textContent = progress ? progressLabel(progress) : '';
  if (progress) {
    bar.max = progress.total || 1;
    bar.value = progress.done;
  }
}

// Every long action says how far it is: "evaluating prompts: 7 of 20".
function progressLabel(p) {
  if (/\d+ of \d+/.test(p.label) || !(p.total > 1)) return p.label;
  return `${p.label}: ${Math.min(p.done + 1, p.total)} of ${p.total}`;
}

// ---- state ---------------------------------------------------------------------------------------

function validForModel(s) {
  if (!page.config) return s;
  const n = page.config.nLayers;
  return { ...s, layers: clampLayers(s.layers, n), vlayer: Math.min(s.vlayer, n - 1) };
}

// A tour step's own settings, except those the hash itself names (a link keeps what it says).
function withTourStep(s, named = new Set()) {
  if (!s.tour) return s;
  const step = TOUR[s.tour - 1].state;
  const fill = Object.fromEntries(Object.entries(step).filter(([k]) => !named.has(k)));
  return { ...s, ...fill };
}

/** history: 'replace' (an edit), 'push' (a tour step: Back returns to it) or 'none' (from the hash). */
function applyState(next, { history: mode = 'replace' } = {}) {
  state = validForModel(next);
  const hash = `#${toHash(state)}`;
  if (mode === 'push' && hash !== location.hash) history.pushState(null, '', hash);
  else if (mode !== 'none') history.replaceState(null, '', hash);
  document.body.classList.toggle('embed', state.embed);
  document.body.classList.toggle('present', state.present);
  // The display that holds the tour step's numbers; projector mode shows it beside the cards.
  document.body.dataset.focus = state.tour ? TOUR[state.tour - 1].panel : 'tokens';
  $('#toggle-present').setAttribute('aria-pressed', String(state.present));
  for (const el of document.querySelectorAll('[data-control], [data-panel]'))
    el.hidden = state.hide.includes(el.dataset.control || el.dataset.panel);
  $('#distill-panel').hidden = state.proj !== 'distill' || state.hide.includes('distillation');
  controls.write(state);
  sweepChart.resize();
  sweepChart.mark(state.B);
  renderTourPanel();
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

const controls = new Controls({ onChange: onEdit });

// The hash is the history: a pasted link, Back and Forward all land here.
function followHash() {
  if (`#${toHash(state)}` === location.hash) return;
  const parsed = parseHash(location.hash);
  applyState(parsed.tour !== state.tour ? withTourStep(parsed, hashKeys(location.hash)) : parsed, { history: 'none' });
}
window.addEventListener('hashchange', followHash);
window.addEventListener('popstate', followHash);

// ---- the tour and projector mode ------------------------------------------------------------------

function goToStep(step) {
  if (step < 0 || step > TOUR.length) return;
  applyState(withTourStep({ ...state, tour: step }), { history: 'push' });
  if (step) $(`[data-panel="${TOUR[step - 1].panel}"]`)?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
}

function renderTourPanel() {
  const r = page.results;
  const metrics = state.mode === 'all20' && r.comparison
    ? Object.fromEntries(Object.entries(r.comparison).filter(([k]) => k !== 'prompts').map(([k, v]) => [k, v.mean]))
    : r.analysis && (state.positions === 'all' ? r.analysis.mean : r.analysis.last);
  const fresh = (part) => done[part] !== undefined && done[part] === partKey(part, state);
  const sweep = fresh('sweep') ? { plan: sweepChart.rows, ...Object.fromEntries(sweepChart.references) } : null;
  renderTour($('#tour-panel'), state.tour, state.tour ? tourText(state.tour, {
    metrics: fresh('analyze') ? metrics : null,
    speed: fresh('speed') ? r.speed : null,
    structure: fresh('structure') ? r.structure : null,
    sweep,
    block: state.B,
  }) : []);
}

$('#start-tour').addEventListener('click', () => goToStep(state.tour || 1));
$('#tour-next').addEventListener('click', () => goToStep(state.tour + 1));
$('#tour-prev').addEventListener('click', () => goToStep(state.tour - 1));
$('#tour-exit').addEventListener('click', () => applyState({ ...state, tour: 0 }));
$('#toggle-present').addEventListener('click', () => applyState({ ...state, present: !state.present }));
// Arrow keys (and a presenter's clicker, which sends Page Up/Down) move through the tour, unless
// the key is meant for a control.
document.addEventListener('keydown', (e) => {
  if (!state.tour || e.altKey || e.ctrlKey || e.metaKey) return;
  if (e.target.closest?.('input, textarea, select')) return;
  const delta = { ArrowRight: 1, PageDown: 1, ArrowLeft: -1, PageUp: -1 }[e.key];
  if (!delta) return;
  e.preventDefault();
  goToStep(Math.min(TOUR.length, Math.max(1, state.tour + delta)));
});

// ---- recomputation -------------------------------------------------------------------------------

function showAnalysis(analysis) {
  page.results.analysis = analysis;
  renderChips($('#chips'), analysis, $('#chip-legend'));
  renderCandidates($('#teacher-top'), $('#student-top'), analysis);
  for (const panel of ['tokens', 'candidates']) $(`[data-panel="${panel}"]`).classList.remove('stale');
  renderCards();
}

function renderCards() {
  const r = page.results;
  const evaluated = state.mode === 'all20' && r.comparison && done.evaluate === partKey('evaluate', state);
  let metrics;
  if (evaluated) metrics = r.comparison;
  else if (state.mode === 'prompt' && r.analysis) metrics = state.positions === 'all' ? r.analysis.mean : r.analysis.last;
  if (metrics) renderMetrics(document, metrics);
  $('.cards').classList.toggle('stale', !metrics || (state.mode === 'all20' && !evaluated) ||
    (state.mode === 'prompt' && done.analyze !== partKey('analyze', state)));
  $('#scope').textContent = state.mode === 'all20'
    ? `Mean over the 20 lecture prompts (${state.positions === 'all' ? 'each averaged over all positions' : 'last token'}), ` +
      'with 95 % intervals. Chips, bars and generation show the prompt in the box.'
    : `This prompt, ${state.positions === 'all' ? 'averaged over all positions' : 'at the last token'}.`;
}

// After an error the panels that still show the previous prompt say so.
function markStale(message) {
  for (const panel of ['tokens', 'candidates', 'generation']) $(`[data-panel="${panel}"]`).classList.add('stale');
  $('#generation-note').textContent = 'showing the previous prompt';
  setStatus('error', message);
}

/** Runs every part whose inputs changed, most visible first; a newer refresh cancels this one. */
async function refresh() {
  if (!page.config) return;
  const run = ++refreshRun;
  await loading?.catch(() => {});
  if (run !== refreshRun) return;
  client.cancelAll();
  const s = state;
  const stale = () => run !== refreshRun;
  setStatus('computing');
  renderCards();
  try {
    for (const part of parts) {
      if (part.when && !part.when(s)) continue;
      const key = part.key(s);
      if (done[part.name] === key) continue;
      part.before?.(s);
      const [verb, args] = part.request(s);
      const t0 = performance.now();
      const result = await client.request(verb, args, (p) => {
        if (stale()) return;
        showProgress(p);
        part.progress?.(p, s);
      });
      if (stale()) return;
      timings.last[part.name] = performance.now() - t0;
      done[part.name] = key;
      part.render(result, s, done);
      if (part.name === 'analyze') {
        timings.last.update = timings.last.analyze;
        timings.firstMetrics ??= performance.now();
      }
      renderCards();
      renderTourPanel();
    }
    showProgress(null);
    setStatus('ready');
    timings.firstReady ??= performance.now();
  } catch (error) {
    if (error instanceof Cancelled || stale()) return;
    showProgress(null);
    if (done.analyze !== partKey('analyze', s)) markStale(error.message);
    else setStatus('error', error.message);
  }
}

// The distillation chart and its note: steps, KL, time left at the pace so far.
function showDistillation(report) {
  const key = JSON.stringify(planOf(state));
  if (!distilling || distilling.planKey !== key || report.step < distilling.step) {
    $('#distill-chart').hidden = false;
    distillChart.reset();
    distilling = { planKey: key, firstStep: report.step, firstMs: report.ms };
  }
  Object.assign(distilling, report);
  distillChart.add(report);
  const pace = (report.ms - distilling.firstMs) / Math.max(1, report.step - distilling.firstStep);
  const left = Math.round(((report.steps - report.step) * pace) / 1000);
  $('#distill-note').textContent = `step ${report.step} of ${report.steps}, batch KL ${report.batchKl.toFixed(3)}` +
    (report.heldOutKl !== undefined ? `, held-out KL ${report.heldOutKl.toFixed(3)}` : '') +
    (report.step < report.steps && report.step > distilling.firstStep ? `, about ${left} s left` : '') +
    ` · B = ${state.B}, lr ${state.lr}`;
}

// A distilled student that arrived without training (the precomputed canonical one, or one
// distilled earlier in this visit): without this note the panel would show an empty chart.
function showReadyDistilled(s) {
  const key = JSON.stringify(planOf(s));
  if (distilling?.planKey === key) return;  // trained just now: the chart shows it
  distillChart.reset();
  $('#distill-chart').hidden = true;
  $('#distill-note').textContent = `no training to show: this student (B = ${s.B}, ${s.dsteps} steps, lr ${s.lr}) ` +
    'was ready-made: from models/distilled.students (the canonical distillation, made by ' +
    'scripts/distill-canonical.sh) or from earlier in this visit. Change steps or lr to train one here.';
}

// Cancel answers at once. The engine stops at its next granular step (a prompt, a layer, a
// distillation step); a call that does not return in time is cut short by restarting the worker,
// after which the engine is loaded again. A distillation keeps the steps it finished.
const CANCEL_GRACE_MS = 200;
const DISTILL_GRACE_MS = 1500;  // one distillation step, which a restart would throw away
$('#cancel').addEventListener('click', () => {
  const cancelled = client.cancelAll();
  ++refreshRun;
  showProgress(null);
  const inDistillation = distilling && distilling.planKey === JSON.stringify(planOf(state)) &&
    distilling.step < distilling.steps;
  const keepsSteps = inDistillation && distilling.step >= 1;
  // Only the requests cancelled here count: a change made meanwhile has its own.
  const before = state;
  setTimeout(() => { if (client.waiting(cancelled)) restartEngine(before); },
    inDistillation ? DISTILL_GRACE_MS : CANCEL_GRACE_MS);
  if (keepsSteps) {
    setStatus('cancelled', `Distillation stopped at step ${distilling.step}: the student keeps what it learned.`);
    applyState({ ...state, dsteps: distilling.step });
    return;
  }
  setStatus('cancelled', 'Stopped. Move any control to compute again.');
});
$('#measure').addEventListener('click', () => { delete done.speed; refresh(); });

// After a restart the engine is fresh. The page computes again only when the state moved since
// the cancel (a change made meanwhile, or a distillation's kept steps); otherwise it stays stopped.
async function restartEngine(cancelledState) {
  const status = $('#status').textContent, message = $('#message').textContent;
  client.restart();
  for (const key of Object.keys(done)) delete done[key];
  try {
    const moved = state !== cancelledState;
    await loadModel(files, { recompute: moved });
    if (!moved) setStatus(status, message);
  } catch (error) {
    setStatus('error', error.message);
  }
}

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

async function loadModel(modelFiles, { recompute = true } = {}) {
  client.cancelAll();
  ++refreshRun;
  setStatus('loading', '');
  const { students: studentsFile, ...engineFiles } = modelFiles;
  modelArriving = true;
  loading = (async () => {
    const loaded = await client.request('load', { ...engineFiles, calibrationSets: page.calibrationSets }, showProgress);
    const students = await studentsFile;
    if (students) {  // precomputed distilled students of the default model (the sweep's reference)
      try {
        await client.request('students', { bytes: students, name: 'distilled.students' }, showProgress);
      } catch (error) {
        setStatus('error', `The precomputed distilled students could not be used: ${error.message}`);
      }
    }
    return loaded;
  })().finally(() => { modelArriving = false; });
  const result = await loading;
  files = modelFiles;
  page.config = result.config;
  timings.modelLoaded ??= performance.now();
  for (const key of Object.keys(done)) delete done[key];
  $('[data-testid="model-name"]').textContent = `${modelFiles.modelName}: ${page.config.nLayers} layers, ` +
    `dim ${page.config.dim}, hidden ${page.config.hiddenDim}, vocab ${page.config.vocabSize}`;
  showProgress(null);
  controls.setLayerCount(page.config.nLayers);
  renderParameters(document, result.parameters);
  if (recompute) applyState(state);
}

async function boot() {
  setStatus('loading');
  modelArriving = true;
  const missing = 'run bash cpp/train/pipeline.sh or npm run build again, or load your own model';
  const bytes = {};
  const report = () => {
    const got = Object.values(bytes).reduce((a, b) => a + b.done, 0);
    const total = Object.values(bytes).reduce((a, b) => a + b.total, 0);
    // A server that sends no Content-Length leaves the total unknown: then only what has arrived.
    showProgress({ done: got, total, label: `downloading the model: ${total ? `${MB(got)} of ${MB(total)}` : MB(got)} MB` });
  };
  const fetchBlob = (path) => download(path, missing, (d, t) => { bytes[path] = { done: d, total: t }; report(); });
  const text = (path) => download(path, missing).then((b) => b.text());
  // Optional: without it the sweep's distilled curve shows only students distilled in this page.
  const students = fetchBlob('models/distilled.students').catch(() => null);
  const [lecture, calibration, model, tokenizer] = await Promise.all([
    text('models/prompts/lecture-20.txt'), text('models/prompts/calibration.txt'),
    fetchBlob('models/default.bin'), fetchBlob('models/tokenizer.bin'),
  ]);
  timings.filesFetched ??= performance.now();
  const lines = (t) => t.split('\n').map((l) => l.trim()).filter(Boolean);
  page.lecturePrompts = lines(lecture);
  const held = lines(calibration);
  page.calibrationSets = { 'heldout-32': held.slice(0, 32), heldout: held, lecture: page.lecturePrompts };
  controls.setPresets(page.lecturePrompts);
  const defaults = { model, modelName: 'default.bin', tokenizer, tokenizerName: 'tokenizer.bin', students };
  setupModelLoader({ defaults, load: loadModel, onError: (message) => setStatus('error', message) });
  await loadModel(defaults);
}

state = withTourStep(state, hashKeys(location.hash));
controls.write(state);
renderTourPanel();
boot().catch((error) => setStatus('error', error.message));
