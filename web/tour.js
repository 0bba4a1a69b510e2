// The guided tour (URL key tour=N): each step is a state of the page and a few sentences whose
// numbers are read from what the engine computed for that state, never written in here. Each
// number names the element on screen that shows it (data-source), so a test can hold the two
// side by side. No DOM here: text() returns strings and facts, web/views/tour-panel.js renders.
import { compact } from './format.js';

/**
 * A number quoted in the tour: its value, its text (digits, or a formatter, as the element on
 * screen that shows it prints it), and that element.
 */
const fact = (value, format, source) => (Number.isFinite(value)
  ? { value, text: typeof format === 'function' ? format(value) : value.toFixed(format), source } : null);

const CARD = (metric) => `[data-testid="metric-${metric}"]`;
const SWEEP = (series, block) => `#sweep-table td[data-series="${series}"][data-block="${block}"]`;
const SPEED = (who) => `[data-testid="decode-${who}"]`;

// What a step may quote: the metrics of the cards (this prompt, at the positions chosen), speed,
// the structure view, and rows of the sweep (the plan and its reference students). `panel` is
// the display that shows a step's numbers: projector mode shows it beside the cards.
function facts(f) {
  const m = f.metrics;
  const kl = (series, block) => f.sweep?.[series]?.get(block)?.kl.mean;
  // Sweep numbers are quoted at the current B only, where the chart's legend shows them.
  return {
    kl: fact(m?.kl, 4, CARD('kl')),
    top1: fact(m?.top1, 4, CARD('top1')),
    cosine: fact(m?.cosine, 4, CARD('cosine')),
    decodeTeacher: fact(f.speed?.teacher.decode, 0, SPEED('teacher')),
    decodeStudent: fact(f.speed?.student.decode, 0, SPEED('student')),
    decodeRatio: fact(f.speed && f.speed.student.decode / f.speed.teacher.decode, 2, '[data-testid="decode-speedup"]'),
    relativeError: fact(f.structure?.relativeError, 3, '[data-testid="structure-note"]'),
    sweep: (series, block) => fact(kl(series, block), 3, SWEEP(series, block)),
    floor: fact(f.sweep?.removed && [...f.sweep.removed.values()][0]?.kl.mean, 3, SWEEP('removed', 'all')),
    mlpParams: fact(f.sweep?.plan?.get(f.block)?.parameters.studentMlp, compact, SWEEP('params', f.block)),
  };
}

const expected = (b) => Math.sqrt(1 - 1 / b).toFixed(3);

// Every step starts from these, so a step's numbers do not depend on the step before.
const BASE = { layers: 'all', matrices: ['gate', 'up', 'down'], structure: 'circulant', proj: 'frobenius',
  calib: 'heldout-32', positions: 'all', mode: 'prompt', vlayer: 0, vmatrix: 'gate', vrow: 0, vcol: 0 };

export const TOUR = [
  {
    title: 'A circulant block is one column, rolled',
    state: { ...BASE, B: 8 },
    panel: 'structure',
    text: (x) => ['In a circulant block every wrapped diagonal holds one number, so a B×B block stores B numbers ' +
      'instead of B². The three maps show one 8×8 block of layer 0\'s gate matrix, the circulant block nearest to it ' +
      '(each wrapped diagonal averaged) and what is lost. Over the whole matrix the projection misses ',
    x.relativeError, ` of the weights' norm; a matrix of random numbers would lose √(1 − 1/B) = ${expected(8)}.`],
  },
  {
    title: 'FFTs make it cheap, but not at B = 2',
    state: { ...BASE, B: 2 },
    panel: 'throughput',
    text: (x) => ['A circulant product is a convolution: an FFT, a multiply per frequency, an inverse FFT. At B = 2 ' +
      'the student stores half the MLP, yet decodes ', x.decodeStudent, ' tokens/s against the teacher\'s ',
    x.decodeTeacher, ' (', x.decodeRatio, '×): two tiny FFTs per block cost more than the 2×2 products they replace.'],
  },
  {
    title: '…and it pays at large B',
    state: { ...BASE, B: 64 },
    panel: 'throughput',
    text: (x) => ['At B = 64 the student decodes ', x.decodeStudent, ' tokens/s against ', x.decodeTeacher, ': ',
      x.decodeRatio, '× the teacher. Attention and the classifier are left untouched, so they bound the gain ' +
      '(the MLP\'s share of the time is in the speed panel).'],
  },
  {
    title: 'A projection keeps about 1/B of a matrix',
    state: { ...BASE, B: 64 },
    panel: 'sweep',
    text: (x) => ['Averaging the diagonals keeps the part of each matrix that is circulant: about 1/B of it ' +
      '(relative error ', x.relativeError, `, √(1 − 1/64) = ${expected(64)}). Every MLP projected this way puts the ` +
      'student KL ', x.kl, ' nats from the teacher over this prompt; with the MLPs removed outright it is ', x.floor,
    ' (the black dotted line in the sweep). Untrained, projection is about as bad as deleting the MLP.'],
  },
  {
    title: 'One layer against all layers',
    state: { ...BASE, B: 64, layers: 'first:1' },
    panel: 'sweep',
    text: (x) => ['Patching only layer 0 at B = 64: KL ', x.kl, ', top-1 agreement ', x.top1, '; removing layer ' +
      '0\'s MLP outright costs ', x.floor, ' (dotted line). The first layer carries much of what the MLPs know, and ' +
      'its error passes through the three layers above it.'],
  },
  {
    title: 'The last token, or every position',
    state: { ...BASE, B: 64, layers: 'first:1', positions: 'last' },
    panel: 'tokens',
    text: (x) => ['The published experiment compared the last token only: here KL ', x.kl, ' and top-1 ', x.top1,
      '. Over 20 prompts top-1 moves in steps of 5 %, and a prompt ending in a full stop mostly asks "what comes ' +
      'next after a sentence"; averaging over every position of the prompt measures much more.'],
  },
  {
    title: 'Loss-aware: fit what the layer sees',
    state: { ...BASE, B: 16, layers: 'first:1', proj: 'loss-aware-sequential' },
    panel: 'sweep',
    text: (x) => ['Instead of the nearest circulant matrix, fit the one that best reproduces the layer\'s outputs on ' +
      'real inputs: least squares on 32 held-out passages, one small solve per frequency. KL ', x.kl,
    ' against ', x.sweep('frobenius', 16), ' for the plain projection (the dashed curve) at B = 16.'],
  },
  {
    title: 'Distillation recovers what projection lost',
    state: { ...BASE, B: 64, proj: 'distill', calib: 'heldout', dsteps: 300, lr: 0.003 },
    panel: 'sweep',
    text: (x) => ['Train the circulant vectors themselves against the teacher (gradient KL calibration, the ' +
      'published remedy): 300 steps on held-out passages bring every-layer B = 64 from KL ', x.sweep('frobenius', 64),
    ' to ', x.kl, ' on this prompt. The purple curve is the same training at every B.'],
  },
  {
    title: 'Circulant against low-rank, same size',
    state: { ...BASE, B: 4, structure: 'low-rank' },
    panel: 'sweep',
    text: (x) => ['The natural rival stores as many numbers as a low-rank product U·V (rank m·n / (B·(m+n))). ' +
      'Taken from the SVD, at the size of B = 4 it reaches KL ', x.kl, ' where circulant blocks reach ',
    x.sweep('frobenius', 4), ': before training, low-rank is far better. Distilled, circulant catches up at large B ' +
      '(README).'],
  },
  {
    title: 'The trade-off',
    state: { ...BASE, B: 16, proj: 'distill', calib: 'heldout', dsteps: 300, lr: 0.003 },
    panel: 'sweep',
    text: (x) => ['Distilled, every layer at B = 16: KL ', x.kl, ' with ', x.mlpParams, ' MLP parameters, against ',
      x.sweep('frobenius', 16), ' projected and ', x.floor, ' removed. Along the purple curve small blocks keep ' +
      'more of the teacher, large ones are smaller and (steps 2–3) faster: drag the slider to read any B.'],
  },
];

/** The step's sentences with its numbers (null where a number is not computed yet). */
export function tourText(step, numbers) {
  return TOUR[step - 1].text(facts(numbers));
}
