// Live distillation chart (uPlot): KL of each step's calibration batch and, every few steps, the
// held-out KL (20 lecture prompts, all positions) against the step.
import uPlot from 'uplot';

export class DistillChart {
  constructor(container) {
    this.container = container;
    this.points = [];  // {step, batchKl, heldOutKl?}
    this.plot = null;
    new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: 190 })).observe(container);
  }

  width() { return Math.max(240, this.container.clientWidth); }

  options() {
    const value = (u, v) => (v == null ? '–' : v.toFixed(3));
    return {
      width: this.width(),
      height: 190,
      legend: { live: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false }, y: { auto: true, range: (u, min, max) => [0, Math.max(0.5, max * 1.05)] } },
      axes: [{ label: 'step', labelSize: 18, size: 36 }, { label: 'KL (nats)', labelSize: 18, size: 46 }],
      series: [
        { label: 'step' },
        { label: 'calibration batch', stroke: '#c0392b', width: 1.5, value, spanGaps: true },
        { label: 'held-out (lecture prompts)', stroke: '#1565c0', width: 2.5, value, spanGaps: true,
          points: { size: 6 } },
      ],
    };
  }

  data() {
    return [this.points.map((p) => p.step), this.points.map((p) => p.batchKl),
      this.points.map((p) => p.heldOutKl ?? null)];
  }

  reset() {
    this.points = [];
    this.draw();
  }

  add(point) {
    if (this.points.length && point.step <= this.points[this.points.length - 1].step) this.points = [];
    this.points.push(point);
    this.draw();
  }

  draw() {
    if (!this.plot) this.plot = new uPlot(this.options(), this.data(), this.container);
    else this.plot.setData(this.data());
  }
}
