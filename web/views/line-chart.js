// A chart of values against the block size B (uPlot, log2 axis), with a legend of our own that names
// each drawn series with its line style and its value at the current B (the value the tour and the
// questions quote). Text is 14 px on a screen and 20 px in projector mode; the current B is marked.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const mode = () => (document.body.classList.contains('present') ? 'present'
  : document.body.classList.contains('embed') ? 'embed' : 'screen');
/** Size of a chart's text in px, by page mode. */
export const chartFontPx = () => (mode() === 'present' ? 20 : 14);
const HEIGHT = { screen: 250, present: 300, embed: 175 };

/**
 * series: [{key, label, colour, dash?, width?, format(v) → text, band?: [lowKey, highKey], hidden?}];
 * a series with `hidden` only feeds a band. yRange(min, max) → [lo, hi].
 */
export class LineChart {
  constructor(container, legend, { yLabel, yRange, series }) {
    this.container = container;
    this.legend = legend;
    this.yLabel = yLabel;
    this.yRange = yRange;
    this.series = series;
    this.blocks = [];
    this.columns = new Map();  // key → values aligned with blocks (null where none)
    this.notes = new Map();    // key → a word after the label, e.g. "this student"
    this.current = 1;
    this.plot = null;
    this.mode = null;
    new ResizeObserver(() => this.resize()).observe(container);
  }

  width() { return Math.max(220, this.container.clientWidth); }

  options() {
    const font = chartFontPx();
    const axisFont = `${font}px system-ui, sans-serif`;
    const labelFont = `600 ${font}px system-ui, sans-serif`;
    const markCurrent = (u) => {
      const x = u.valToPos(this.current, 'x', true);
      const { ctx, bbox } = u;
      ctx.save();
      ctx.setLineDash([]);
      ctx.strokeStyle = '#f39c12';
      ctx.lineWidth = 3 * devicePixelRatio;
      ctx.beginPath();
      ctx.moveTo(x, bbox.top);
      ctx.lineTo(x, bbox.top + bbox.height);
      ctx.stroke();
      ctx.restore();
    };
    const index = new Map(this.series.map((s, i) => [s.key, i + 1]));
    return {
      width: this.width(),
      height: HEIGHT[mode()],
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: { x: { time: false, distr: 3, log: 2 }, y: { auto: true, range: (u, min, max) => this.yRange(min, max) } },
      axes: [
        { label: 'block size B', font: axisFont, labelFont, labelSize: font + 8, size: font + 18,
          values: (u, splits) => splits.map((v) => (v == null ? '' : String(v))) },
        { label: this.yLabel, font: axisFont, labelFont, labelSize: font + 8, size: font * 3 + 6 },
      ],
      series: [{ label: 'B' }, ...this.series.map((s) => ({
        label: s.label, stroke: s.hidden ? 'transparent' : s.colour, width: s.hidden ? 0 : (s.width ?? 2),
        dash: s.dash, spanGaps: true, points: { show: !s.hidden && !s.dash, size: font / 2 + 3 },
      }))],
      bands: this.series.filter((s) => s.band).map((s) => ({
        series: [index.get(s.band[1]), index.get(s.band[0])], fill: `${s.colour}33` })),
      hooks: { draw: [markCurrent] },
    };
  }

  data() {
    return [this.blocks, ...this.series.map((s) => this.columns.get(s.key) ?? this.blocks.map(() => null))];
  }

  /** Replaces the values: columns maps a series key to values aligned with `blocks`. */
  setData(blocks, columns, notes = new Map()) {
    this.blocks = blocks;
    this.columns = columns;
    this.notes = notes;
    this.draw();
  }

  mark(block) {
    this.current = block;
    this.plot?.redraw(false, false);
    this.renderLegend();
  }

  /** The value of a series at a block, or null. */
  value(key, block) {
    const i = this.blocks.indexOf(block);
    return i < 0 ? null : this.columns.get(key)?.[i] ?? null;
  }

  draw() {
    // Projector and embed modes size the text and the plot: a change of mode builds it again.
    if (this.plot && this.mode !== mode()) {
      this.plot.destroy();
      this.plot = null;
    }
    this.mode = mode();
    if (!this.plot) this.plot = new uPlot(this.options(), this.data(), this.container);
    else this.plot.setData(this.data());
    this.series.forEach((s, i) => {
      const show = !s.hidden && (this.columns.get(s.key) ?? []).some((v) => v != null);
      if (this.plot.series[i + 1].show !== (show || !!s.hidden)) this.plot.setSeries(i + 1, { show: show || !!s.hidden });
    });
    this.renderLegend();
  }

  resize() {
    if (!this.plot) return;
    if (this.mode !== mode()) this.draw();
    else this.plot.setSize({ width: this.width(), height: HEIGHT[this.mode] });
  }

  // One entry per drawn series: its line, its name, its value at the current B.
  renderLegend() {
    if (!this.legend) return;
    const items = [];
    const head = document.createElement('p');
    head.className = 'legend-head';
    head.replaceChildren(...(this.head ? this.head() : [`at B = ${this.current}`]));
    for (const s of this.series) {
      if (s.hidden || !(this.columns.get(s.key) ?? []).some((v) => v != null)) continue;
      const item = document.createElement('div');
      item.className = 'legend-item';
      item.dataset.series = s.key;
      const line = document.createElement('span');
      line.className = 'legend-line';
      line.style.borderTop = `${Math.max(3, s.width ?? 2)}px ${s.dash ? (s.dash[0] <= 3 ? 'dotted' : 'dashed') : 'solid'} ${s.colour}`;
      const label = document.createElement('span');
      label.className = 'legend-label';
      label.textContent = s.label + (this.notes.get(s.key) ? ` (${this.notes.get(s.key)})` : '');
      const value = document.createElement('span');
      value.className = 'legend-value';
      value.dataset.series = s.key;
      const v = this.value(s.key, this.current);
      value.textContent = v == null ? '–' : s.format(v, this.current);
      item.append(line, label, value);
      items.push(item);
    }
    this.legend.replaceChildren(head, ...items);
  }
}
