// The students the charts draw against B, in one table: the name in a chart's legend, its colour
// and the colour's word, and which plan computes it. The charts and the tour's and questions'
// sentences all read names and colours from here, so a sentence cannot name a curve the legend
// does not show. No DOM here.
import { CANONICAL_DISTILL, planOf } from './state.js';

export const SERIES = [
  { key: 'plan', label: 'this student', colour: '#d62728', colourName: 'red', width: 3,
    about: 'the student set on the left' },
  { key: 'projected', label: 'projected', colour: '#e67e22', colourName: 'orange', dash: [10, 5], width: 2.5,
    about: 'the nearest block-circulant matrix (each wrapped diagonal averaged), no training' },
  { key: 'distilled', label: 'distilled', colour: '#7b1fa2', colourName: 'purple', width: 3,
    about: 'block-circulant, trained against the teacher (300 steps on 916 held-out passages)' },
  { key: 'low-rank', label: 'low-rank', colour: '#1976d2', colourName: 'blue', dash: [3, 3], width: 2.5,
    about: 'a product U·V that stores as many numbers, the best such product for each matrix (SVD), no training' },
  { key: 'low-rank-distilled', label: 'low-rank, distilled', colour: '#00897b', colourName: 'teal', width: 2.5,
    about: 'U·V trained against the teacher (only once one has been distilled in this visit)' },
  { key: 'removed', label: 'MLP removed', colour: '#222222', colourName: 'black', dash: [2, 5], width: 2,
    about: 'the patched MLPs deleted: the floor a useless student would reach' },
];
export const SERIES_BY_KEY = new Map(SERIES.map((s) => [s.key, s]));

// The plan of each reference series, for the layers and matrices of `state`.
function referencePlan(key, state) {
  const canonical = { dsteps: CANONICAL_DISTILL.steps, lr: CANONICAL_DISTILL.learningRate };
  const of = {
    projected: { structure: 'circulant', proj: 'frobenius' },
    distilled: { structure: 'circulant', proj: 'distill', ...canonical },
    'low-rank': { structure: 'low-rank', proj: 'frobenius' },
    'low-rank-distilled': { structure: 'low-rank', proj: 'distill', ...canonical },
    removed: { structure: 'removed', proj: 'frobenius' },
  }[key];
  return planOf({ ...state, ...of });
}

const samePlan = (a, b) => JSON.stringify({ ...a, block: 0 }) === JSON.stringify({ ...b, block: 0 });

/** The reference series the student of `state` is (its own curve is drawn under that name), or 'plan'. */
export function seriesOfState(state) {
  const plan = planOf(state);
  for (const s of SERIES.slice(1)) if (samePlan(referencePlan(s.key, state), plan)) return s.key;
  return 'plan';
}

/**
 * What the sweep computes: [{name, plan, once?, readyOnly?}], the plan's own series last (so the
 * engine ends on the student on screen). readyOnly: distilled students are drawn, never trained, by
 * a sweep; `once`: the same at every B (MLP removed).
 */
export function sweepSeries(state) {
  const own = seriesOfState(state);
  const list = [];
  for (const s of SERIES.slice(1)) {
    if (s.key === own) continue;
    const plan = referencePlan(s.key, state);
    list.push({ name: s.key, plan, once: s.key === 'removed', readyOnly: plan.projection === 'distill' });
  }
  list.push({ name: own, plan: planOf(state), once: own === 'removed', own: true,
    readyOnly: state.proj === 'distill' });
  return list;
}

/** A series' name as a sentence says it, e.g. "the purple distilled curve". */
export const curve = (key) => {
  const s = SERIES_BY_KEY.get(key);
  return `the ${s.colourName} ${s.label} curve`;
};
