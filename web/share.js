// "Share / embed": the link to this exact view, and the HTML of an <iframe> that embeds it in a course
// page (no page chrome, chosen panels hidden), with a warning when the view needs a model of one's own.
import { applyPatch, toHash } from './state.js';

const $ = (selector) => document.querySelector(selector);

// Panels an embed leaves out unless asked: a course page shows the lesson, not the lab bench.
const EMBED_HIDES = ['tokens', 'candidates', 'generation', 'heatmaps', 'throughput', 'agreement'];

/** The URL of `state`, beside this page. */
export const linkOf = (state) => `${location.href.split('#')[0]}#${toHash(state)}`;

/** The embedded view of `state`: embed=1, and what the options leave out. */
export function embedState(state, { controls, tokens }) {
  const hide = new Set(state.hide);
  if (!tokens) for (const panel of EMBED_HIDES) hide.add(panel);
  if (!controls) for (const c of ['prompt', 'presets', 'mode', 'layers', 'matrices', 'structure', 'projection', 'positions',
    'sampling']) hide.add(c);
  return applyPatch(state, { embed: true, present: false, tour: 0, q: 0, hide: [...hide] });
}

export function iframeOf(url, size) {
  const [width, height] = size.split('x');
  return `<iframe src="${url.replace(/"/g, '&quot;')}" width="${width}" height="${height}" ` +
    'style="border: 1px solid #ddd" loading="lazy" title="Circulant Playground"></iframe>';
}

/** Wires the dialog; `current()` is the state on screen, `defaultModel` the model a link loads by itself. */
export function setupShare(current, defaultModel) {
  const dialog = $('#share');
  const fill = () => {
    const state = current();
    $('#share-link').value = linkOf(state);
    const options = { controls: $('#share-controls').checked, tokens: $('#share-tokens').checked };
    $('#share-embed').value = iframeOf(linkOf(embedState(state, options)), $('#share-size').value);
    const own = state.model !== defaultModel;
    $('#share-warning').hidden = !own;
    $('#share-warning').textContent = own ? `These numbers come from ${state.model}, a model loaded from this ` +
      `computer: whoever opens the link sees ${defaultModel} until they load ${state.model} themselves.` : '';
  };
  for (const id of ['#share-controls', '#share-tokens', '#share-size']) $(id).addEventListener('change', fill);
  $('#open-share').addEventListener('click', () => {
    fill();
    dialog.showModal();
  });
  $('#close-share').addEventListener('click', () => dialog.close());
  const copy = async (field, button, label) => {
    try {
      await navigator.clipboard.writeText($(field).value);
      $(button).textContent = 'Copied';
    } catch {
      $(field).select();  // no clipboard outside a secure context: the text is selected to copy by hand
      $(button).textContent = 'Selected: press Ctrl+C';
    }
    setTimeout(() => { $(button).textContent = label; }, 1500);
  };
  $('#copy-link').addEventListener('click', () => copy('#share-link', '#copy-link', 'Copy link'));
  $('#copy-embed').addEventListener('click', () => copy('#share-embed', '#copy-embed', 'Copy HTML'));
}
