// The page's whole state: one object described by a property table that drives parseHash and toHash.
// Pure functions, no DOM: a copied URL hash reproduces the exact view; bad values fall back to defaults.

import { MAX_THREADS } from './threads.js';

export const BLOCK_SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256];
export const MATRICES = ['gate', 'up', 'down'];
export const STRUCTURES = ['circulant', 'low-rank', 'removed'];
export const PROJECTIONS = ['frobenius', 'loss-aware', 'loss-aware-sequential', 'distill'];
// Distillation (gradient KL calibration, cpp/student/distill.h): what `circulant distill` uses by
// default; the page's precomputed students (models/distilled/) were made with these.
export const DISTILL = { batch: 16, init: 'frobenius', seed: 1, trainNorms: false };
export const CANONICAL_DISTILL = { ...DISTILL, steps: 300, learningRate: 0.003 };
// Calibration prompts for the loss-aware projections: the first 32 held-out lines by default (the
// solve's time grows with the tokens: about 2 s a layer in the browser), all 916, or the 20 lecture
// prompts themselves (optimistic: calibrated on what is measured).
export const CALIBRATION_SETS = ['heldout-32', 'heldout', 'lecture'];
export const DISTILL_CALIBRATION = 'heldout';
export const TOUR_STEPS = 10;  // web/tour.js holds them; a test checks the two agree
export const QUESTION_COUNT = 20;  // web/questions.js: one page state for each lecture prompt
export const DEFAULT_PROMPT =
  'Explain how a teacher-student comparison using last-token logits can reveal approximation error in a patched model.';

// layers: "all", "first:k", "last:k", one index "i", or a comma list "0,2,3" (checked against the
// model's layer count once it is loaded, see clampLayers).
const LAYERS_SYNTAX = /^(all|first:[1-9]\d?|last:[1-9]\d?|\d{1,2}(,\d{1,2})*)$/;

const isNumber = (v) => Number.isFinite(v);

/**
 * One row per control: its URL key, type, default, and (for enums) the allowed values.
 * `check` rejects a parsed value that is out of range, so parseHash falls back to the default.
 */
export const PROPERTIES = [
  { name: 'prompt', type: 'string', fallback: DEFAULT_PROMPT, check: (v) => v.trim().length > 0 && v.length <= 20000 },
  { name: 'mode', type: 'enum', values: ['prompt', 'all20'], fallback: 'prompt' },
  // The prompts asked as a user message in the loaded model's chat template (web/chat.js); the
  // switch shows only for a model that has one.
  { name: 'chat', type: 'bool', fallback: false },
  // The default view is the lesson itself (web/README.md, "The default view"): every MLP of every
  // layer, measured at every position, as the ready-made distilled student at the published
  // experiment's B = 64, beside the projected, low-rank and MLP-removed students of the same size.
  { name: 'B', type: 'int', fallback: 64, check: (v) => BLOCK_SIZES.includes(v) },
  { name: 'layers', type: 'string', fallback: 'all', check: (v) => LAYERS_SYNTAX.test(v) },
  { name: 'matrices', type: 'list', values: MATRICES, fallback: ['gate', 'up', 'down'] },
  { name: 'structure', type: 'enum', values: STRUCTURES, fallback: 'circulant' },
  { name: 'proj', type: 'enum', values: PROJECTIONS, fallback: 'distill' },
  // distillation: steps and learning rate (a cancelled run keeps the steps it finished)
  { name: 'dsteps', type: 'int', fallback: CANONICAL_DISTILL.steps, check: (v) => v >= 1 && v <= 1000 },
  { name: 'lr', type: 'number', fallback: CANONICAL_DISTILL.learningRate, check: (v) => v > 0 && v <= 0.1 },
  { name: 'lambda', type: 'number', fallback: 0.01, check: (v) => v >= 0 && v <= 1e6 },
  { name: 'calib', type: 'enum', values: CALIBRATION_SETS, fallback: 'heldout-32' },
  { name: 'positions', type: 'enum', values: ['last', 'all'], fallback: 'all' },
  // generation
  { name: 'steps', type: 'int', fallback: 48, check: (v) => v >= 1 && v <= 256 },
  // Seeded sampling the model card found most readable; greedy text from so small a model loops.
  { name: 'temp', type: 'number', fallback: 0.8, check: (v) => v >= 0 && v <= 2 },
  { name: 'topp', type: 'number', fallback: 0.9, check: (v) => v > 0 && v <= 1 },
  { name: 'penalty', type: 'number', fallback: 1.1, check: (v) => v >= 1 && v <= 2 },
  { name: 'seed', type: 'int', fallback: 42, check: (v) => v >= 0 && v < 2 ** 31 },
  // structure view: which MLP matrix and which of its blocks
  { name: 'vlayer', type: 'int', fallback: 0, check: (v) => v >= 0 && v < 100 },
  { name: 'vmatrix', type: 'enum', values: MATRICES, fallback: 'gate' },
  { name: 'vrow', type: 'int', fallback: 0, check: (v) => v >= 0 && v < 65536 },
  { name: 'vcol', type: 'int', fallback: 0, check: (v) => v >= 0 && v < 65536 },
  // classroom: embed (no page chrome), hidden controls, the guided tour's step (0 = off; see
  // web/tour.js), projector mode
  { name: 'embed', type: 'bool', fallback: false },
  { name: 'hide', type: 'list', values: null, fallback: [] },
  { name: 'tour', type: 'int', fallback: 0, check: (v) => v >= 0 && v <= TOUR_STEPS },
  // one of the 20 lecture questions (web/questions.js; 0 = none)
  { name: 'q', type: 'int', fallback: 0, check: (v) => v >= 0 && v <= QUESTION_COUNT },
  { name: 'present', type: 'bool', fallback: false },
  // The engine's threads (web/threads.js): 0 is all the page may use here; a count above that
  // falls back once the engine says how many it has (web/main.js validForModel).
  { name: 'threads', type: 'int', fallback: 0, check: (v) => v >= 0 && v <= MAX_THREADS },
  // The model the numbers belong to, by file name: a link made with a model of one's own says so.
  { name: 'model', type: 'string', fallback: 'default.bin', check: (v) => v.length > 0 && v.length <= 200 },
];

// How the page names each key when it tells a visitor that a link's value was replaced.
const KEY_NAMES = { B: 'block size B', proj: 'projection', dsteps: 'distillation steps', lr: 'learning rate',
  lambda: 'λ', calib: 'calibration set', steps: 'new tokens', temp: 'temperature', topp: 'top-p',
  penalty: 'repetition penalty', vlayer: 'layer shown', vmatrix: 'matrix shown', vrow: 'block row shown',
  vcol: 'block column shown', tour: 'tour step', q: 'question' };
export const keyName = (key) => KEY_NAMES[key] ?? key;

const BY_NAME = new Map(PROPERTIES.map((p) => [p.name, p]));

export function defaultState() {
  const state = {};
  for (const p of PROPERTIES) state[p.name] = Array.isArray(p.fallback) ? [...p.fallback] : p.fallback;
  return state;
}

// One raw URL value → a typed value, or undefined when it does not fit the property.
function parseValue(p, raw) {
  let v;
  switch (p.type) {
    case 'string': v = raw; break;
    case 'int': v = /^-?\d+$/.test(raw) ? Number(raw) : undefined; break;
    case 'number': v = /^-?(\d+\.?\d*|\.\d+)(e-?\d+)?$/i.test(raw) ? Number(raw) : undefined; break;
    case 'bool': v = raw === '1' || raw === 'true' ? true : raw === '0' || raw === 'false' ? false : undefined; break;
    case 'enum': v = p.values.includes(raw) ? raw : undefined; break;
    case 'list': {
      const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
      if (p.values && items.some((s) => !p.values.includes(s))) return undefined;
      // Known lists keep their canonical order (gate, up, down) and drop repeats.
      v = p.values ? p.values.filter((s) => items.includes(s)) : [...new Set(items)];
      if (p.values && v.length === 0) return undefined;
      break;
    }
    default: return undefined;
  }
  if (v === undefined || (typeof v === 'number' && !isNumber(v))) return undefined;
  if (p.check && !p.check(v)) return undefined;
  return v;
}

/** The keys a hash names (valid or not), e.g. to know what a tour step may fill in. */
export function hashKeys(hash) {
  const text = typeof hash === 'string' ? hash.replace(/^#/, '') : '';
  return new Set(text.split('&').filter(Boolean).map((part) => part.split('=')[0]));
}

/** "#B=64&prompt=..." → a complete state; unknown keys are ignored, bad values become defaults. */
export function parseHash(hash) {
  return readHash(hash).state;
}

/**
 * parseHash, and the values it had to replace: [{key, raw, used}] for each known key whose value
 * did not fit (the page says so, and rewrites the URL to what it shows).
 */
export function readHash(hash) {
  const state = defaultState();
  const corrections = [];
  const text = typeof hash === 'string' ? hash.replace(/^#/, '') : '';
  for (const part of text.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    let raw = eq < 0 ? '' : part.slice(eq + 1);
    try {
      raw = decodeURIComponent(raw.replace(/\+/g, ' '));
    } catch {
      continue;  // malformed percent-escape: keep the default
    }
    const p = BY_NAME.get(key);
    if (!p) continue;
    const v = parseValue(p, raw);
    if (v !== undefined) state[p.name] = v;
    else corrections.push({ key, raw, used: formatValue(p, state[p.name]) });
  }
  return { state, corrections };
}

function formatValue(p, v) {
  if (p.type === 'list') return v.join(',');
  if (p.type === 'bool') return v ? '1' : '0';
  return String(v);
}

const sameValue = (a, b) => (Array.isArray(a) ? a.join(',') === b.join(',') : a === b);

/** State → "B=64&prompt=...": every key that differs from its default, in table order. */
export function toHash(state) {
  const parts = [];
  for (const p of PROPERTIES) {
    const v = state[p.name];
    if (v === undefined || sameValue(v, p.fallback)) continue;
    const encoded = encodeURIComponent(formatValue(p, v)).replace(/%2C/g, ',').replace(/%3A/g, ':');
    parts.push(`${p.name}=${encoded}`);
  }
  return parts.join('&');
}

// ---- layers: the spec string <-> the set of patched layers -------------------------------------

/** Sorted unique layer indices of a spec, for a model with n layers (indices past n dropped). */
export function layersOf(spec, n) {
  let m;
  if (spec === 'all') return range(0, n);
  if ((m = /^first:(\d+)$/.exec(spec))) return range(0, Math.min(n, Number(m[1])));
  if ((m = /^last:(\d+)$/.exec(spec))) return range(Math.max(0, n - Number(m[1])), n);
  const items = spec.split(',').map(Number).filter((i) => Number.isInteger(i) && i >= 0 && i < n);
  return [...new Set(items)].sort((a, b) => a - b);
}

/** The shortest spec naming these layers ("all", "first:2", "last:1", "3", "0,2"); "" for none. */
export function layersSpec(layers, n) {
  const sorted = [...new Set(layers)].sort((a, b) => a - b);
  if (sorted.length === 0) return '';
  const contiguous = sorted.every((l, i) => i === 0 || l === sorted[i - 1] + 1);
  if (sorted.length === n && contiguous) return 'all';
  if (contiguous && sorted[0] === 0 && sorted.length > 1) return `first:${sorted.length}`;
  if (contiguous && sorted[sorted.length - 1] === n - 1 && sorted.length > 1) return `last:${sorted.length}`;
  return sorted.join(',');
}

// How many layers a spec names, whether the model has them or not.
function namedCount(spec, n) {
  const m = /^(first|last):(\d+)$/.exec(spec);
  if (spec === 'all') return n;
  if (m) return Number(m[2]);
  return new Set(spec.split(',')).size;
}

/**
 * The spec itself when the model (of n layers) has every layer it names; else the shortest spec
 * of the layers it does have ("first:99" on 4 layers is "all"), or the default when it names none.
 */
export function clampLayers(spec, n) {
  const layers = layersOf(spec, n);
  if (layers.length === 0) return BY_NAME.get('layers').fallback;
  if (layers.length === namedCount(spec, n)) return spec;
  return layersSpec(layers, n);
}

function range(from, to) {
  const out = [];
  for (let i = from; i < to; ++i) out.push(i);
  return out;
}

/**
 * The engine's plan for this state (see cpp/wasm/engine.d.ts PlanSpec), plus the calibration set.
 * Distillation always trains on every held-out passage (on 32 it learns them by heart), so the
 * calibration control speaks only for the loss-aware fits.
 */
export function planOf(state) {
  // A removed MLP is made by no projection: one plan, whatever the projection control says.
  if (state.structure === 'removed') state = { ...state, proj: 'frobenius' };
  const plan = {
    block: state.B,
    layers: state.layers,
    matrices: state.matrices.join(','),
    structure: state.structure,
    projection: state.proj,
    lambda: state.lambda,
    calibration: state.proj === 'distill' ? DISTILL_CALIBRATION : state.calib,
  };
  if (state.proj === 'distill') plan.distill = { ...DISTILL, steps: state.dsteps, learningRate: state.lr };
  return plan;
}

/**
 * One key per student: the plan's fields, and its calibration set only where the set changes the
 * student (a Frobenius projection reads none). The page's parts and the worker's plan cache use it.
 */
export function planKey(plan) {
  const { calibration, ...student } = plan;
  return JSON.stringify(plan.projection === 'frobenius' ? student : { ...student, calibration });
}

/** At B = 1 a circulant student holds W's own entries: it is the teacher (cpp/student/plan.h). */
export const isTeacher = (plan) => plan.block === 1 && (plan.structure ?? 'circulant') === 'circulant';

/** True for the distillation the page has ready-made (models/distilled/) at B ≥ 4. */
export const isCanonicalDistill = (state, layerCount) => state.proj === 'distill' && state.structure === 'circulant' &&
  state.dsteps === CANONICAL_DISTILL.steps && state.lr === CANONICAL_DISTILL.learningRate &&
  state.matrices.length === MATRICES.length && layersOf(state.layers, layerCount).length === layerCount;

/** The state with `patch` applied; a patched value that fails its property's check is ignored. */
export function applyPatch(state, patch) {
  const next = { ...state };
  for (const [name, value] of Object.entries(patch)) {
    const p = BY_NAME.get(name);
    if (!p || value === undefined || value === null) continue;
    const parsed = parseValue(p, formatValue(p, value));
    if (parsed !== undefined) next[name] = parsed;
  }
  return next;
}
