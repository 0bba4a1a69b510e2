// The status bar: the state of the page (loading, computing, ready, error, cancelled) with its
// message, the progress of long work, and notices of what a link asked for that the page replaced.
import { keyName } from './state.js';

const $ = (selector) => document.querySelector(selector);

export function setStatus(text, message = '') {
  $('#status').textContent = text;
  $('#status').dataset.state = text.split(' ')[0];
  $('#message').textContent = message;
}

/** `cancellable`: Cancel is offered (not while a model downloads or loads: there is nothing to keep). */
export function showProgress(progress, cancellable = true) {
  const bar = $('#progress');
  bar.hidden = !progress;
  $('#cancel').hidden = !progress || !cancellable;
  $('#progress-label').textContent = progress ? progressLabel(progress) : '';
  if (progress?.total) {
    bar.max = progress.total;
    bar.value = progress.done;
  } else if (progress) {
    bar.removeAttribute('value');  // no total (a server without Content-Length): a bar that claims no share
  }
}

// Every long action says how far it is: "evaluating prompts: 7 of 20".
function progressLabel(p) {
  if (/\d+ of \d+/.test(p.label) || !(p.total > 1)) return p.label;
  return `${p.label}: ${Math.min(p.done + 1, p.total)} of ${p.total}`;
}

/** What a link asked for that the page could not use, and what it shows instead: [{key, raw, used} | {text}]. */
export function showCorrections(list) {
  const said = list.map((c) => c.text ?? (c.key === 'model'
    ? `This link was made with ${c.raw}: load that file ("Load your own model…") to see its numbers; showing ${c.used}.`
    : `The link asked for ${keyName(c.key)} = ${c.raw}, which does not fit: showing ${c.used}.`));
  $('#notice').textContent = said.join(' ');
}
