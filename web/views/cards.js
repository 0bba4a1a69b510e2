// Metric cards: KL, cosine, top-1, top-5 (with 95 % intervals over prompts) and parameter counts.
// Each value element holds its figure as text and the plain number in data-value.
import { compact, metricText } from '../format.js';

const METRICS = ['kl', 'cosine', 'top1', 'top5'];
const RANGES = { kl: [0, Infinity], cosine: [-1, 1], top1: [0, 1], top5: [0, 1] };

/** `metrics` holds plain numbers (one prompt) or {mean, low, high} intervals (all 20). */
export function renderMetrics(root, metrics) {
  for (const name of METRICS) {
    const value = root.querySelector(`[data-testid="metric-${name}"]`);
    const interval = root.querySelector(`#interval-${name}`);
    const m = metrics?.[name];
    const mean = typeof m === 'number' ? m : m?.mean;
    // A share's "%" is set smaller, so four cards of 48 px figures fit a projector's width.
    const text = metricText(name, mean);
    const unit = text.endsWith(' %') ? document.createElement('span') : null;
    if (unit) {
      unit.className = 'unit';
      unit.textContent = ' %';
      value.replaceChildren(text.slice(0, -2), unit);
    } else {
      value.textContent = text;
    }
    value.dataset.value = Number.isFinite(mean) ? String(mean) : '';
    if (m === undefined || typeof m === 'number') {
      interval.textContent = '';
      continue;
    }
    // The t interval is symmetric; the metric is not: KL ≥ 0, cosine in [−1, 1], shares in [0, 1].
    const [min, max] = RANGES[name];
    interval.textContent = `[${metricText(name, Math.max(min, m.low))}, ${metricText(name, Math.min(max, m.high))}]`;
    interval.title = '95 % interval of the mean over the prompts';
  }
}

export function renderParameters(root, p) {
  const set = (selector, text, title) => {
    const el = root.querySelector(selector);
    el.textContent = text;
    if (title) el.title = title;
  };
  set('[data-testid="params-teacher"]', compact(p.teacherTotal), String(p.teacherTotal));
  set('[data-testid="params-student"]', compact(p.studentTotal), String(p.studentTotal));
  root.querySelector('[data-testid="params-student"]').dataset.value = String(p.studentTotal);
  root.querySelector('[data-testid="params-teacher"]').dataset.value = String(p.teacherTotal);
  set('#mlp-teacher', compact(p.teacherMlp));
  set('#mlp-student', compact(p.studentMlp));
  const kept = p.studentMlp / p.teacherMlp;
  set('#compression', `the student keeps ${(kept * 100).toFixed(kept < 0.1 ? 1 : 0)} % of the MLP numbers, ` +
    `${((p.studentTotal / p.teacherTotal) * 100).toFixed(0)} % of all`);
}
