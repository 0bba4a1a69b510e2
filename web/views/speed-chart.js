// Speed against B: the student's decode and prefill speed as a multiple of the teacher's (median of
// the runs, the band their range), beside the teacher's own 1×, and the same as a table.
import { times } from '../format.js';
import { LineChart } from './line-chart.js';

const SERIES = [
  { key: 'teacher', label: 'teacher', colour: '#555555', dash: [6, 4], width: 2, format: times },
  { key: 'decode', label: 'decode', colour: '#d62728', width: 3, band: ['decodeLow', 'decodeHigh'], format: times },
  { key: 'decodeLow', hidden: true },
  { key: 'decodeHigh', hidden: true },
  { key: 'prefill', label: 'prefill', colour: '#1976d2', width: 2.5, band: ['prefillLow', 'prefillHigh'], format: times },
  { key: 'prefillLow', hidden: true },
  { key: 'prefillHigh', hidden: true },
];

export class SpeedChart {
  constructor(container, legend, table) {
    this.chart = new LineChart(container, legend, {
      yLabel: 'student ÷ teacher',
      yRange: (min, max) => [0, Math.max(1.5, (max ?? 1) * 1.08)],
      series: SERIES,
    });
    this.table = table;
    this.blocks = [];
    this.rows = new Map();  // block → {teacher, student, speedup} (web/engine-host.js speed)
  }

  reset(blocks) {
    this.blocks = blocks;
    this.rows.clear();
    this.redraw();
  }

  addRow(row) {
    this.rows.set(row.block, row);
    this.redraw();
  }

  row(block) { return this.rows.get(block) ?? null; }

  mark(block) { this.chart.mark(block); }

  resize() { this.chart.resize(); }

  redraw() {
    const column = (of) => this.blocks.map((b) => (this.rows.has(b) ? of(this.rows.get(b)) : null));
    this.chart.setData(this.blocks, new Map([
      ['teacher', column(() => 1)],
      ['decode', column((r) => r.speedup.decode.median)],
      ['decodeLow', column((r) => r.speedup.decode.low)],
      ['decodeHigh', column((r) => r.speedup.decode.high)],
      ['prefill', column((r) => r.speedup.prefill.median)],
      ['prefillLow', column((r) => r.speedup.prefill.low)],
      ['prefillHigh', column((r) => r.speedup.prefill.high)],
    ]));
    this.renderTable();
  }

  renderTable() {
    const cell = (tag, text) => {
      const el = document.createElement(tag);
      el.textContent = text;
      return el;
    };
    const range = (s) => `${times(s.median)} (${times(s.low)}–${times(s.high)})`;
    const head = document.createElement('tr');
    head.append(...['B', 'decode ÷ teacher', 'prefill ÷ teacher'].map((h) => cell('th', h)));
    const body = this.blocks.filter((b) => this.rows.has(b)).map((b) => {
      const r = this.rows.get(b);
      const tr = document.createElement('tr');
      tr.append(cell('th', String(b)), cell('td', range(r.speedup.decode)), cell('td', range(r.speedup.prefill)));
      return tr;
    });
    this.table.replaceChildren(head, ...body);
  }
}
