// The URL state: every control round-trips through the hash; garbage turns into defaults, never
// throws, and what was replaced is reported so the page can say so and rewrite the URL.
import { describe, expect, it } from 'vitest';
import { applyPatch, clampLayers, defaultState, isTeacher, layersOf, layersSpec, parseHash, planKey, planOf, PROPERTIES, readHash,
  toHash }
  from '../../web/state.js';

// A non-default value for every property in the table.
const CHANGED = {
  prompt: 'Once upon a time, a circulant & a "dense" matrix met #1 = 100% über',
  mode: 'all20', B: 8, layers: 'last:2', matrices: ['gate', 'down'], proj: 'loss-aware-sequential',
  lambda: 0.25, calib: 'lecture', positions: 'last', steps: 100, temp: 0.5, topp: 0.5, penalty: 1.3,
  seed: 7, vlayer: 2, vmatrix: 'down', vrow: 3, vcol: 1, embed: true, hide: ['prompt', 'layers'],
  structure: 'low-rank', dsteps: 125, lr: 0.01, tour: 3, q: 17, present: true, model: 'stories260K.bin', chat: true,
  threads: 2,
};

describe('state', () => {
  it('covers every property with a test value', () => {
    expect(Object.keys(CHANGED).sort()).toEqual(PROPERTIES.map((p) => p.name).sort());
  });

  it('round-trips every control through the hash', () => {
    const state = { ...defaultState(), ...CHANGED };
    const hash = toHash(state);
    expect(parseHash(`#${hash}`)).toEqual(state);
    for (const [name, value] of Object.entries(CHANGED)) {
      const one = { ...defaultState(), [name]: value };
      expect(parseHash(toHash(one)), name).toEqual(one);
    }
  });

  it('opens on the lesson: every layer, every position, the distilled student at B = 64', () => {
    const s = defaultState();
    expect([s.layers, s.positions, s.proj, s.B, s.structure]).toEqual(['all', 'all', 'distill', 64, 'circulant']);
    expect(toHash(s)).toBe('');
    expect(toHash({ ...s, B: 1, layers: 'first:1', positions: 'last' })).toBe('B=1&layers=first:1&positions=last');
    expect(parseHash('#B=1&prompt=Hello%20world').prompt).toBe('Hello world');
    expect(parseHash('#matrices=down,gate').matrices).toEqual(['gate', 'down']);
  });

  it('turns garbage into defaults without throwing', () => {
    const garbage = [
      undefined, null, 42, '', '#', '#&&&', '#B=3', '#B=512', '#B=abc', '#B=', '#layers=first:0',
      '#layers=drop table', '#matrices=gate,attention', '#matrices=', '#proj=svd', '#lambda=-1',
      '#lambda=NaN', '#dsteps=0', '#dsteps=5000', '#lr=0', '#lr=2', '#structure=sparse', '#positions=some', '#prompt=%E0%A4%A', '#prompt=', '#prompt=%20%20', '#embed=yes',
      '#temp=9', '#steps=0', '#seed=1e99', '#vmatrix=wq', '#=5', '#B=64=64', '#__proto__=1', '#constructor=x', '#q=21',
      '#q=-1', '#model=', '#threads=-1', '#threads=999', '#threads=two', '#threads=1.5',
    ];
    for (const hash of garbage) {
      const state = parseHash(hash);
      for (const p of PROPERTIES) expect(state[p.name], `${String(hash)} → ${p.name}`).toEqual(defaultState()[p.name]);
    }
  });

  it('reports each value it replaced, with the value it uses instead', () => {
    const { state, corrections } = readHash('#B=3&layers=drop%20table&positions=all&q=99');
    expect(state.B).toBe(64);
    expect(corrections).toEqual([
      { key: 'B', raw: '3', used: '64' },
      { key: 'layers', raw: 'drop table', used: 'all' },
      { key: 'q', raw: '99', used: '0' },
    ]);
    expect(readHash('#B=16&unknown=1').corrections).toEqual([]);
  });

  it('keeps good keys beside bad ones', () => {
    const state = parseHash('#B=16&layers=nonsense&positions=last&unknown=1');
    expect(state.B).toBe(16);
    expect(state.layers).toBe(defaultState().layers);
    expect(state.positions).toBe('last');
  });

  it('ignores a patch value that fails its check', () => {
    const state = defaultState();
    expect(applyPatch(state, { B: 3, lambda: Number.NaN, steps: 10 })).toEqual({ ...state, steps: 10 });
  });

  it('names layer sets with the shortest spec, and names only layers the model has', () => {
    expect(layersSpec([0, 1, 2, 3], 4)).toBe('all');
    expect(layersSpec([0, 1], 4)).toBe('first:2');
    expect(layersSpec([2, 3], 4)).toBe('last:2');
    expect(layersSpec([0, 2], 4)).toBe('0,2');
    expect(layersOf('first:9', 4)).toEqual([0, 1, 2, 3]);
    expect(layersOf('1,7,1', 4)).toEqual([1]);
    // A spec beyond the model falls back to what the model has (the page says so): the URL then
    // names what is shown.
    expect(clampLayers('first:99', 4)).toBe('all');
    expect(clampLayers('first:5', 5)).toBe('first:5');
    expect(clampLayers('first:5', 4)).toBe('all');
    expect(clampLayers('last:9', 4)).toBe('all');
    expect(clampLayers('1,7', 4)).toBe('1');
    expect(clampLayers('7', 4)).toBe('all');
    expect(clampLayers('first:1', 4)).toBe('first:1');
  });

  it('distils on every held-out passage, whatever the calibration control says', () => {
    expect(planOf({ ...defaultState(), proj: 'distill', calib: 'heldout-32' }).calibration).toBe('heldout');
    expect(planOf({ ...defaultState(), proj: 'loss-aware', calib: 'lecture' }).calibration).toBe('lecture');
    // A removed MLP is one plan, whatever the projection control says.
    expect(planOf({ ...defaultState(), structure: 'removed', proj: 'distill' }))
      .toEqual(planOf({ ...defaultState(), structure: 'removed', proj: 'frobenius' }));
  });

  it('keys a plan by the student it makes: the calibration set only where the fit reads it', () => {
    const frobenius = { ...defaultState(), proj: 'frobenius', B: 16 };
    expect(planKey(planOf({ ...frobenius, calib: 'lecture' }))).toBe(planKey(planOf({ ...frobenius, calib: 'heldout' })));
    const lossAware = { ...frobenius, proj: 'loss-aware' };
    expect(planKey(planOf({ ...lossAware, calib: 'lecture' }))).not.toBe(planKey(planOf({ ...lossAware, calib: 'heldout' })));
    expect(planKey(planOf({ ...frobenius, B: 32 }))).not.toBe(planKey(planOf(frobenius)));
    expect(planKey(planOf({ ...frobenius, proj: 'distill' }))).not.toBe(planKey(planOf(frobenius)));
  });

  it('calls only a circulant plan at B = 1 the teacher', () => {
    expect(isTeacher(planOf({ ...defaultState(), B: 1 }))).toBe(true);
    expect(isTeacher(planOf({ ...defaultState(), B: 2 }))).toBe(false);
    expect(isTeacher(planOf({ ...defaultState(), B: 1, structure: 'low-rank' }))).toBe(false);
  });
});
