// Number formats shared by the views (plain numbers in test hooks, friendly ones in captions).

/** The plain text a metric element holds, e.g. 0.4821 (tests read it back with Number()). */
export const metricText = (v) => (Number.isFinite(v) ? v.toFixed(4) : '–');

/** 4718592 → "4.72 M" */
export function compact(n) {
  if (!Number.isFinite(n)) return '–';
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (Math.abs(n) >= 1e3) return `${(n / 1e3).toFixed(1)} k`;
  return String(Math.round(n));
}

export const percent = (v) => (Number.isFinite(v) ? `${(v * 100).toFixed(0)} %` : '–');

export const rate = (v) => (Number.isFinite(v) ? v.toFixed(0) : '–');
