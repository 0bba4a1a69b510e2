// Experiments that six of the 20 lecture questions need beyond the page's usual panels. Each says
// what it measures (title, about), what it depends on (key), how to ask the worker (run: one or
// more requests through `call`), and returns the rows to show: [{label, cells: [{text, fact?}]}],
// where a cell with `fact` is a number a sentence may quote (web/guide.js). No DOM here.
import { fixed, percentText, rate, times } from './format.js';
import { planKey, planOf } from './state.js';

const cell = (text, fact, value, format, className) => ({ text, fact, value, format, className });
// Spaces and line breaks made visible, as the next-token bars show them (" the" is not "the").
const visible = (text) => text.replace(/ /g, '·\u200b').replace(/\n/g, '⏎');
const num = (value, format, name) => cell(format(value), name, value, format);
const spread = (s, format) => `${format(s.low)}–${format(s.high)}`;
// 3.2e-8 → "3.2 × 10⁻⁸": small errors a student can read.
const SUPERSCRIPT = { '-': '⁻', 0: '⁰', 1: '¹', 2: '²', 3: '³', 4: '⁴', 5: '⁵', 6: '⁶', 7: '⁷', 8: '⁸', 9: '⁹' };
const sci = (v) => {
  if (!Number.isFinite(v)) return '–';
  const [mantissa, exponent] = v.toExponential(1).split('e');
  return `${mantissa} × 10${[...exponent.replace('+', '')].map((c) => SUPERSCRIPT[c]).join('')}`;
};

const EXPERIMENTS = {
  disagreement: {
    title: 'Where the likeliest tokens differ',
    about: 'The engine looked at every position of the 20 lecture prompts for this student and kept those where ' +
      'teacher and student pick different likeliest tokens; below, the one whose top fives overlap most and the one ' +
      'whose raw scores point most the same way (cosine), each with both models\' five likeliest next tokens.',
    key: (s) => planKey(planOf(s)),
    run: (call, s, page) => call('disagreement', { plan: planOf(s), prompts: page.lecturePrompts }),
    columns: ['', 'highest top-5 overlap', 'highest cosine'],
    rows(r) {
      const finds = [r.top5, r.cosine];
      const none = cell('no position where top-1 differs');
      const row = (label, of) => ({ label, cells: finds.map((f, i) => (f ? of(f, i) : none)) });
      const tokens = (list) => cell(list.map((c) => visible(c.text)).join('  '), undefined, undefined, undefined, 'tokens');
      return [
        row('lecture prompt', (f) => cell(String(f.prompt))),
        row('text before it', (f) => cell(`…${visible(f.context.slice(-40))}`, undefined, undefined, undefined, 'tokens')),
        row('top-5 overlap', (f, i) => num(f.metrics.top5, percentText, i === 0 ? 'top5' : undefined)),
        row('cosine', (f, i) => num(f.metrics.cosine, (v) => fixed(v, 3), i === 1 ? 'cosine' : undefined)),
        row('KL', (f, i) => num(f.metrics.kl, (v) => fixed(v, 3), i === 0 ? 'top5-kl' : 'cosine-kl')),
        row('teacher\'s five', (f) => tokens(f.teacherTop)),
        row('student\'s five', (f) => tokens(f.studentTop)),
      ];
    },
  },

  cache: {
    title: 'Weight spectra kept, or computed on every call',
    about: 'Decode speed of the teacher and of this student, with the FFTs of its circulant numbers computed once ' +
      'and kept, and recomputed at every product; measured side by side, 5 runs (median, then the range).',
    key: (s) => planKey(planOf({ ...s, proj: 'frobenius' })),
    run: (call, s) => call('benchmark', { plan: planOf({ ...s, proj: 'frobenius' }), promptTokens: 64,
      decodeTokens: 32, runs: 5, uncachedStudent: true }),
    columns: ['model', 'decode tokens/s', 'range'],
    rows(r) {
      const range = (runs) => {
        const values = runs.map((t) => t.decode);
        return `${rate(Math.min(...values))}–${rate(Math.max(...values))}`;
      };
      return [
        { label: 'teacher', cells: [num(r.teacher.decode, rate, 'teacher'), cell(range(r.runs.teacher))] },
        { label: 'student, spectra kept', cells: [num(r.student.decode, rate, 'cached'), cell(range(r.runs.student))] },
        { label: 'student, spectra recomputed', cells: [num(r.studentUncached.decode, rate, 'uncached'),
          cell(range(r.runs.studentUncached))] },
        { label: 'kept ÷ recomputed', cells: [num(r.student.decode / r.studentUncached.decode, times, 'ratio'), cell('')] },
      ];
    },
  },

  layers: {
    title: 'One layer patched, or every layer',
    about: 'Speed of the student as a multiple of the teacher\'s with only layer 0\'s MLP at this B, and with every ' +
      'layer\'s; 5 runs each, side by side with the teacher (median, then the range).',
    key: (s) => JSON.stringify([s.B, s.structure, s.matrices]),
    async run(call, s) {
      const speed = (layers) => call('speed', { plan: planOf({ ...s, layers, proj: 'frobenius' }), blocks: [s.B],
        promptTokens: 64, decodeTokens: 32, runs: 5 }).then((r) => r.rows[0]);
      return { one: await speed('first:1'), all: await speed('all') };
    },
    columns: ['', 'layer 0 only', 'every layer'],
    rows(r) {
      const both = [[r.one, 'one'], [r.all, 'all']];
      return [
        { label: 'decode ÷ teacher', cells: both.map(([x, name]) => num(x.speedup.decode.median, times, name)) },
        { label: 'its range', cells: both.map(([x]) => cell(spread(x.speedup.decode, times))) },
        { label: 'prefill ÷ teacher', cells: both.map(([x]) => cell(times(x.speedup.prefill.median))) },
        { label: 'the teacher\'s decode time in the MLPs',
          cells: [num(r.one.teacher.decodeMlpShare.median, percentText, 'mlp-time'), cell('')] },
      ];
    },
  },

  precision: {
    title: 'float32 or float16 inside the FFT',
    about: 'The same student with its FFT products rounded to float16 (the input, its spectrum, the weight spectra, ' +
      'the product and the output) and in float32: the error of the block products against exact arithmetic, and ' +
      'the KL from the teacher over the 20 lecture prompts at every position.',
    key: (s) => planKey(planOf(s)),
    run: (call, s, page) => call('precision', { plan: planOf(s), prompts: page.lecturePrompts, positions: 'all' }),
    columns: ['inside the FFT', 'error of the products', 'KL from the teacher'],
    rows: (r) => [
      { label: 'float32', cells: [num(r.productError.float32, sci, 'error32'), num(r.float32.kl.mean, (v) => fixed(v, 4), 'kl32')] },
      { label: 'float16', cells: [num(r.productError.float16, sci, 'error16'), num(r.float16.kl.mean, (v) => fixed(v, 4), 'kl16')] },
      { label: 'KL of the float16 student from the float32 one', cells: [cell(''), num(r.shift.mean, sci, 'shift')] },
    ],
  },

  length: {
    title: 'Short prompts give noisier last-token metrics',
    about: 'The 20 lecture prompts cut after their first k tokens: the KL at the last token, its mean over the prompts ' +
      'and how far the prompts spread around it (standard deviation).',
    key: (s) => planKey(planOf(s)),
    run: (call, s, page) => call('analyses', { plan: planOf(s), prompts: page.lecturePrompts }),
    columns: ['tokens of text', 'prompts', 'mean KL', 'spread (standard deviation)'],
    rows(r) {
      const table = lengthTable(r.positions);
      const shortest = table[0], longest = table[table.length - 1];
      return table.filter((t) => [1, 2, 4, 8, 16].includes(t.length) || t === longest).map((t) => ({
        label: '', cells: [num(t.length, String, t === shortest ? 'short-length' : t === longest ? 'long-length' : undefined),
          cell(String(t.count)), cell(fixed(t.mean, 3)),
          num(t.sd, (v) => fixed(v, 3), t === shortest ? 'short-spread' : t === longest ? 'long-spread' : undefined)],
      }));
    },
  },

  calibration: {
    title: 'Fitted on which text, measured on which',
    about: 'Layer 0 fitted to what it sees (least squares) on the 20 lecture prompts, or on 32 held-out passages; each ' +
      'measured on the lecture prompts and on 20 other held-out passages that neither fit saw (KL, every position).',
    key: (s) => JSON.stringify([s.B, s.structure, s.matrices, s.lambda, s.layers]),
    async run(call, s, page) {
      const other = page.calibrationSets.heldout.slice(-20);
      const measure = async (calib) => {
        const plan = planOf({ ...s, proj: 'loss-aware', calib });
        const on = (prompts) => call('evaluate', { plan, prompts, positions: 'all' }).then((r) => r.kl.mean);
        return { lecture: await on(page.lecturePrompts), other: await on(other) };
      };
      return { lecture: await measure('lecture'), heldout: await measure('heldout-32') };
    },
    columns: ['fitted on', 'KL on the lecture prompts', 'KL on 20 passages neither saw'],
    rows: (r) => [
      { label: 'the 20 lecture prompts', cells: [num(r.lecture.lecture, (v) => fixed(v, 3), 'lecture-on-lecture'),
        num(r.lecture.other, (v) => fixed(v, 3), 'lecture-on-other')] },
      { label: '32 held-out passages', cells: [num(r.heldout.lecture, (v) => fixed(v, 3), 'heldout-on-lecture'),
        num(r.heldout.other, (v) => fixed(v, 3), 'heldout-on-other')] },
    ],
  },

  blocks: {
    title: 'B = 64 against B = 256',
    about: 'From the sweep over B: the KL of each student and the share of MLP numbers it keeps.',
    fromSweep: true,
    columns: ['B', 'distilled KL', 'projected KL', 'MLP numbers kept'],
    rows(sweep) {
      const row = (b) => {
        const d = sweep.row('distilled', b), p = sweep.row('projected', b);
        const own = d ?? p;
        return { label: '', cells: [cell(String(b)), num(d?.kl.mean, (v) => fixed(v, 3), `kl-${b}`),
          cell(p ? fixed(p.kl.mean, 3) : '–'),
          num(own && own.parameters.studentMlp / own.parameters.teacherMlp, percentText, `kept-${b}`)] };
      };
      return [row(64), row(256)];
    },
  },
};

/** Last-token KL of the prompts cut after k tokens of text: [{length k, count, mean, sd}]. */
export function lengthTable(positions) {
  const longest = Math.min(...positions.map((p) => p.length - 1));
  const out = [];
  for (let k = 1; k <= longest; ++k) {
    // positions[k] is the prediction made after BOS and k tokens of text.
    const values = positions.map((p) => p[k].kl);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / Math.max(1, values.length - 1));
    out.push({ length: k, count: values.length, mean, sd });
  }
  return out;
}

export const experiment = (name) => EXPERIMENTS[name];
