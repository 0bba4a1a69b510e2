// The guide's panel (a tour step or a lecture question): title, a note when the visitor moved one
// of its settings, sentences whose numbers carry the element that shows them (data-source) and
// whose curves carry their legend entry (data-series-ref); numbers still computing show as "…".
export function renderGuide(panel, { title, counter, first, last, moved, parts, kind }) {
  panel.hidden = !title;
  if (!title) return;
  panel.classList.toggle('question', kind === 'q');
  panel.querySelector('#guide-title').textContent = title;
  const note = panel.querySelector('#guide-moved');
  note.hidden = !moved;
  note.textContent = moved || '';
  panel.querySelector('#guide-body').replaceChildren(...parts.map((part) => {
    if (typeof part === 'string') return document.createTextNode(part);
    if (part?.series) {
      const name = document.createElement('span');
      name.className = 'series-name';
      name.style.setProperty('--colour', part.colour);
      name.dataset.seriesRef = part.series;
      name.dataset.legend = part.legend;
      name.textContent = part.text;
      return name;
    }
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
  panel.querySelector('#guide-step').textContent = counter;
  panel.querySelector('#guide-prev').disabled = first;
  panel.querySelector('#guide-next').disabled = last;
}
