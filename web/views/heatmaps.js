// Structure view: a block of a teacher's weight matrix, the student's same block (circulant,
// low-rank, zero or the teacher's own) and the difference, as heatmaps.

// Diverging colour map around 0 (blue negative, white 0, red positive), one scale for all three
// maps so the difference reads against the weights themselves.
function colour(v, scale) {
  const t = Math.max(-1, Math.min(1, v / scale));
  const a = Math.abs(t);
  return t >= 0 ? [255, 255 * (1 - a), 255 * (1 - a)] : [255 * (1 - a), 255 * (1 - a), 255];
}

function paint(canvas, values, size, scale) {
  canvas.width = size;
  canvas.height = size;
  const context = canvas.getContext('2d');
  const image = context.createImageData(size, size);
  for (let i = 0; i < size * size; ++i) {
    const [r, g, b] = colour(values[i], scale);
    image.data.set([r, g, b, 255], i * 4);
  }
  context.putImageData(image, 0, 0);
}

const largest = (values) => values.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;

const range = (values) => `from ${Math.min(...values).toFixed(3)} to ${Math.max(...values).toFixed(3)}`;

/** Returns how much the student's map is magnified (its own scale, else a circulant's diagonals are faint). */
export function renderHeatmaps(canvases, view, what) {
  const scale = largest(view.dense);
  const studentScale = largest(view.student);
  // What a screen reader says of each map: which block, and the range of its values.
  canvases.dense.setAttribute('aria-label', `${what}, teacher: ${view.size}×${view.size} weights ${range(view.dense)}`);
  canvases.student.setAttribute('aria-label', `${what}, student: ${range(view.student)}`);
  canvases.difference.setAttribute('aria-label', `${what}, difference: ${range(view.difference)}`);
  paint(canvases.dense, view.dense, view.size, scale);
  paint(canvases.student, view.student, view.size, studentScale);
  paint(canvases.difference, view.difference, view.size, scale);
  return scale / studentScale;
}
