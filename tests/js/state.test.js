// The URL state: every control round-trips through the hash; garbage turns into defaults, never throws.
import { describe, expect, it } from 'vitest';
import { applyPatch, defaultState, layersOf, layersSpec, parseHash, PROPERTIES, toHash } from '../../web/state.js';

// A non-default value for every property in the table.
const CHANGED = {
  prompt: 'Once upon a time, a circulant & a "dense" matrix met #1 = 100% über',
  mode: 'all20', B: 8, layers: 'last:2', matrices: ['gate', 'down'], proj: 'loss-aware-sequential',
  lambda: 0.25, calib: 'lecture', positions: 'all', steps: 100, temp: 0.8, topp: 0.5, penalty: 1.3,
  seed: 7, vlayer: 2, vmatrix: 'down', vrow: 3, vcol: 1, embed: true, hide: ['prompt', 'layers'],
  structure: 'low-rank', dsteps: 125, lr: 0.01, tour: 3, present: true,
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

  it('writes nothing for the defaults and keeps the documented key names', () => {
    expect(toHash(defaultState())).toBe('');
    expect(toHash({ ...defaultState(), B: 1, layers: 'all', positions: 'all' })).toBe('B=1&layers=all&positions=all');
    expect(parseHash('#B=1&prompt=Hello%20world').prompt).toBe('Hello world');
    expect(parseHash('#matrices=down,gate').matrices).toEqual(['gate', 'down']);
  });

  it('turns garbage into defaults without throwing', () => {
    const garbage = [
      undefined, null, 42, '', '#', '#&&&', '#B=3', '#B=512', '#B=abc', '#B=', '#layers=first:0',
      '#layers=drop table', '#matrices=gate,attention', '#matrices=', '#proj=svd', '#lambda=-1',
      '#lambda=NaN', '#dsteps=0', '#dsteps=5000', '#lr=0', '#lr=2', '#structure=sparse', '#positions=some', '#prompt=%E0%A4%A', '#prompt=', '#prompt=%20%20', '#embed=yes',
      '#temp=9', '#steps=0', '#seed=1e99', '#vmatrix=wq', '#=5', '#B=64=64', '#__proto__=1', '#constructor=x',
    ];
    for (const hash of garbage) {
      const state = parseHash(hash);
      for (const p of PROPERTIES) expect(state[p.name], `${String(hash)} → ${p.name}`).toEqual(defaultState()[p.name]);
    }
  });

  it('keeps good keys beside bad ones', () => {
    const state = parseHash('#B=16&layers=nonsense&positions=all&unknown=1');
    expect(state.B).toBe(16);
    expect(state.layers).toBe(defaultState().layers);
    expect(state.positions).toBe('all');
  });

  it('ignores a patch value that fails its check', () => {
    const state = defaultState();
    expect(applyPatch(state, { B: 3, lambda: Number.NaN, steps: 10 })).toEqual({ ...state, steps: 10 });
  });

  it('names layer sets with the shortest spec', () => {
    expect(layersSpec([0, 1, 2, 3], 4)).toBe('all');
    expect(layersSpec([0, 1], 4)).toBe('first:2');
    expect(layersSpec([2, 3], 4)).toBe('last:2');
    expect(layersSpec([0, 2], 4)).toBe('0,2');
    expect(layersOf('first:9', 4)).toEqual([0, 1, 2, 3]);
    expect(layersOf('1,7,1', 4)).toEqual([1]);
  });
});
