// The guide's tables (web/tour.js, web/questions.js) against the URL state and the series table:
// every entry a state a link can hold, every panel one the page has, every curve it names one a
// legend draws, every experiment one the page can run, and no number before the engine answered.
import { describe, expect, it } from 'vitest';
import { defaultState, parseHash, PROPERTIES, QUESTION_COUNT, toHash, TOUR_STEPS } from '../../web/state.js';
import { TOUR, tourText } from '../../web/tour.js';
import { QUESTIONS, questionText } from '../../web/questions.js';
import { SERIES_BY_KEY, seriesOfState, sweepSeries } from '../../web/series.js';
import { experiment, lengthTable } from '../../web/experiments.js';
import { movedNote } from '../../web/guide.js';

const PANELS = ['metrics', 'sweep', 'tradeoff', 'agreement', 'tokens', 'candidates', 'throughput', 'heatmaps', 'experiment'];
// Where each quoted number lives: projector mode shows only an entry's panels, so they must hold it.
const PANEL_OF = [[/metric-/, 'metrics'], [/sweep-legend/, 'sweep'], [/decode-|prefill-|speed-size/, 'throughput'],
  [/structure-note/, 'heatmaps'], [/experiment/, 'experiment'], [/block-label/, null]];
const ENTRIES = [
  ...TOUR.map((entry, i) => ({ entry, name: `tour step ${i + 1}`, key: 'tour', n: i + 1, text: (x) => tourText(i + 1, x) })),
  ...QUESTIONS.map((entry, i) => ({ entry, name: `question ${i + 1}`, key: 'q', n: i + 1, text: (x) => questionText(i + 1, x) })),
];

// Numbers as the page would hand them over once everything is computed.
const row = (kl, mlp) => ({ kl: { mean: kl }, cosine: { mean: 0.9 }, top1: { mean: 0.5 }, top5: { mean: 0.6 },
  parameters: { studentMlp: mlp, teacherMlp: 3145728 } });
const sweep = { row: (series, block) => row(series === 'removed' ? 7.8 : series === 'distilled' ? 1.7 : 6.5, 3145728 / block) };
const spread = (median) => ({ median, low: median * 0.9, high: median * 1.1 });
const speed = { teacher: { prefill: spread(4000), decode: spread(1300), decodeMlpShare: spread(0.64) },
  student: { prefill: spread(6000), decode: spread(2600) }, speedup: { prefill: spread(1.5), decode: spread(2) } };
const experimentFacts = (name) => ({ name, facts: new Proxy({}, { get: () => ({ value: 0.5, format: (v) => String(v) }) }) });
const numbers = (state, entry) => ({
  state, sweep, speed, metrics: { kl: 1.5, cosine: 0.9, top1: 0.5, top5: 0.6 },
  parameters: { teacherMlp: 3145728, teacherTotal: 4720896, studentMlp: 49152, studentTotal: 1624320 },
  structure: { relativeError: 0.93 }, experiment: entry.experiment ? experimentFacts(entry.experiment) : null,
});

describe('the guide', () => {
  it('has as many tour steps and questions as the URL accepts', () => {
    expect(TOUR.length).toBe(TOUR_STEPS);
    expect(QUESTIONS.length).toBe(QUESTION_COUNT);
    expect(parseHash(`#tour=${TOUR_STEPS + 1}`).tour).toBe(0);
    expect(parseHash(`#q=${QUESTION_COUNT}`).q).toBe(QUESTION_COUNT);
  });

  it('sets only known keys, to values a URL keeps, and points at panels the page has', () => {
    const names = new Set(PROPERTIES.map((p) => p.name));
    for (const { entry, name, key, n } of ENTRIES) {
      for (const k of Object.keys(entry.state)) expect(names.has(k), `${name}: ${k}`).toBe(true);
      const state = { ...defaultState(), ...entry.state, [key]: n };
      expect(parseHash(toHash(state)), name).toEqual(state);
      for (const panel of entry.panels) expect(PANELS, name).toContain(panel);
      if (entry.experiment) {
        expect(experiment(entry.experiment), name).toBeDefined();
        expect(entry.panels, name).toContain('experiment');
      }
    }
  });

  it('quotes no number before the engine has answered, and at least one once it has', () => {
    for (const { entry, name, text } of ENTRIES) {
      const state = { ...defaultState(), ...entry.state };
      const empty = text({ state }).filter((part) => part && typeof part !== 'string' && !part.series);
      // The block size comes from the state itself; every other number waits for the engine.
      expect(empty.every((fact) => fact === null || fact.source === '#block-label'), `${name} made up a number`).toBe(true);
      const filled = text(numbers(state, entry)).filter((part) => part && typeof part !== 'string' && !part.series);
      expect(filled.length, name).toBeGreaterThan(0);
      for (const fact of filled) {
        expect(fact.text, name).toMatch(/\d/);
        expect(fact.source, name).toMatch(/^(#block-label|\[data-testid=)/);
      }
    }
  });

  it('lists among its panels every display it quotes a number from', () => {
    for (const { entry, name, text } of ENTRIES) {
      const state = { ...defaultState(), ...entry.state };
      for (const fact of text(numbers(state, entry)).filter((p) => p && p.source)) {
        const panel = PANEL_OF.find(([pattern]) => pattern.test(fact.source));
        expect(panel, `${name}: ${fact.source}`).toBeDefined();
        if (panel[1]) expect(entry.panels, `${name} quotes ${fact.source}`).toContain(panel[1]);
      }
    }
  });

  it('names only curves the KL chart draws for its own state', () => {
    for (const { entry, name, text } of ENTRIES) {
      const state = { ...defaultState(), ...entry.state };
      const drawn = new Set([...sweepSeries(state).map((s) => s.name)]);
      for (const part of text(numbers(state, entry)).filter((p) => p?.series)) {
        expect(SERIES_BY_KEY.has(part.series), name).toBe(true);
        expect(drawn.has(part.series), `${name} names ${part.series}, which its chart does not draw`).toBe(true);
        expect(part.text).toContain(SERIES_BY_KEY.get(part.series).label);
      }
    }
  });

  it('says so when the visitor moved a setting the entry made', () => {
    const step = TOUR[1];
    expect(movedNote(step, { ...defaultState(), ...step.state })).toBe('');
    expect(movedNote(step, { ...defaultState(), ...step.state, B: 16 })).toMatch(/B to B = 16.*written for B = 2/);
  });
});

describe('the series table', () => {
  it('draws the student on screen under the name of the reference it is', () => {
    expect(seriesOfState(defaultState())).toBe('distilled');
    expect(seriesOfState({ ...defaultState(), proj: 'frobenius' })).toBe('projected');
    expect(seriesOfState({ ...defaultState(), structure: 'low-rank', proj: 'frobenius' })).toBe('low-rank');
    expect(seriesOfState({ ...defaultState(), structure: 'removed' })).toBe('removed');
    expect(seriesOfState({ ...defaultState(), proj: 'loss-aware' })).toBe('plan');
    expect(seriesOfState({ ...defaultState(), dsteps: 25 })).toBe('plan');
    const series = sweepSeries(defaultState());
    expect(series.map((s) => s.name)).toEqual(['projected', 'low-rank', 'low-rank-distilled', 'removed', 'distilled']);
    expect(series.at(-1).own).toBe(true);
    expect(series.filter((s) => s.readyOnly).map((s) => s.name)).toEqual(['low-rank-distilled', 'distilled']);
  });
});

describe('the short-prompt experiment', () => {
  it('bins the last-token KL of every prompt cut after k tokens', () => {
    const prompts = [[0, 1, 2, 3], [0, 3, 2, 1, 9]].map((kls) => kls.map((kl) => ({ kl })));
    const table = lengthTable(prompts);
    expect(table.map((t) => t.length)).toEqual([1, 2, 3]);
    expect(table[0]).toMatchObject({ count: 2, mean: 2 });
    expect(table[0].sd).toBeCloseTo(Math.SQRT2, 12);
    expect(table[1].sd).toBe(0);
  });
});
