// What the guided tour and the 20 questions may quote, and how: every number in a sentence is read
// from what the page computed for the state on screen and names the element that shows it
// (data-source), and every curve is named by its legend entry (web/series.js), so a test can hold
// each sentence against the screen. No DOM here: a step's text() returns strings and facts, which
// web/views/guide-panel.js renders.
import { fixed, metricText, percentText, rate, times } from './format.js';
import { SERIES_BY_KEY } from './series.js';

/** A number quoted: its value, its text as the element on screen prints it, and that element. */
export const fact = (value, format, source) => (Number.isFinite(value) ? { value, text: format(value), source } : null);

const CARD = (metric) => `[data-testid="metric-${metric}"]`;
const LEGEND = (series) => `[data-testid="sweep-legend"] .legend-value[data-series="${series}"]`;
const HEAD = (name) => `[data-testid="sweep-legend"] [data-fact="${name}"]`;
const FIGURE = (id) => `[data-testid="${id}"] .figure`;
const EXPERIMENT = (name) => `[data-testid="experiment"] [data-fact="${name}"]`;

/** Word choices that follow the numbers, so a sentence never claims what the screen contradicts. */
export const pick = (condition, yes, no) => (condition == null ? '…' : condition ? yes : no);

/**
 * The facts a sentence may use, from `f`: {state, metrics, sweep (web/views/sweep-chart.js, null
 * while stale), speed (the worker's speed row at this B), parameters, structure, experiment}.
 */
export function facts(f) {
  const m = f.metrics;
  const B = f.state.B;
  const klAt = (series, block = B) => f.sweep?.row(series, block)?.kl.mean;
  const p = f.parameters;
  const kept = p && p.studentMlp / p.teacherMlp;
  const s = f.speed;
  return {
    B: fact(B, String, '#block-label'),
    kl: fact(m?.kl, (v) => metricText('kl', v), CARD('kl')),
    cosine: fact(m?.cosine, (v) => metricText('cosine', v), CARD('cosine')),
    top1: fact(m?.top1, (v) => metricText('top1', v), CARD('top1')),
    top5: fact(m?.top5, (v) => metricText('top5', v), CARD('top5')),
    // The KL chart's legend at this B, and its head: what the student keeps and its decode speed-up.
    curve: (series) => fact(klAt(series), (v) => fixed(v, 3), LEGEND(series)),
    kept: fact(f.sweep && kept, percentText, HEAD('kept')),
    speedup: fact(f.sweep && s?.speedup.decode.median, times, HEAD('speedup')),
    // The speed table at this B.
    decodeTeacher: fact(s?.teacher.decode.median, rate, FIGURE('decode-teacher')),
    decodeStudent: fact(s?.student.decode.median, rate, FIGURE('decode-student')),
    prefillTeacher: fact(s?.teacher.prefill.median, rate, FIGURE('prefill-teacher')),
    decodeRatio: fact(s?.speedup.decode.median, times, FIGURE('decode-speedup')),
    prefillRatio: fact(s?.speedup.prefill.median, times, FIGURE('prefill-speedup')),
    mlpTime: fact(s?.teacher.decodeMlpShare.median, percentText, '[data-testid="speed-size"] [data-fact="mlp-time"]'),
    mlpNumbers: fact(p && p.teacherMlp / p.teacherTotal, percentText, '[data-testid="speed-size"] [data-fact="mlp-numbers"]'),
    keptHere: fact(s && kept, percentText, '[data-testid="speed-size"] [data-fact="kept"]'),
    // The block view.
    missed: fact(f.structure?.relativeError, percentText, '[data-testid="structure-note"] [data-fact="missed"]'),
    random: fact(f.structure && Math.sqrt(1 - 1 / B), percentText, '[data-testid="structure-note"] [data-fact="random"]'),
    // An experiment's table (web/experiments.js): its cells by name.
    experiment: (name) => {
      const cell = f.experiment?.facts?.[name];
      return cell ? fact(cell.value, cell.format, EXPERIMENT(name)) : null;
    },
  };
}

/** A curve named in a sentence: rendered with its colour, checked against the chart's legend. */
export const seriesName = (key) => {
  const s = SERIES_BY_KEY.get(key);
  return { series: key, text: `${s.colourName} ${s.label}`, colour: s.colour, legend: 'sweep-legend' };
};

// The keys a step may set, and how a sentence names them when the visitor has moved one.
const MOVABLE = { B: 'B', layers: 'the layers', structure: 'the structure', proj: 'how the student is made',
  positions: 'where it compares', mode: 'what it measures on', matrices: 'the matrices' };

/** "You moved B to 16; this step was written for B = 2" when a step's own setting has changed. */
export function movedNote(step, state) {
  const moved = Object.keys(MOVABLE).filter((k) => k in step.state &&
    JSON.stringify(step.state[k]) !== JSON.stringify(state[k]));
  if (!moved.length) return '';
  const what = (k, v) => (k === 'B' ? `B = ${v}` : `${Array.isArray(v) ? v.join(', ') : v}`);
  return `You changed ${moved.map((k) => `${MOVABLE[k]} to ${what(k, state[k])}`).join(' and ')}; this step was ` +
    `written for ${moved.map((k) => what(k, step.state[k])).join(', ')}. The numbers below follow your setting.`;
}
