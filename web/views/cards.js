// Metric cards: KL, cosine, top-1, top-5 (with 95 % intervals over prompts) and parameter counts.
import { compact, metricText } from '../format.js';

const METRICS = ['kl', 'cosine', 'top1', 'top5'];
const RANGES = { kl: [0, Infinity], cosine: [-1, 1], top1: [0, 1], top5: [0, 1] };

/** `metrics` holds plain numbers (one prompt) or {mean, low, high} intervals (all 20). */
export function renderMetrics(root, metrics) {
  for (const name of METRICS) {
    const value = root.querySelector(`[data-testid="metric-${name}"]`);
    const interval = root.querySelector(`#interval-${name}`);
    const m = metrics?.[name];
    if (m === undefined) {
      value.textContent = '–';
      interval.textContent = '';
    } else if (typeof m === 'number') {
      value.textContent = metricText(m);
      interval.textContent = '';
    } else {
      // The t interval is symmetric; the metric is not: KL ≥ 0, cosine in [−1, 1], shares in [0, 1].
      const [min, max] = RANGES[name];
      value.textContent = metricText(m.mean);
      interval.textContent = `[${Math.max(min, m.low).toFixed(3)}, ${Math.min(max, m.high).toFixed(3)}]`;
      interval.title = '95 % interval of the mean over the prompts';
    }
  }
}

export function renderParameters(root, p) {
  const set = (selector, text, title) => {
    const el = root.querySelector(selector);
    el.textContent = text;
    if (title) el.title = title;
  };
  set('[data-testid="params-teacher"]', String(p.teacherTotal), compact(p.teacherTotal));
  set('[data-testid="params-student"]', String(p.studentTotal), compact(p.studentTotal));
  set('#mlp-teacher', compact(p.teacherMlp));
  set('#mlp-student', compact(p.studentMlp));
  const ratio = p.teacherMlp / p.studentMlp;
  set('#compression', `${ratio.toFixed(ratio < 10 ? 2 : 1)}× MLP, ${(p.teacherTotal / p.studentTotal).toFixed(2)}× total`);
}
