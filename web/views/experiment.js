// The experiment panel: an experiment's title, what it measures, and its rows as a table. Cells
// that hold a number a sentence quotes carry data-fact; returns those numbers by name.
export function renderExperiment(panel, definition, rows) {
  panel.querySelector('#experiment-title').textContent = definition.title;
  panel.querySelector('#experiment-about').textContent = definition.about;
  const table = document.createElement('table');
  table.className = 'experiment-table';
  const head = document.createElement('tr');
  for (const c of definition.columns) {
    const th = document.createElement('th');
    th.textContent = c;
    head.append(th);
  }
  table.append(head);
  const facts = {};
  for (const row of rows) {
    const tr = document.createElement('tr');
    if (row.label) {
      const th = document.createElement('th');
      th.textContent = row.label;
      tr.append(th);
    }
    for (const c of row.cells) {
      const td = document.createElement('td');
      td.textContent = c.text;
      if (c.className) td.className = c.className;
      if (c.fact && Number.isFinite(c.value)) {
        td.dataset.fact = c.fact;
        facts[c.fact] = { value: c.value, format: c.format };
      }
      tr.append(td);
    }
    table.append(tr);
  }
  panel.querySelector('#experiment-body').replaceChildren(table);
  return facts;
}

export function renderExperimentPending(panel, definition, message = 'measuring…') {
  panel.querySelector('#experiment-title').textContent = definition.title;
  panel.querySelector('#experiment-about').textContent = definition.about;
  const p = document.createElement('p');
  p.className = 'note';
  p.textContent = message;
  panel.querySelector('#experiment-body').replaceChildren(p);
}
