// Sweep chart (uPlot): each metric and the student's MLP parameters against B on a log2 axis,
// the current B marked; the KL of reference students of the same layers and matrices beside the
// plan's (Frobenius, distilled, and the floor where the MLP is removed).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { compact } from '../format.js';

const COLOURS = { kl: '#d64541', cosine: '#2e7d32', top1: '#1565c0', top5: '#8e44ad', params: '#6d6d6d',
  frobenius: '#e67e22', distilled: '#6a1b9a', removed: '#212121' };
const REFERENCES = ['frobenius', 'distilled', 'removed'];

export class SweepChart {
  constructor(container) {
    this.container = container;
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
    const fraction = (u, v) => (v == null ? '–' : v.toFixed(3));
    return {
      width,
      height: 210,
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false, distr: 3, log: 2 }, kl: { auto: true }, frac: { auto: false, range: [0, 1] } },
      axes: [
        { label: 'block size B', labelSize: 18, size: 36, values: (u, splits) => splits.map((v) => (v == null ? '' : String(v))) },
        { scale: 'kl', label: 'KL (nats)', labelSize: 18, size: 46, stroke: COLOURS.kl },
        { scale: 'frac', side: 1, label: 'fraction', labelSize: 18, size: 40, grid: { show: false } },
      ],
      series: [
        { label: 'B', value: (u, v) => (v == null ? '–' : String(v)) },
        { label: 'KL', scale: 'kl', stroke: COLOURS.kl, width: 2, value: fraction, points: { size: 5 } },
        { label: 'KL Frobenius', scale: 'kl', stroke: COLOURS.frobenius, width: 2, dash: [8, 4], value: fraction, spanGaps: true },
        { label: 'KL distilled', scale: 'kl', stroke: COLOURS.distilled, width: 2.5, value: fraction, spanGaps: true,
          points: { size: 5 } },
        { label: 'KL MLP removed', scale: 'kl', stroke: COLOURS.removed, width: 1.5, dash: [2, 4], value: fraction },
        { label: 'cosine', scale: 'frac', stroke: COLOURS.cosine, width: 2, value: fraction },
        { label: 'top-1', scale: 'frac', stroke: COLOURS.top1, width: 2, value: fraction },
        { label: 'top-5', scale: 'frac', stroke: COLOURS.top5, width: 2, value: fraction },
        { label: 'MLP params', scale: 'frac', stroke: COLOURS.params, width: 2, dash: [6, 4],
          value: (u, v) => (v == null ? '–' : compact(v * this.teacherMlp)) },
      ],
      hooks: { draw: [markCurrent] },
    };
  }

  data() {
    const rows = this.blocks.map((b) => this.rows.get(b));
    const pick = (f) => rows.map((r) => (r ? f(r) : null));
    const reference = (name) => {
      const rows = this.references.get(name);
      const floor = name === 'removed' && rows.size ? [...rows.values()][0].kl.mean : null;
      return this.blocks.map((b) => (floor ?? rows.get(b)?.kl.mean ?? null));
    };
    return [
      this.blocks,
      pick((r) => r.kl.mean),
      reference('frobenius'),
      reference('distilled'),
      reference('removed'),
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
  }

  redraw() {
    const width = Math.max(240, this.container.clientWidth);
    if (!this.plot) this.plot = new uPlot(this.options(width), this.data(), this.container);
    else this.plot.setData(this.data());
  }

  resize() {
    if (this.plot) this.plot.setSize({ width: Math.max(240, this.container.clientWidth), height: 210 });
  }
}
