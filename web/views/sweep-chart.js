// Sweep chart (uPlot): each metric and the student's MLP parameters against B on a log2 axis,
// the current B marked and its values in the legend; the KL of reference students of the same
// layers and matrices beside the plan's (Frobenius, distilled, and the floor where the MLP is
// removed). The same numbers fill a table, the chart's text alternative.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { compact } from '../format.js';

const COLOURS = { kl: '#d64541', cosine: '#2e7d32', top1: '#1565c0', top5: '#8e44ad', params: '#6d6d6d',
  frobenius: '#e67e22', distilled: '#6a1b9a', removed: '#212121' };
const REFERENCES = ['frobenius', 'distilled', 'removed'];
// Shorter in projector mode, where the chart shares one screen with the cards and the tour.
const height = () => (document.body.classList.contains('present') ? 150 : 230);

export class SweepChart {
  constructor(container, table) {
    this.container = container;
    this.table = table;
    this.blocks = [];
    this.rows = new Map();   // block → sweep row of the plan (see web/worker.js)
    this.references = new Map(REFERENCES.map((name) => [name, new Map()]));  // series → block → row
    this.teacherMlp = 0;
    this.currentBlock = 1;
    this.plot = null;
    new ResizeObserver(() => this.resize()).observe(container);
  }

  options(width) {
    const markCurrent = (u) => {
      const x = u.valToPos(this.currentBlock, 'x', true);
      const { ctx, bbox } = u;
      ctx.save();
      ctx.strokeStyle = '#f39c12';
      ctx.lineWidth = 3 * devicePixelRatio;
      ctx.beginPath();
      ctx.moveTo(x, bbox.top);
      ctx.lineTo(x, bbox.top + bbox.height);
      ctx.stroke();
      ctx.restore();
    };
    // Without the cursor on the chart, the legend shows the current B's values.
    const pinLegend = (u) => {
      if (u.cursor.idx == null && this.blocks.length) u.setLegend({ idx: this.blocks.indexOf(this.currentBlock) });
    };
    const value = (u, v) => (v == null ? '–' : v.toFixed(3));
    return {
      width,
      height: height(),
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: false, distr: 3, log: 2 },
        kl: { auto: true, range: (u, min, max) => [0, Math.max(0.1, max * 1.05)] },  // KL ≥ 0
        // Fractions live in [0, 1], but a cosine can be negative: the axis follows the data.
        frac: { auto: true, range: (u, min, max) => [Math.min(0, Math.floor(min * 10) / 10), Math.max(1, max)] },
      },
      axes: [
        { label: 'block size B', labelSize: 18, size: 36, values: (u, splits) => splits.map((v) => (v == null ? '' : String(v))) },
        { scale: 'kl', label: 'KL (nats)', labelSize: 18, size: 46, stroke: COLOURS.kl },
        { scale: 'frac', side: 1, label: 'fraction', labelSize: 18, size: 44, grid: { show: false } },
      ],
      series: [
        { label: 'B', value: (u, v) => (v == null ? '–' : String(v)) },
        { label: 'KL', scale: 'kl', stroke: COLOURS.kl, width: 2, value, points: { size: 5 } },
        { label: 'KL Frobenius', scale: 'kl', stroke: COLOURS.frobenius, width: 2, dash: [8, 4], value, spanGaps: true },
        { label: 'KL distilled', scale: 'kl', stroke: COLOURS.distilled, width: 2.5, value, spanGaps: true, points: { size: 5 } },
        { label: 'KL MLP removed', scale: 'kl', stroke: COLOURS.removed, width: 1.5, dash: [2, 4], value },
        { label: 'cosine', scale: 'frac', stroke: COLOURS.cosine, width: 2, value },
        { label: 'top-1', scale: 'frac', stroke: COLOURS.top1, width: 2, value },
        { label: 'top-5', scale: 'frac', stroke: COLOURS.top5, width: 2, value },
        { label: 'MLP params', scale: 'frac', stroke: COLOURS.params, width: 2, dash: [6, 4],
          value: (u, v) => (v == null ? '–' : compact(v * this.teacherMlp)) },
      ],
      hooks: { draw: [markCurrent], setCursor: [pinLegend], setData: [pinLegend] },
    };
  }

  floor() {
    const rows = this.references.get('removed');
    return rows.size ? [...rows.values()][0].kl.mean : null;
  }

  data() {
    const rows = this.blocks.map((b) => this.rows.get(b));
    const pick = (f) => rows.map((r) => (r ? f(r) : null));
    const reference = (name) => this.blocks.map((b) => this.references.get(name).get(b)?.kl.mean ?? null);
    return [
      this.blocks,
      pick((r) => r.kl.mean),
      reference('frobenius'),
      reference('distilled'),
      this.blocks.map(() => this.floor()),
      pick((r) => r.cosine.mean),
      pick((r) => r.top1.mean),
      pick((r) => r.top5.mean),
      pick((r) => r.parameters.studentMlp / r.parameters.teacherMlp),
    ];
  }

  /** Starts a fresh sweep over `blocks` (rows arrive with addRow). */
  reset(blocks) {
    this.blocks = blocks;
    this.rows.clear();
    for (const rows of this.references.values()) rows.clear();
    this.redraw();
  }

  addRow(row) {
    if (row.series && row.series !== 'plan') {
      this.references.get(row.series)?.set(row.block, row);
    } else {
      this.teacherMlp = row.parameters.teacherMlp;
      this.rows.set(row.block, row);
    }
    this.redraw();
  }

  mark(block) {
    this.currentBlock = block;
    this.plot?.redraw(false, false);
    if (this.plot) this.plot.setLegend({ idx: this.blocks.indexOf(block) });
  }

  redraw() {
    const width = Math.max(240, this.container.clientWidth);
    const data = this.data();
    if (!this.plot) this.plot = new uPlot(this.options(width), data, this.container);
    else this.plot.setData(data);
    // A series with no point yet (a reference not computed for this plan) leaves the legend.
    data.slice(1).forEach((values, i) => {
      const show = values.some((v) => v != null);
      if (this.plot.series[i + 1].show !== show) this.plot.setSeries(i + 1, { show });
    });
    this.renderTable();
  }

  resize() {
    if (this.plot) this.plot.setSize({ width: Math.max(240, this.container.clientWidth), height: height() });
  }

  // One row per B; KL cells name their series and block (the tour quotes them).
  renderTable() {
    if (!this.table) return;
    const cell = (tag, text, attrs = {}) => {
      const el = document.createElement(tag);
      el.textContent = text;
      for (const [k, v] of Object.entries(attrs)) el.dataset[k] = v;
      return el;
    };
    const number = (v) => (Number.isFinite(v) ? v.toFixed(3) : '–');
    const head = document.createElement('tr');
    for (const h of ['B', 'KL', 'KL Frobenius', 'KL distilled', 'cosine', 'top-1', 'top-5', 'MLP params'])
      head.append(cell('th', h));
    const body = this.blocks.map((b) => {
      const r = this.rows.get(b);
      const tr = document.createElement('tr');
      tr.append(cell('th', String(b)), cell('td', number(r?.kl.mean), { series: 'plan', block: String(b) }));
      for (const name of ['frobenius', 'distilled'])
        tr.append(cell('td', number(this.references.get(name).get(b)?.kl.mean), { series: name, block: String(b) }));
      tr.append(cell('td', number(r?.cosine.mean)), cell('td', number(r?.top1.mean)), cell('td', number(r?.top5.mean)),
        cell('td', r ? compact(r.parameters.studentMlp) : '–', { series: 'params', block: String(b) }));
      return tr;
    });
    const floor = document.createElement('tr');
    floor.append(cell('th', 'any'), cell('td', number(this.floor()), { series: 'removed', block: 'all' }));
    const note = cell('td', 'MLP removed: the floor');
    note.colSpan = 6;
    floor.append(note);
    this.table.replaceChildren(head, ...body, floor);
  }
}
