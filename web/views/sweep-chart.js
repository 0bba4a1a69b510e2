// The sweep over B: KL of each student (this one and the references of web/series.js) in one chart,
// this student's cosine, top-1, top-5 and share of MLP numbers kept in a second, and both as a
// table (the charts' text alternative). Rows arrive one at a time as the worker computes them.
import { compact, fixed, percentText } from '../format.js';
import { SERIES } from '../series.js';
import { LineChart } from './line-chart.js';

const AGREEMENT = [
  { key: 'cosine', label: 'cosine', colour: '#2e7d32', width: 2.5, format: (v) => fixed(v, 3), of: (r) => r.cosine.mean },
  { key: 'top1', label: 'top-1', colour: '#c2185b', width: 2.5, format: percentText, of: (r) => r.top1.mean },
  { key: 'top5', label: 'top-5', colour: '#6d4c41', width: 2.5, format: percentText, of: (r) => r.top5.mean },
  { key: 'kept', label: 'MLP numbers kept', colour: '#757575', dash: [8, 4], width: 2, format: percentText,
    of: (r) => r.parameters.studentMlp / r.parameters.teacherMlp },
];

export class SweepCharts {
  constructor({ klChart, klLegend, agreementChart, agreementLegend, table }) {
    this.kl = new LineChart(klChart, klLegend, {
      yLabel: 'KL (nats)',
      yRange: (min, max) => [0, Math.max(0.5, (max ?? 0) * 1.08)],
      series: SERIES.map((s) => ({ ...s, format: (v) => fixed(v, 3) })),
    });
    // Fractions live in [0, 1], but a cosine can be negative: the axis follows the data.
    this.agreement = new LineChart(agreementChart, agreementLegend, {
      yLabel: 'share (1 = teacher)',
      yRange: (min, max) => [Math.min(0, Math.floor((min ?? 0) * 10) / 10), Math.max(1, max ?? 1)],
      series: AGREEMENT,
    });
    this.table = table;
    this.blocks = [];
    this.own = 'plan';
    this.series = new Map(SERIES.map((s) => [s.key, new Map()]));  // series → block → row
  }

  /** Starts a fresh sweep over `blocks`; `own` is the series that is the student on screen. */
  reset(blocks, own) {
    this.blocks = blocks;
    this.own = own;
    for (const rows of this.series.values()) rows.clear();
    this.redraw();
  }

  addRow(row) {
    this.series.get(row.series)?.set(row.block, row);
    this.redraw();
  }

  /** Rows of one series, block → row (the removed series has one row for every B). */
  rows(series) { return this.series.get(series); }

  /** A series' row at a block. */
  row(series, block) {
    const rows = this.series.get(series);
    return series === 'removed' ? [...rows.values()][0] : rows?.get(block);
  }

  mark(block) {
    this.kl.mark(block);
    this.agreement.mark(block);
  }

  resize() {
    this.kl.resize();
    this.agreement.resize();
  }

  redraw() {
    // B = 1 is the teacher for every student: a series with nothing beyond it is not drawn (a
    // distilled reference before anything was distilled for these layers).
    const beyondTeacher = (series) => series === 'removed' || [...this.series.get(series).keys()].some((b) => b > 1);
    const column = (series, of) => this.blocks.map((b) => {
      const r = beyondTeacher(series) ? this.row(series, b) : null;
      return r ? of(r) : null;
    });
    const notes = new Map([[this.own, this.own === 'plan' ? '' : 'this student']]);
    this.kl.setData(this.blocks, new Map(SERIES.map((s) => [s.key, column(s.key, (r) => r.kl.mean)])), notes);
    this.agreement.setData(this.blocks, new Map(AGREEMENT.map((a) => [a.key, column(this.own, a.of)])));
    this.renderTable();
  }

  // One row per B; KL cells name their series and block.
  renderTable() {
    if (!this.table) return;
    const cell = (tag, text, attrs = {}) => {
      const el = document.createElement(tag);
      el.textContent = text;
      for (const [k, v] of Object.entries(attrs)) el.dataset[k] = v;
      return el;
    };
    const drawn = SERIES.filter((s) => this.series.get(s.key).size);
    const head = document.createElement('tr');
    head.append(cell('th', 'B'), ...drawn.map((s) => cell('th', `KL ${s.label}`)),
      ...AGREEMENT.map((a) => cell('th', a.label)), cell('th', 'MLP numbers'));
    const body = this.blocks.map((b) => {
      const tr = document.createElement('tr');
      tr.append(cell('th', String(b)));
      for (const s of drawn) {
        const r = this.row(s.key, b);
        tr.append(cell('td', r ? fixed(r.kl.mean, 3) : '–', { series: s.key, block: String(b) }));
      }
      const own = this.row(this.own, b);
      for (const a of AGREEMENT) tr.append(cell('td', own ? a.format(a.of(own)) : '–'));
      tr.append(cell('td', own ? compact(own.parameters.studentMlp) : '–'));
      return tr;
    });
    this.table.replaceChildren(head, ...body);
  }
}
