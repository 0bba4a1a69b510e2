// Number formats shared by the views and the guide's sentences: a sentence quotes a number in the
// same words as the element that shows it.

/** v with d decimals, or "–" when there is no number (never "NaN"). */
export const fixed = (v, d) => (Number.isFinite(v) ? v.toFixed(d) : '–');

/** A metric card's figure: KL and cosine with 3 decimals, shares in percent. */
export const metricText = (name, v) => (name === 'top1' || name === 'top5' ? percentText(v) : fixed(v, 3));

/** 0.55 → "55 %", 0.2763 → "27.6 %". */
export function percentText(v) {
  if (!Number.isFinite(v)) return '–';
  const p = v * 100;
  return Math.abs(p - Math.round(p)) < 1e-6 ? `${Math.round(p)} %` : `${p.toFixed(1)} %`;
}

/** 4718592 → "4.72 M" */
export function compact(n) {
  if (!Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (Math.abs(n) >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(Math.round(n));
}

export const percent = (v) => (Number.isFinite(v) ? `${(v * 100).toFixed(0)} %` : '–');

/** Tokens per second, whole, with a thousands separator: "1,368". */
export const rate = (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–');

/** A speed-up: "3.12×". */
export const times = (v) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : '–');
