// The frame every "for every B" chart sits in: the chart (an image to a screen reader, whose label
// says where its numbers are), its legend below it and, where the host asks for one, the same
// numbers as a table behind a "The same as a table" summary. index.html declares only the host:
//   <div data-chart="sweep" data-label="…" data-table></div>
// and this builds #sweep-chart, #sweep-legend (test id sweep-legend) and #sweep-table in it.
export function chartFrame(host) {
  const name = host.dataset.chart;
  const make = (tag, props) => Object.assign(document.createElement(tag), props);
  host.classList.add('chart-with-legend');
  const chart = make('div', { id: `${name}-chart`, className: 'chart' });
  chart.setAttribute('role', 'img');
  chart.setAttribute('aria-label', host.dataset.label);
  const legend = make('div', { id: `${name}-legend`, className: 'legend' });
  legend.dataset.testid = `${name}-legend`;
  host.append(chart, legend);
  let table = null;
  if ('table' in host.dataset) {
    table = make('table', { id: `${name}-table` });
    const details = make('details', { className: 'as-table' });
    details.append(make('summary', { textContent: 'The same as a table' }), table);
    host.after(details);
  }
  return { chart, legend, table };
}
