// The tour's panel: title, sentences with their numbers (each tagged with where it shows on screen),
// step count; computing numbers show as "…".
import { TOUR } from '../tour.js';

export function renderTour(panel, step, parts) {
  panel.hidden = step === 0;
  if (step === 0) return;
  panel.querySelector('#tour-title').textContent = `${step}. ${TOUR[step - 1].title}`;
  const body = panel.querySelector('#tour-body');
  body.replaceChildren(...parts.map((part) => {
    if (typeof part === 'string') return document.createTextNode(part);
    const b = document.createElement('b');
    b.className = 'fact';
    if (!part) {
      b.textContent = '…';
      b.dataset.pending = '1';
      return b;
    }
    b.textContent = part.text;
    b.dataset.fact = String(part.value);
    b.dataset.source = part.source;
    return b;
  }));
  panel.querySelector('#tour-step').textContent = `step ${step} of ${TOUR.length}`;
  panel.querySelector('#tour-prev').disabled = step === 1;
  panel.querySelector('#tour-next').disabled = step === TOUR.length;
}
