// The guided tour's table (web/tour.js) against the URL state: the step count the state accepts,
// every step a state a link can hold, every step's words with a number once it is computed.
import { describe, expect, it } from 'vitest';
import { defaultState, parseHash, PROPERTIES, toHash, TOUR_STEPS } from '../../web/state.js';
import { TOUR, tourText } from '../../web/tour.js';

const PANELS = ['metrics', 'tokens', 'candidates', 'sweep', 'throughput', 'structure', 'generation'];

describe('the guided tour', () => {
  it('has as many steps as tour=N accepts', () => {
    expect(TOUR.length).toBe(TOUR_STEPS);
    expect(parseHash(`#tour=${TOUR_STEPS}`).tour).toBe(TOUR_STEPS);
    expect(parseHash(`#tour=${TOUR_STEPS + 1}`).tour).toBe(0);
  });

  it('sets only known keys, to values a URL keeps', () => {
    const names = new Set(PROPERTIES.map((p) => p.name));
    TOUR.forEach((step, i) => {
      for (const key of Object.keys(step.state)) expect(names.has(key), `step ${i + 1}: ${key}`).toBe(true);
      const state = { ...defaultState(), ...step.state, tour: i + 1 };
      expect(parseHash(toHash(state)), `step ${i + 1}`).toEqual(state);
      expect(PANELS).toContain(step.panel);
    });
  });

  it('quotes a number in every step, and none before the engine has answered', () => {
    const numbers = {
      block: 64,
      metrics: { kl: 1.5, cosine: 0.9, top1: 0.5, top5: 0.6 },
      speed: { teacher: { decode: 1000 }, student: { decode: 2000 } },
      structure: { relativeError: 0.99 },
      sweep: {
        plan: new Map([[64, { kl: { mean: 1 }, parameters: { studentMlp: 49152 } }]]),
        frobenius: new Map([4, 16, 64].map((b) => [b, { kl: { mean: 7 } }])),
        removed: new Map([['all', { kl: { mean: 7.1 } }]]),
      },
    };
    TOUR.forEach((_, i) => {
      const empty = tourText(i + 1, {}).filter((part) => typeof part !== 'string');
      expect(empty.length, `step ${i + 1} quotes nothing`).toBeGreaterThan(0);
      expect(empty.every((fact) => fact === null), `step ${i + 1} made up a number`).toBe(true);
      const filled = tourText(i + 1, numbers).filter((part) => part && typeof part !== 'string');
      expect(filled.length, `step ${i + 1}`).toBeGreaterThan(0);
      for (const fact of filled) expect(fact.text, `step ${i + 1}`).toMatch(/\d/);
    });
  });
});
