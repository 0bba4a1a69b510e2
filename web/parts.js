// The page's displays as one table: each part says what it depends on (key), what to ask the
// engine (request) and how to show the answer (render). web/main.js runs them in order whenever
// the state changes, skipping a part whose key is unchanged, so nothing is wired twice.
import { BLOCK_SIZES, layersOf, planOf } from './state.js';
import { renderParameters } from './views/cards.js';
import { renderChips } from './views/chips.js';
import { renderCandidates } from './views/candidates.js';
import { renderSpeed } from './views/speed.js';
import { renderGeneration } from './views/generation.js';
import { renderHeatmaps } from './views/heatmaps.js';

export const SPEED = { promptTokens: 64, decodeTokens: 32, runs: 3 };
const $ = (selector) => document.querySelector(selector);

const planKey = (s) => JSON.stringify(planOf(s));

// Clamps the structure view's block to the chosen matrix (rows, cols) at this B.
function structureArgs(s, config) {
  const [rows, cols] = s.vmatrix === 'down' ? [config.dim, config.hiddenDim] : [config.hiddenDim, config.dim];
  return { plan: planOf(s), layer: s.vlayer, matrix: s.vmatrix,
    blockRow: Math.min(s.vrow, Math.ceil(rows / s.B) - 1), blockCol: Math.min(s.vcol, Math.ceil(cols / s.B) - 1) };
}

function structureNote(s, view, config) {
  const patched = s.B > 1 || s.structure !== 'circulant';
  const here = patched && s.matrices.includes(s.vmatrix) && layersOf(s.layers, config.nLayers).includes(s.vlayer);
  if (s.B === 1 && s.structure === 'circulant')
    return 'B = 1: every block is 1×1, so the student equals the teacher (a 32×32 corner shown)';
  if (!here) return `layer ${s.vlayer} ${s.vmatrix} is not patched: the student keeps the dense matrix`;
  return `${view.size}×${view.size} of a ${s.B}×${s.B} block; relative error of the whole matrix ` +
    `${view.relativeError.toFixed(3)}`;
}

/**
 * `page` gives the parts what they share: config, lecturePrompts, evalPrompts(s), results (the
 * latest answers, which the cards and the tour read), sweepChart, distill(report).
 */
export function displayParts(page) {
  const r = page.results;
  return [
    {
      name: 'analyze',
      key: (s) => JSON.stringify([planKey(s), s.prompt]),
      request: (s) => ['analyze', { plan: planOf(s), prompt: s.prompt }],
      // A distillation reports its steps and, every few, the analysis of this prompt.
      progress: (p) => {
        if (p.partial?.distill) page.distill(p.partial.distill);
        if (p.partial?.analysis) page.showAnalysis(p.partial.analysis);
      },
      render: (result, s) => {
        renderParameters(document, result.parameters);
        page.showAnalysis(result.analysis);
        if (s.proj === 'distill') page.distillReady?.(s);
      },
    },
    {
      name: 'evaluate',
      when: (s) => s.mode === 'all20',
      key: (s) => JSON.stringify([planKey(s), s.positions]),
      request: (s) => ['evaluate', { plan: planOf(s), prompts: page.lecturePrompts, positions: s.positions }],
      render: (result) => { r.comparison = result; },
    },
    {
      name: 'structure',
      key: (s) => JSON.stringify([planKey(s), s.vlayer, s.vmatrix, s.vrow, s.vcol]),
      request: (s) => ['structure', structureArgs(s, page.config)],
      render: (view, s) => {
        r.structure = view;
        const what = `layer ${s.vlayer} ${s.vmatrix}, block (${s.vrow}, ${s.vcol})`;
        const magnified = renderHeatmaps({ dense: $('#heat-dense'), circulant: $('#heat-circulant'),
          difference: $('#heat-difference') }, view, what);
        $('#circulant-caption').textContent = magnified > 1.05 ? `student's block (colours ×${magnified.toFixed(1)})`
          : "student's block";
        $('#structure-note').textContent = structureNote(s, view, page.config);
      },
    },
    {
      name: 'generation',
      key: (s) => JSON.stringify([planKey(s), s.prompt, s.steps, s.temp, s.topp, s.penalty, s.seed]),
      // The engine counts positions in total as llama2.c's -n does (BOS and prompt included).
      request: (s) => ['generate', { plan: planOf(s), prompt: s.prompt,
        steps: Math.min(page.config.seqLen, r.analysis.tokens.length + s.steps),
        sampler: { temperature: s.temp, topP: s.topp, repeatPenalty: s.penalty, seed: s.seed } }],
      render: (result) => {
        $('#generation-note').textContent = renderGeneration($('#gen-teacher'), $('#gen-student'), result);
        $('[data-panel="generation"]').classList.remove('stale');
      },
    },
    {
      name: 'sweep',
      key: (s) => JSON.stringify([{ ...planOf(s), block: 0 }, page.evalPrompts(s), s.positions]),
      before: (s) => {
        page.sweepChart.reset(BLOCK_SIZES);
        $('#sweep-note').textContent = s.mode === 'all20' ? 'mean over the 20 lecture prompts' : 'this prompt';
      },
      request: (s) => ['sweep', { plan: planOf(s), prompts: page.evalPrompts(s), positions: s.positions,
        blocks: BLOCK_SIZES, references: ['frobenius', 'distilled', 'removed'] }],
      progress: (p) => { if (p.partial && !p.partial.error) page.sweepChart.addRow(p.partial); },
      render: (swept) => {
        const gaps = swept.skipped.filter((row) => row.series === 'plan');
        if (gaps.length)
          $('#sweep-note').textContent += ` (no point at B = ${gaps.map((row) => row.block).join(', ')}: ${gaps[0].error})`;
      },
    },
    {
      name: 'speed',
      key: (s) => planKey(s),
      before: () => renderSpeed(document, null),
      request: (s) => ['benchmark', { plan: planOf(s), ...SPEED }],
      render: (speed) => {
        r.speed = speed;
        renderSpeed(document, speed);
        $('#speed-note').textContent = `prefill of ${SPEED.promptTokens} tokens, decode of ${SPEED.decodeTokens}; ` +
          'MLP share: prefill / decode. In this browser, on this machine.';
      },
    },
    // Once per model: the 20 lecture prompts through the teacher (the engine caches its logits), so
    // "evaluate all 20" later costs only the student's half; it counts for the plan it ran with.
    {
      name: 'warm',
      key: () => 'once',
      request: (s) => ['evaluate', { plan: planOf(s), prompts: page.lecturePrompts, positions: s.positions }],
      render: (result, s, done) => {
        r.comparison = result;
        done.evaluate = JSON.stringify([planKey(s), s.positions]);
      },
    },
  ];
}
