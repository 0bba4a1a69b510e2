// The page's displays as one table: each part says what it depends on (key), what to ask the
// engine (request, or run for several requests) and how to show the answer (render). web/main.js
// runs them in order whenever the state changes, skipping a part whose key is unchanged, so
// nothing is wired twice. `needsStudent`: the part waits while a distillation is not approved;
// `background`: it shows nothing, and runs after the page says "ready".
import { BLOCK_SIZES, isTeacher, layersOf, planKey, planOf } from './state.js';
import { NOT_DISTILLED } from './engine-host.js';
import { percentText } from './format.js';
import { seriesOfState, sweepSeries } from './series.js';
import { experiment } from './experiments.js';
import { renderParameters } from './views/cards.js';
import { renderGeneration } from './views/generation.js';
import { renderHeatmaps } from './views/heatmaps.js';
import { renderExperiment, renderExperimentPending } from './views/experiment.js';
import { renderThreads } from './views/threads.js';

export const SPEED = { promptTokens: 64, decodeTokens: 32, runs: 3 };
const $ = (selector) => document.querySelector(selector);

const studentOf = (s) => planKey(planOf(s));
// Speed depends on the structure, not on how its numbers were found.
const speedPlan = (s) => planOf({ ...s, proj: 'frobenius' });

// Clamps the structure view's block to the chosen matrix (rows, cols) at this B.
function structureArgs(s, config) {
  const [rows, cols] = s.vmatrix === 'down' ? [config.dim, config.hiddenDim] : [config.hiddenDim, config.dim];
  return { plan: planOf(s), layer: s.vlayer, matrix: s.vmatrix,
    blockRow: Math.min(s.vrow, Math.ceil(rows / s.B) - 1), blockCol: Math.min(s.vcol, Math.ceil(cols / s.B) - 1) };
}

// The block view's caption: what is shown and how much of the matrix the student misses.
function structureNote(note, s, view, config) {
  const patched = s.B > 1 || s.structure !== 'circulant';
  const here = patched && s.matrices.includes(s.vmatrix) && layersOf(s.layers, config.nLayers).includes(s.vlayer);
  const span = (name, text) => {
    const el = document.createElement('span');
    el.dataset.fact = name;
    el.textContent = text;
    return el;
  };
  if (isTeacher(planOf(s)))
    return note.replaceChildren('B = 1: no blocks, the student is the teacher (its top-left 32×32 corner shown)');
  if (!here) return note.replaceChildren(`layer ${s.vlayer}'s ${s.vmatrix} matrix is not replaced: the student keeps it`);
  const shown = view.size < s.B ? `the top-left ${view.size}×${view.size} corner of one ${s.B}×${s.B} block`
    : `one ${s.B}×${s.B} block`;
  const parts = [`${shown}; over the whole matrix the student misses `, span('missed', percentText(view.relativeError)),
    ' of its size'];
  if (s.structure === 'circulant' && s.proj === 'frobenius')
    parts.push(' (random numbers: ', span('random', percentText(Math.sqrt(1 - 1 / s.B))), ')');
  else if (view.relativeError > 1)
    parts.push(' (more than all of it: training matches the outputs, not the numbers)');
  note.replaceChildren(...parts);
}

/**
 * `page` gives the parts what they share: config, lecturePrompts, calibrationSets, results (the
 * latest answers, which the cards and the guide read), sweep and speed charts, guideEntry(s),
 * distill(report) and showAnalysis.
 */
export function displayParts(page) {
  const r = page.results;
  const entryExperiment = (s) => page.guideEntry(s)?.experiment;
  return [
    {
      name: 'analyze',
      needsStudent: true,
      key: (s) => JSON.stringify([studentOf(s), s.prompt]),
      request: (s) => ['analyze', { plan: planOf(s), prompt: s.prompt }],
      // A distillation reports its steps and, every few, the analysis of this prompt.
      progress: (p) => {
        if (p.partial?.distill) page.distill(p.partial.distill);
        if (p.partial?.parameters) page.showParameters(p.partial.parameters);
        if (p.partial?.analysis) page.showAnalysis(p.partial.analysis);
      },
      render: (result, s) => {
        page.showParameters(result.parameters);
        page.showAnalysis(result.analysis);
        if (s.proj === 'distill') page.distillReady?.(s);
      },
    },
    // After the first numbers, which are the same bits at any thread count (the model's load set
    // the count in the URL), and before every part whose time the count changes.
    {
      name: 'threads',
      key: (s) => String(s.threads),
      request: (s) => ['threads', { count: s.threads }],
      render: (report, s) => {
        page.threads = report;
        renderThreads(document, report, s.threads);
      },
    },
    {
      name: 'evaluate',
      needsStudent: true,
      when: (s) => s.mode === 'all20',
      key: (s) => JSON.stringify([studentOf(s), s.positions]),
      request: (s) => ['evaluate', { plan: planOf(s), prompts: page.lecturePrompts, positions: s.positions }],
      render: (result) => { r.comparison = result; },
    },
    {
      name: 'experiment',
      needsStudent: true,
      when: (s) => entryExperiment(s) && !experiment(entryExperiment(s)).fromSweep,
      key: (s) => (entryExperiment(s) ? JSON.stringify([entryExperiment(s), experiment(entryExperiment(s)).key?.(s)]) : ''),
      before: (s) => {
        r.experiment = null;
        renderExperimentPending($('#experiment'), experiment(entryExperiment(s)));
      },
      run: (call, s) => experiment(entryExperiment(s)).run(call, s, page),
      render: (result, s) => {
        const definition = experiment(entryExperiment(s));
        r.experiment = { name: entryExperiment(s), facts: renderExperiment($('#experiment'), definition,
          definition.rows(result)) };
      },
      fail: (error, s) => renderExperimentPending($('#experiment'), experiment(entryExperiment(s)),
        `could not be measured for this student: ${error.message}`),
    },
    {
      name: 'structure',
      needsStudent: true,
      key: (s) => JSON.stringify([studentOf(s), s.vlayer, s.vmatrix, s.vrow, s.vcol]),
      request: (s) => ['structure', structureArgs(s, page.config)],
      render: (view, s) => {
        r.structure = view;
        const what = `layer ${s.vlayer} ${s.vmatrix}, block (${s.vrow}, ${s.vcol})`;
        const magnified = renderHeatmaps({ dense: $('#heat-dense'), student: $('#heat-student'),
          difference: $('#heat-difference') }, view, what);
        $('#student-caption').textContent = magnified > 1.05
          ? `student (colours ${Math.round(magnified)}× stronger, so its pattern shows)` : 'student';
        structureNote($('#structure-note'), s, view, page.config);
      },
    },
    {
      name: 'generation',
      needsStudent: true,
      key: (s) => JSON.stringify([studentOf(s), s.prompt, s.steps, s.temp, s.topp, s.penalty, s.seed]),
      // The engine counts positions in total as llama2.c's -n does (BOS and prompt included).
      request: (s) => ['generate', { plan: planOf(s), prompt: s.prompt,
        steps: Math.min(page.config.seqLen, r.analysis.tokens.length + s.steps),
        sampler: { temperature: s.temp, topP: s.topp, repeatPenalty: s.penalty, seed: s.seed } }],
      render: (result) => {
        $('#generation-note').textContent = renderGeneration($('#gen-teacher'), $('#gen-student'), result);
        $('[data-panel="generation"]').classList.remove('stale');
      },
    },
    // Before the sweep, whose projected students it builds (the engine keeps them for the sweep).
    {
      name: 'speed',
      key: (s) => `${planKey(speedPlan({ ...s, B: 0 }))} threads ${s.threads}`,
      before: (s) => {
        page.speedChart.reset(BLOCK_SIZES);
        page.speedChart.key = page.partKey('speed', s);
        page.showSpeed();
      },
      request: (s) => ['speed', { plan: speedPlan(s), blocks: BLOCK_SIZES, ...SPEED }],
      progress: (p) => {
        if (!p.partial?.rows) return;
        for (const row of p.partial.rows) page.speedChart.addRow(row);
        page.showSpeed();
      },
      render: (result) => {
        r.bound = result.bound;
        page.showSpeed();
      },
    },
    {
      name: 'sweep',
      key: (s) => JSON.stringify([sweepSeries({ ...s, B: 0 }), page.evalPrompts(s), s.positions]),
      before: (s) => {
        page.sweep.reset(BLOCK_SIZES, seriesOfState(s));
        $('#sweep-note').textContent = s.mode === 'all20' ? 'mean over the 20 lecture prompts' : 'this prompt';
      },
      request: (s) => ['sweep', { series: sweepSeries(s), prompts: page.evalPrompts(s), positions: s.positions,
        blocks: BLOCK_SIZES, block: s.B }],
      progress: (p) => { if (p.partial && !p.partial.error) page.sweep.addRow(p.partial); },
      render: (swept, s) => {
        const own = seriesOfState(s);
        const gaps = swept.skipped.filter((row) => row.series === own);
        const at = `B = ${gaps.map((row) => row.block).join(', ')}`;
        if (gaps.length && gaps.every((row) => row.error === NOT_DISTILLED))
          $('#sweep-note').textContent += `; ${at}: not distilled yet`;
        else if (gaps.length) $('#sweep-note').textContent += `; no point at ${at}: ${gaps[0].error}`;
      },
    },
    {
      name: 'experiment-from-sweep',
      when: (s) => entryExperiment(s) && experiment(entryExperiment(s)).fromSweep,
      key: (s) => (entryExperiment(s) ? JSON.stringify([entryExperiment(s), page.partKey('sweep', s)]) : ''),
      run: async () => null,
      render: (result, s) => {
        const definition = experiment(entryExperiment(s));
        r.experiment = { name: entryExperiment(s), facts: renderExperiment($('#experiment'), definition,
          definition.rows(page.sweep)) };
      },
    },
    // Once per model: the 20 lecture prompts through the teacher (the engine caches its logits), so
    // "the 20 lecture prompts" later costs only the student's half. Only a head start: a model whose
    // context cannot hold them simply goes without.
    {
      name: 'warm',
      background: true,
      optional: true,
      needsStudent: true,
      key: () => 'once',
      request: (s) => ['evaluate', { plan: planOf(s), prompts: page.lecturePrompts, positions: s.positions }],
      render: (result, s, done) => {
        r.comparison = result;
        done.evaluate = JSON.stringify([studentOf(s), s.positions]);
      },
    },
  ];
}

