// The prompt as token chips, each coloured by the KL of the prediction made at that position.

// Colour saturates at 1 nat (a clearly different distribution); the scale is square-root so small
// drifts stay visible.
export const klColour = (kl) => {
  const t = Math.min(1, Math.sqrt(Math.max(0, kl)));
  return `rgba(214, 69, 65, ${(0.06 + 0.84 * t).toFixed(3)})`;
};

export function renderChips(container, analysis) {
  container.replaceChildren();
  analysis.pieces.forEach((piece, i) => {
    const chip = document.createElement('span');
    const m = analysis.positions[i];
    chip.className = 'chip';
    chip.textContent = piece;  // user text: always as text, never as HTML
    chip.style.background = klColour(m.kl);
    chip.title = `token ${i} (id ${analysis.tokens[i]}): KL ${m.kl.toFixed(4)}, ` +
      `top-1 ${m.top1 ? 'agrees' : 'differs'}, top-5 overlap ${m.top5.toFixed(1)}`;
    container.append(chip);
  });
}
