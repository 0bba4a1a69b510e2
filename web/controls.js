// Two-way binding between the form controls and the State: write(state) shows a state in the
// form; each user edit calls onChange(patch). Validation lives in web/state.js, not here.
import { BLOCK_SIZES, layersOf, layersSpec } from './state.js';

const $ = (selector) => document.querySelector(selector);

// One line under the choice, in words a student who knows what a matrix is can follow.
const HINTS = {
  frobenius: 'the nearest matrix of that shape, by the sum of squared differences (Frobenius norm)',
  'loss-aware': 'least squares on real inputs of each layer; λ pulls it towards the nearest matrix',
  'loss-aware-sequential': 'the same, each layer fitted to the inputs the layers before it now produce',
  distill: 'trained by gradient descent to match the teacher\'s next-token odds, on the 916 held-out passages',
};

/**
 * One row per simple control: element, how to read it into the state, how to write it back.
 */
function simpleBindings() {
  const number = (id, name, parse = Number) => ({
    element: $(id), event: 'change',
    read: (el) => ({ [name]: parse(el.value) }),
    write: (el, s) => { el.value = String(s[name]); },
  });
  const radios = (name) => ({
    element: $('#controls'), elements: [...document.querySelectorAll(`input[name="${name}"]`)], event: 'change',
    read: () => ({ [name]: document.querySelector(`input[name="${name}"]:checked`)?.value }),
    write: (_, s) => { for (const r of document.querySelectorAll(`input[name="${name}"]`)) r.checked = r.value === s[name]; },
  });
  return [
    { element: $('#prompt'), event: 'input', debounce: 350,
      read: (el) => ({ prompt: el.value }),
      write: (el, s) => { if (el.value !== s.prompt) el.value = s.prompt; } },
    // The slider moves over positions 0…8; what it says (to the eye and to a screen reader) is B.
    { element: $('#block-size'), event: 'input',
      read: (el) => ({ B: BLOCK_SIZES[Number(el.value)] }),
      write: (el, s) => {
        el.value = String(BLOCK_SIZES.indexOf(s.B));
        el.setAttribute('aria-valuetext', `B = ${s.B}`);
        $('#block-label').textContent = String(s.B);
      } },
    { element: $('#structure'), event: 'change', read: (el) => ({ structure: el.value }),
      write: (el, s) => { el.value = s.structure; } },
    { element: $('#proj'), event: 'change', read: (el) => ({ proj: el.value }), write: (el, s) => { el.value = s.proj; } },
    number('#dsteps', 'dsteps'),
    number('#lr', 'lr'),
    { element: $('#calib'), event: 'change', read: (el) => ({ calib: el.value }), write: (el, s) => { el.value = s.calib; } },
    number('#lambda', 'lambda'),
    number('#steps', 'steps'),
    number('#temp', 'temp'),
    number('#topp', 'topp'),
    number('#penalty', 'penalty'),
    number('#seed', 'seed'),
    number('#vrow', 'vrow'),
    number('#vcol', 'vcol'),
    number('#vlayer', 'vlayer'),
    number('#threads', 'threads'),
    { element: $('#vmatrix'), event: 'change', read: (el) => ({ vmatrix: el.value }), write: (el, s) => { el.value = s.vmatrix; } },
    { element: $('#chat'), event: 'change', read: (el) => ({ chat: el.checked }),
      write: (el, s) => { el.checked = s.chat; } },
    radios('mode'),
    radios('positions'),
  ];
}

export class Controls {
  constructor({ onChange }) {
    this.onChange = onChange;
    this.layerCount = 0;
    this.presets = [];
    this.state = null;
    this.bindings = simpleBindings();
    for (const b of this.bindings) {
      let timer = 0;
      const fire = () => this.onChange(b.read(b.element));
      const targets = b.elements || [b.element];
      for (const el of targets)
        el.addEventListener(b.event, () => {
          if (!b.debounce) return fire();
          clearTimeout(timer);
          timer = setTimeout(fire, b.debounce);
        });
    }
    // Bound once here; setPresets only fills in the options.
    $('#presets').addEventListener('change', (e) => {
      const i = e.target.value;
      if (i !== '' && this.presets[Number(i)] !== undefined) this.onChange({ prompt: this.presets[Number(i)] });
    });
    this.setupMatrices();
    this.setupLayers();
  }

  setPresets(presets) {
    this.presets = presets;
    const custom = new Option('Lecture prompts…', '');
    custom.dataset.chat = 'Lecture questions, asked as chat…';
    custom.dataset.plain = custom.text;
    $('#presets').replaceChildren(custom, ...presets.map((p, i) => new Option(`${i + 1}. ${p}`, String(i))));
    if (this.state) this.write(this.state);
  }

  setupMatrices() {
    for (const box of document.querySelectorAll('input[name="matrix"]'))
      box.addEventListener('change', () => {
        const chosen = [...document.querySelectorAll('input[name="matrix"]:checked')].map((b) => b.value);
        if (chosen.length === 0) box.checked = true;  // at least one matrix stays patched
        else this.onChange({ matrices: chosen });
      });
  }

  setupLayers() {
    $('#layers-all').addEventListener('click', () => this.onChange({ layers: 'all' }));
    $('#layers-first').addEventListener('click', () => {
      const k = Math.max(1, Math.min(this.layerCount, Number($('#layers-k').value) || 1));
      this.onChange({ layers: `first:${k}` });
    });
    $('#layers-single').addEventListener('change', (e) => { if (e.target.value !== '') this.onChange({ layers: e.target.value }); });
  }

  /** Builds the per-layer toggles and layer pickers for a model with n layers. */
  setLayerCount(n) {
    this.layerCount = n;
    const toggles = $('#layer-toggles');
    toggles.replaceChildren();
    for (let l = 0; l < n; ++l) {
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.value = String(l);
      box.addEventListener('change', () => {
        const chosen = [...toggles.querySelectorAll('input:checked')].map((b) => Number(b.value));
        if (chosen.length === 0) box.checked = true;  // at least one layer stays patched
        else this.onChange({ layers: layersSpec(chosen, n) });
      });
      label.append(box, ` ${l}`);
      toggles.append(label);
    }
    $('#layers-k').max = String(n);
    const single = $('#layers-single');
    single.replaceChildren(new Option('single…', ''), ...Array.from({ length: n }, (_, l) => new Option(`layer ${l}`, String(l))));
    $('#vlayer').replaceChildren(...Array.from({ length: n }, (_, l) => new Option(String(l), String(l))));
  }

  /** Shows `state` in every control. */
  write(state) {
    this.state = state;
    for (const b of this.bindings) b.write(b.element, state);
    const patched = new Set(layersOf(state.layers, this.layerCount));
    for (const box of document.querySelectorAll('#layer-toggles input')) box.checked = patched.has(Number(box.value));
    $('#layers-single').value = '';
    for (const box of document.querySelectorAll('input[name="matrix"]')) box.checked = state.matrices.includes(box.value);
    const preset = this.presets.indexOf(state.prompt);
    $('#presets').value = preset >= 0 ? String(preset) : '';
    const first = $('#presets').options[0];
    if (first) first.text = state.chat ? first.dataset.chat : first.dataset.plain;
    const removed = state.structure === 'removed';
    const lossAware = !removed && (state.proj === 'loss-aware' || state.proj === 'loss-aware-sequential');
    const distill = !removed && state.proj === 'distill';
    $('#proj').disabled = removed;
    $('#lambda').disabled = !lossAware;
    $('#calib').disabled = !lossAware;
    $('#dsteps').disabled = !distill;
    $('#lr').disabled = !distill;
    $('#proj-hint').textContent = removed ? 'nothing to make: the MLPs are gone'
      : HINTS[state.proj] + (state.structure === 'low-rank' && state.proj === 'frobenius' ? ' (the SVD)' : '');
  }
}
