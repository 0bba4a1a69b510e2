// The page: loads the default model into the worker, keeps the State in the URL hash, and runs the
// display parts (web/parts.js) whose inputs changed whenever a control, the hash or the model moves.
// Also the guide (tour and questions), projector mode, sharing, distillation's offer, and cancel.
import { createWorker } from './worker-factory.js';  // first: it starts the engine's worker
import './first-fetch.js';  // second: it starts the model's download
import { applyPatch, clampLayers, hashKeys, isCanonicalDistill, keyName, planOf, readHash, toHash } from './state.js';
import { Cancelled, EngineClient } from './engine-client.js';
import { Controls } from './controls.js';
import { displayParts } from './parts.js';
import { fetchDefaultFiles } from './default-files.js';
import { setStatus, showCorrections, showProgress as renderProgress } from './status-bar.js';
import { fillQuestions, guideOf, guideView, setupGuideNavigation, withGuideState } from './guide-nav.js';
import { linkOf, setupShare } from './share.js';
import { DistillPanel } from './distill-panel.js';
import { renderMetrics, renderParameters } from './views/cards.js';
import { renderChips } from './views/chips.js';
import { renderCandidates } from './views/candidates.js';
import { renderGuide } from './views/guide-panel.js';
import { legendHead, renderSizeNote, renderSpeed } from './views/speed.js';
import { SweepCharts } from './views/sweep-chart.js';
import { chartFrame } from './views/chart-frame.js';
import { SpeedChart } from './views/speed-chart.js';
import { setupModelLoader } from './model-loader.js';
import { showModelCard } from './model-card.js';
import { memoryNeed } from './model-intake.js';
import { readyMadeBlock, savedStudents } from './saved-students.js';
import { earlyAnalysis } from './early-analysis.js';
import { afterPaint } from './after-paint.js';
import { sendAllShowInOrder } from './in-order.js';

const $ = (selector) => document.querySelector(selector);
const DEFAULT_MODEL = 'default.bin';

// Figures the browser test reads: milestones in ms since navigation (the page's clock), and the
// duration of each part's last run.
const timings = { moduleStart: performance.now(), filesFetched: null, engineLoaded: null, studentsLoaded: null,
  modelLoaded: null, firstMetrics: null, firstReady: null, last: {} };
window.__playground = { timings };

const client = new EngineClient(createWorker);
const [klFrame, speedFrame, agreementFrame] = ['sweep', 'tradeoff', 'agreement'].map((name) => chartFrame($(`[data-chart="${name}"]`)));
const sweep = new SweepCharts({ klChart: klFrame.chart, klLegend: klFrame.legend, agreementChart: agreementFrame.chart,
  agreementLegend: agreementFrame.legend, table: klFrame.table });
const speedChart = new SpeedChart(speedFrame.chart, speedFrame.legend, speedFrame.table);
const distill = new DistillPanel();
Object.assign(window.__playground, { sweep, speedChart });  // the browser test reads their rows

let { state, corrections } = readHash(location.hash);
let files = null;            // the loaded model's files, kept to restart the engine
const done = {};             // part → the key it was last computed for
let refreshRun = 0;
let loading = null;          // the engine's load under way: refresh waits for it, never cancels it
let reserving = null;        // the heap's growth for the default model, asked for as its size is known
let modelArriving = false;   // downloading or loading a model: Cancel is not offered (no model, no page)
const page = {
  config: null,
  lecturePrompts: [],
  calibrationSets: {},       // name → lines, for loss-aware projections and distillation
  results: {},               // analysis, comparison, parameters, structure, bound, experiment
  sweep,
  speedChart,
  evalPrompts: (s) => (s.mode === 'all20' ? page.lecturePrompts : [s.prompt]),
  chat: null,                // the loaded model's chat template (web/chat.js), or null
  guideEntry: (s) => guideOf(s)?.entry,
  partKey: (name, s) => partKey(name, s),
  showAnalysis,
  showParameters,
  showSpeed,
  distill: (report) => distill.report(state, report),
  // After the numbers are painted: drawing the training chart's frame forces a layout (40-60 ms).
  distillReady: (s) => afterPaint(() => partKey('analyze', s) === partKey('analyze', state) &&
    distill.ready(s, saved.loaded && isCanonicalDistill(s, page.config.nLayers) && s.B >= 4)),
};
const parts = displayParts(page);
const showProgress = (progress) => renderProgress(progress, !modelArriving);
const partKey = (name, s) => parts.find((p) => p.name === name).key(s);
const saved = savedStudents({ request: (verb, args) => client.request(verb, args, showProgress),
  onLoaded: () => { timings.studentsLoaded ??= performance.now(); }, onError: (message) => setStatus('error', message) });
const first = earlyAnalysis(client);

// ---- state ---------------------------------------------------------------------------------------

// The state as the loaded model can show it: layers it lacks fall back (and the visitor is told).
function validForModel(s) {
  if (!page.config) return s;
  const n = page.config.nLayers;
  const layers = clampLayers(s.layers, n);
  if (layers !== s.layers) corrections.push({ key: 'layers', raw: s.layers, used: `${layers} (the model has ${n})` });
  const threads = s.threads < page.threads.available ? s.threads : 0;  // 0: all there are (the select's "all")
  if (s.threads > page.threads.available)
    corrections.push({ key: 'threads', raw: s.threads, used: `${page.threads.available} (all this page can use)` });
  return { ...s, layers, vlayer: Math.min(s.vlayer, n - 1), threads };
}

/** history: 'replace' (an edit), 'push' (a guide step: Back returns to it) or 'none' (from the hash). */
function applyState(next, { history: mode = 'replace' } = {}) {
  state = validForModel(next);
  const hash = `#${toHash(state)}`;
  if (mode === 'push' && hash !== location.hash) history.pushState(null, '', hash);
  else if (hash !== location.hash || mode !== 'none') history.replaceState(null, '', hash);
  showCorrections(corrections);
  corrections = [];
  document.body.classList.toggle('embed', state.embed);
  document.body.classList.toggle('present', state.present);
  document.body.classList.toggle('all20', state.mode === 'all20');
  const g = guideOf(state);
  // The displays that hold the guide's numbers: projector mode shows them beside the cards.
  document.body.dataset.focus = g ? g.entry.panels.join(' ') : 'metrics sweep throughput';
  document.body.classList.toggle('guided', !!g);
  for (const el of document.querySelectorAll('[data-panel].focus')) el.classList.remove('focus');
  for (const name of g?.entry.panels ?? []) $(`[data-panel="${name}"]`)?.classList.add('focus');
  $('#experiment').hidden = !g?.entry.experiment || state.hide.includes('experiment');
  $('#toggle-present').setAttribute('aria-pressed', String(state.present));
  for (const el of document.querySelectorAll('[data-control], [data-panel]'))
    if (el.id !== 'experiment' && el.id !== 'distill-panel') el.hidden = state.hide.includes(el.dataset.control || el.dataset.panel);
  $('#distill-panel').hidden = planOf(state).projection !== 'distill' || state.hide.includes('distillation');
  $('#full-page').href = linkOf(applyPatch(state, { embed: false, hide: [] }));
  controls.write(state);
  sweep.mark(state.B);
  speedChart.mark(state.B);
  sweep.resize();
  speedChart.resize();
  showSpeed();
  renderGuidePanel();
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
    setStatus('error', `${rejected.map((k) => `${keyName(k)} = ${patch[k]}`).join(', ')} is out of range; kept ` +
      `${rejected.map((k) => `${keyName(k)} = ${state[k]}`).join(', ')}.`);
    controls.write(state);
    return;
  }
  applyState(next);
}

const controls = new Controls({ onChange: onEdit });

// The hash is the history: a pasted link, Back and Forward all land here.
function followHash() {
  if (`#${toHash(state)}` === location.hash) return;
  const read = readHash(location.hash);
  corrections = read.corrections;
  const moved = read.state.tour !== state.tour || read.state.q !== state.q;
  applyState(moved ? withGuideState(read.state, hashKeys(location.hash)) : read.state, { history: 'none' });
}
window.addEventListener('hashchange', followHash);
window.addEventListener('popstate', followHash);

// ---- the guide and projector mode ----------------------------------------------------------------

function goTo(kind, n) {
  const next = withGuideState({ ...state, tour: kind === 'tour' ? n : 0, q: kind === 'q' ? n : 0 });
  applyState(next, { history: 'push' });
  const g = guideOf(state);
  if (!g) return;
  // The panel that holds the numbers, below the guide (which stays in view: it is sticky).
  const target = $(`[data-panel="${g.entry.panels[0] ?? 'metrics'}"]`);
  document.documentElement.style.setProperty('--guide-height', `${$('#guide').offsetHeight}px`);
  target?.scrollIntoView({ block: 'start', behavior: 'instant' });
}

// The numbers the guide may quote: only those computed for the state on screen.
function renderGuidePanel() {
  const r = page.results;
  const fresh = (part) => done[part] !== undefined && done[part] === partKey(part, state);
  const metrics = state.mode === 'all20'
    ? fresh('evaluate') && r.comparison && Object.fromEntries(['kl', 'cosine', 'top1', 'top5'].map((k) => [k, r.comparison[k].mean]))
    : fresh('analyze') && r.analysis && (state.positions === 'all' ? r.analysis.mean : r.analysis.last);
  renderGuide($('#guide'), guideView(state, {
    state,
    metrics: metrics || null,
    sweep: fresh('sweep') ? sweep : null,
    speed: speedChart.key === partKey('speed', state) ? speedChart.row(state.B) : null,
    parameters: fresh('analyze') ? r.parameters : null,
    structure: fresh('structure') ? r.structure : null,
    experiment: (fresh('experiment') || fresh('experiment-from-sweep')) ? r.experiment : null,
  }, page.lecturePrompts));
  document.documentElement.style.setProperty('--guide-height', `${$('#guide').offsetHeight}px`);
}

setupGuideNavigation({ go: goTo, current: () => state });
$('#toggle-present').addEventListener('click', () => applyState({ ...state, present: !state.present }));
setupShare(() => state, DEFAULT_MODEL);

// ---- recomputation -------------------------------------------------------------------------------

function showAnalysis(analysis) {
  page.results.analysis = analysis;
  renderChips($('#chips'), analysis, $('#chip-legend'));
  renderCandidates($('#teacher-top'), $('#student-top'), analysis);
  for (const panel of ['tokens', 'candidates']) $(`[data-panel="${panel}"]`).classList.remove('stale');
  renderCards();
}

function showParameters(parameters) {
  page.results.parameters = parameters;
  renderParameters(document, parameters);
  showSpeed();
}

// The speed table and the KL legend's head: what this B keeps and how fast it decodes.
function showSpeed() {
  const row = speedChart.row(state.B);
  renderSpeed(document, row, page.results.bound);
  renderSizeNote(document, page.results.parameters, row);
  sweep.kl.head = () => legendHead(state.B, page.results.parameters, row);
  sweep.kl.renderLegend();
}

function renderCards() {
  const r = page.results;
  const evaluated = state.mode === 'all20' && r.comparison && done.evaluate === partKey('evaluate', state);
  let metrics;
  if (evaluated) metrics = r.comparison;
  else if (state.mode === 'prompt' && r.analysis) metrics = state.positions === 'all' ? r.analysis.mean : r.analysis.last;
  renderMetrics(document, metrics);
  $('.cards').classList.toggle('stale', !metrics || (state.mode === 'all20' && !evaluated) ||
    (state.mode === 'prompt' && done.analyze !== partKey('analyze', state)));
  const where = state.positions === 'all' ? 'averaged over every position' : 'at the last token';
  $('#scope').textContent = state.mode === 'all20'
    ? `Mean over the 20 lecture prompts (each ${where}) ± 95 % interval in brackets. Chips, bars and generation ` +
      'show the prompt in the box.'
    : `This prompt, ${where}.`;
}

// After an error the panels that still show the previous prompt say so.
function markStale(message) {
  for (const panel of ['tokens', 'candidates', 'generation']) $(`[data-panel="${panel}"]`).classList.add('stale');
  $('#generation-note').textContent = 'showing the previous prompt';
  setStatus('error', message);
}

// A distillation that would train: shown as an offer until the visitor asks for it.
async function waitingForTraining(s) {
  if (planOf(s).projection !== 'distill' || distill.isApproved(s)) return false;
  const { ready, tokensPerLine, memory } = await client.request('ready', { plan: planOf(s) });
  if (ready) return false;
  const nearest = page.config && saved.loaded ? { ...s, layers: 'all', matrices: ['gate', 'up', 'down'],
    structure: 'circulant', dsteps: 300, lr: 0.003, B: Math.max(4, s.B) } : null;
  page.offer = () => distill.offer(s, { prefillTokensPerSecond: [...speedChart.rows.values()][0]?.teacher.prefill.median,
    tokensPerPassage: tokensPerLine, memory }, nearest, () => { distill.approve(s); refresh(); }, () => applyState(nearest));
  page.offer();
  return true;
}

/**
 * Runs every part whose inputs changed, most visible first; a newer refresh cancels this one.
 * "ready" once every part the page shows is done; `background` parts (a head start for a later
 * question, nothing on screen) run after it, without a progress bar.
 */
async function refresh() {
  if (!page.config) return;
  const run = ++refreshRun;
  await loading?.catch(() => {});
  if (run !== refreshRun) return;
  const s = state;
  client.cancelAll(first.keep(partKey('analyze', s)));
  const stale = () => run !== refreshRun;
  setStatus('computing');
  renderCards();
  let waiting = false;
  // Sends one part's request (after the sweep's distilled curve is in); null when the part is
  // skipped: not wanted here, waiting for a training, or its key unchanged. `before` (a display
  // reset) runs once, when the part is next to be shown or its first progress arrives.
  const send = async (part, quiet) => {
    if (part.when && !part.when(s)) return null;
    if (waiting && part.needsStudent) return null;
    const chat = s.chat && !!page.chat;  // the worker wraps the prompts (web/chat.js)
    const key = part.key(s) + (chat ? ' chat' : '');
    if (done[part.name] === key) return null;
    if (part.name === 'sweep') await saved.use();  // its distilled reference curve
    if (stale()) return null;
    let prepared = false;
    const before = () => { if (!prepared) part.before?.(s); prepared = true; };
    const call = (verb, args) => client.request(verb, chat ? { ...args, chat } : args, (p) => {
      if (stale()) return;
      before();
      if (!quiet) showProgress(p);
      part.progress?.(p, s);
    });
    const ask = () => call(...part.request(s));
    const sent = { part, key, before, sentAt: performance.now(), answeredAt: null };
    sent.answer = part.run ? part.run(call, s) : (part.name === 'analyze' && first.take(key, ask)) || ask();
    sent.answer.then(() => { sent.answeredAt = performance.now(); }, () => {});  // shown (or thrown) by show()
    return sent;
  };
  // Shows a sent part's answer; false when a newer refresh took over. `since`: when the worker
  // could start on it (the part before it answered), for the part's time in timings.last.
  const show = async (sent, since = 0) => {
    if (!sent) return !stale();
    const { part, key, before } = sent;
    if (!stale()) before();
    let result;
    try {
      result = await sent.answer;
    } catch (error) {
      if (error instanceof Cancelled || stale() || !(part.optional || part.fail)) throw error;
      part.fail?.(error, s);
      done[part.name] = key;
      return true;
    }
    if (stale()) return false;
    timings.last[part.name] = (sent.answeredAt ?? performance.now()) - Math.max(sent.sentAt, since);
    done[part.name] = key;
    part.render(result, s, done);
    if (part.name === 'analyze') {
      timings.last.update = timings.last.analyze;
      // The charts' empty frames (60-80 ms) are drawn after the first numbers, unless a part drew them.
      if (timings.firstMetrics == null) afterPaint(() => {
        if (!speedChart.blocks.length) speedChart.reset([]);
        if (!sweep.blocks.length) sweep.reset([], 'plan');
      });
      timings.firstMetrics ??= performance.now();
      saved.use().catch(() => {});  // the first numbers are out: now the other block sizes' students
    }
    renderCards();
    renderGuidePanel();
    return true;
  };
  const runPart = async (part, quiet) => show(await send(part, quiet));
  try {
    if (planOf(s).projection === 'distill') await saved.use([readyMadeBlock(s.B)]);
    if (stale()) return;
    waiting = await waitingForTraining(s);
    if (stale()) return;
    const visible = parts.filter((part) => !part.background);
    if (!(await runPart(visible[0], false))) return;
    const rest = await sendAllShowInOrder(visible.slice(1), { send: (part) => send(part, false), show,
      waits: (part) => part.run && !(part.when && !part.when(s)),
      cancel: (sent) => client.cancel(sent.map((entry) => entry.answer.id).filter((id) => id != null)) });
    if (!rest) return;
    showProgress(null);
    setStatus('ready');
    if (waiting) page.offer();  // now with this machine's measured speed
    if (waiting) $('#scope').textContent = 'No distilled student for these settings yet: see the offer in the ' +
      'Distillation panel below. The charts show the students that exist.';
    renderGuidePanel();
    timings.firstReady ??= performance.now();
    for (const part of parts) if (part.background && !(await runPart(part, true))) return;
  } catch (error) {
    if (error instanceof Cancelled || stale()) return;
    showProgress(null);
    if (done.analyze !== partKey('analyze', s)) markStale(error.message);
    else setStatus('error', error.message);
  }
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
  const inDistillation = distill.training(state);
  const keepsSteps = inDistillation && distill.run.step >= 1;
  // Only the requests cancelled here count: a change made meanwhile has its own.
  const before = state;
  setTimeout(() => { if (client.waiting(cancelled)) restartEngine(before); },
    inDistillation ? DISTILL_GRACE_MS : CANCEL_GRACE_MS);
  if (keepsSteps) {
    setStatus('cancelled', `Distillation stopped at step ${distill.run.step}: the student keeps what it learned.`);
    distill.approve({ ...state, dsteps: distill.run.step });
    applyState({ ...state, dsteps: distill.run.step });
    return;
  }
  setStatus('cancelled', 'Stopped. Move any control to compute again.');
});
$('#measure').addEventListener('click', () => { delete done.speed; refresh(); });

// After a restart the engine is fresh. The page computes again only when the state moved since
// the cancel (a change made meanwhile, or a distillation's kept steps); otherwise it stays stopped.
client.onEngineLost = (message) => { setStatus('error', message); restartEngine(state); };
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

// ---- the model -----------------------------------------------------------------------------------

async function loadModel(modelFiles, { recompute = true } = {}) {
  client.cancelAll(reserving ? [reserving.id] : []);  // the heap made room for this model: keep it
  const firstModel = !files;
  ++refreshRun;
  setStatus('loading', '');
  const { model, modelName, tokenizer, tokenizerName } = modelFiles;
  modelArriving = true;
  loading = (async () => {
    const loaded = await client.request('load', { model, modelName, tokenizer, tokenizerName,
      calibrationSets: page.calibrationSets, threads: state.threads }, showProgress);
    // The bytes went to the worker without a copy and came back: a restarted engine loads them again.
    Object.assign(modelFiles, loaded.returned);
    timings.engineLoaded ??= performance.now();
    files = modelFiles;
    saved.reset(modelFiles);
    // A model of one's own opens on the projected student when it has no distilled ones: know first.
    if (planOf(state).projection === 'distill') await saved.use([readyMadeBlock(state.B)]);
    if (recompute && !state.chat) first.ask(partKey('analyze', state), { plan: planOf(state), prompt: state.prompt });
    return loaded;
  })().finally(() => {
    modelArriving = false;
    showProgress(null);  // a failed load leaves no progress bar behind: the previous model still works
  });
  const result = await loading;
  page.config = result.config;
  page.threads = result.threads;
  page.chat = result.chat;
  $('#chat-switch').hidden = !page.chat;
  if (state.chat && !page.chat) corrections.push({ key: 'chat', raw: '1', used: `0 (${modelFiles.modelName} has no chat template)` });
  timings.modelLoaded ??= performance.now();
  for (const key of Object.keys(done)) delete done[key];
  for (const key of Object.keys(page.results)) delete page.results[key];
  // The previous model's figures go: they are not this model's (the first model finds none).
  if (!firstModel) { speedChart.reset([]); sweep.reset([], 'plan'); }
  $('[data-testid="model-name"]').textContent = `${modelFiles.modelName}: ${page.config.nLayers} layers, ` +
    `dim ${page.config.dim}, hidden ${page.config.hiddenDim}, vocab ${page.config.vocabSize}`;
  const own = modelFiles.modelName !== DEFAULT_MODEL;
  showModelCard(own ? result.card : null, memoryNeed(result.card));
  $('#model-badge').hidden = !own;
  $('#model-badge').textContent = own ? `model: ${modelFiles.modelName}` : '';
  controls.setLayerCount(page.config.nLayers);
  showParameters(result.parameters);
  if (!recompute) return;
  // A model of one's own has no ready-made distilled students: it opens on the projected one,
  // and says so, rather than on an empty page waiting for a training.
  if (own && !saved.loaded && state.proj === 'distill') {
    corrections.push({ text: `${modelFiles.modelName} has no ready-made distilled students: showing the projected ` +
      'student. Choose "distilled" to train one.' });
    applyState({ ...state, model: modelFiles.modelName, proj: 'frobenius', chat: state.chat && !!page.chat });
  } else {
    applyState({ ...state, model: modelFiles.modelName, chat: state.chat && !!page.chat });
  }
}

async function boot() {
  setStatus('loading');
  modelArriving = true;
  const fetched = await fetchDefaultFiles(showProgress, {
    studentsFirst: planOf(state).projection === 'distill' ? readyMadeBlock(state.B) : null,
    onModelSize: (bytes) => (reserving = client.request('reserve', { bytes: 3 * bytes })).catch(() => {}),
  });
  timings.filesFetched ??= performance.now();
  page.lecturePrompts = fetched.lecturePrompts;
  page.calibrationSets = { 'heldout-32': fetched.heldOut.slice(0, 32), heldout: fetched.heldOut,
    lecture: page.lecturePrompts };
  controls.setPresets(page.lecturePrompts);
  fillQuestions(page.lecturePrompts, goTo);
  const defaults = { model: fetched.model, modelName: DEFAULT_MODEL, tokenizer: fetched.tokenizer,
    tokenizerName: 'tokenizer.bin', students: fetched.students };
  setupModelLoader({ defaults, load: loadModel, onError: (message, error) => {
    // The previous model made room for one that then failed: the default one comes back.
    if (error?.unloaded) loadModel(defaults).catch((e) => setStatus('error', e.message));
    setStatus('error', `${message}${!files ? '' : error?.unloaded ? ` ${files.modelName} was unloaded to make room; ` +
      'the default model is loading again.' : ` ${files.modelName} is still loaded.`}`);
  } });
  if (state.model !== DEFAULT_MODEL) corrections.push({ key: 'model', raw: state.model, used: DEFAULT_MODEL });
  await loadModel(defaults);
}

state = withGuideState(state, hashKeys(location.hash));
controls.write(state);
showCorrections(corrections);
renderGuidePanel();
boot().catch((error) => setStatus('error', error.message));
