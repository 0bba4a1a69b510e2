// The prompt as token chips, each coloured by the KL of the prediction made at that position, on a
// scale that follows this prompt's KL (so a drifting student is not one flat red), with its legend.

const LIGHT = [253, 236, 234];  // 0 nats
const DARK = [183, 28, 28];     // the scale's top

// Square-root scale from 0 to `top` nats, so small drifts stay visible beside large ones.
function shade(kl, top) {
  const t = Math.min(1, Math.sqrt(Math.max(0, kl) / top));
  return LIGHT.map((c, i) => Math.round(c + (DARK[i] - c) * t));
}
export const klColour = (kl, top) => `rgb(${shade(kl, top).join(', ')})`;

// Black or white text, whichever reads better on the chip (WCAG relative luminance).
function ink(rgb) {
  const [r, g, b] = rgb.map((c) => {
    const v = c / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.179 ? '#000' : '#fff';
}

// The scale's top: the largest KL of the prompt, rounded up to a readable number, at least 0.01.
function scaleTop(positions) {
  const max = Math.max(0.01, ...positions.map((p) => p.kl));
  const magnitude = 10 ** Math.floor(Math.log10(max));
  return Math.ceil(max / magnitude) * magnitude;
}

export function renderChips(container, analysis, legend) {
  const top = scaleTop(analysis.positions);
  container.replaceChildren();
  analysis.pieces.forEach((piece, i) => {
    const chip = document.createElement('span');
    const m = analysis.positions[i];
    chip.className = piece ? 'chip' : 'chip part';  // "": a byte of a character the next chip completes
    chip.textContent = piece;  // user text: always as text, never as HTML
    chip.style.background = klColour(m.kl, top);
    chip.style.color = ink(shade(m.kl, top));
    chip.title = `token ${i} (id ${analysis.tokens[i]}): KL ${m.kl.toFixed(4)}, ` +
      `top-1 ${m.top1 ? 'agrees' : 'differs'}, top-5 overlap ${m.top5.toFixed(1)}` +
      (piece ? '' : ' (one byte of the character shown on the next chip)');
    container.append(chip);
  });
  if (!legend) return;
  const bar = document.createElement('span');
  bar.className = 'scale';
  bar.style.background = `linear-gradient(to right, ${klColour(0, top)}, ${klColour(top / 4, top)}, ${klColour(top, top)})`;
  legend.replaceChildren('KL 0 ', bar, ` ${top} nats`);
}
