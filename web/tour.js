// The guided tour (URL key tour=N): ten steps of a lecture, each a state of the page, the panel
// that holds its numbers (shown beside the cards in projector mode, scrolled to otherwise) and
// sentences whose numbers and curves are read from the screen (web/guide.js).
import { facts, movedNote, pick, seriesName } from './guide.js';

// `panels`: the displays that hold a step's numbers ('metrics' for the cards), in the order the
// page scrolls to them; projector mode shows these and no others.
// Every step starts from these, so a step's numbers do not depend on the step before.
const BASE = { layers: 'all', matrices: ['gate', 'up', 'down'], structure: 'circulant', proj: 'distill', dsteps: 300,
  lr: 0.003, calib: 'heldout-32', positions: 'all', mode: 'prompt', vlayer: 0, vmatrix: 'gate', vrow: 0, vcol: 0,
  q: 0 };

const below = (a, b) => (a && b ? a.value < b.value : null);
const near = (a, b, share) => (a && b ? Math.abs(a.value - b.value) <= share * b.value : null);

export const TOUR = [
  {
    title: 'A circulant block is one column, rolled',
    state: { ...BASE, proj: 'frobenius', B: 8 },
    panels: ['heatmaps'],
    text: (x) => ['In a circulant block every wrapped diagonal holds one number, so a B×B block stores B numbers ' +
      'instead of B². The maps show one ', x.B, '×', x.B, ' block of layer 0\'s gate matrix, the nearest circulant ' +
      'block (each wrapped diagonal averaged) and the difference. Over the whole matrix the projection misses ',
    x.missed, ' of its size; for a matrix of random numbers it would miss ', x.random, '.'],
  },
  {
    title: 'FFTs make it cheap, but not at B = 2',
    state: { ...BASE, proj: 'frobenius', B: 2 },
    panels: ['throughput'],
    text: (x) => ['A circulant product is a convolution: an FFT, one multiply per frequency, an inverse FFT. At B = ',
      x.B, ' the student keeps ', x.keptHere, ' of the MLP numbers, and decodes ', x.decodeStudent,
      ' tokens/s against the teacher\'s ', x.decodeTeacher, ' (', x.decodeRatio, '): ',
      pick(x.decodeRatio && x.decodeRatio.value < 1, 'the tiny FFTs of each block cost more than the small products ' +
        'they replace.', 'as fast as the teacher or faster, this time; at B = 2 the FFTs usually cost more than they ' +
        'save (press "Measure again").')],
  },
  {
    title: '…and it pays at large B',
    state: { ...BASE, B: 64 },
    panels: ['throughput'],
    text: (x) => ['At B = ', x.B, ' the student decodes ', x.decodeStudent, ' tokens/s against the teacher\'s ',
      x.decodeTeacher, ': ', x.decodeRatio, ' as fast. The MLPs take ', x.mlpTime, ' of the teacher\'s decode time; ' +
      'attention and the output layer, the rest, stay as they are, and they set how far the gain can go.'],
  },
  {
    title: 'A projection keeps about 1/B of a matrix',
    state: { ...BASE, proj: 'frobenius', B: 64 },
    panels: ['sweep'],
    text: (x) => ['Averaging the diagonals keeps only the circulant part of each matrix. With every MLP projected ' +
      'this way at B = ', x.B, ' the student is KL ', x.curve('projected'), ' from the teacher on this prompt (',
    seriesName('projected'), '); with the MLPs deleted outright it is ', x.curve('removed'), ' (', seriesName('removed'),
    '). ', pick(near(x.curve('projected'), x.curve('removed'), 0.15), 'Untrained, the projected student is about as ' +
      'bad as having no MLP at all.', 'Here the projection keeps something the deleted MLPs do not.')],
  },
  {
    title: 'One layer against all layers',
    state: { ...BASE, proj: 'frobenius', B: 64, layers: 'first:1' },
    panels: ['sweep', 'metrics'],
    text: (x) => ['Only layer 0 projected at B = ', x.B, ': KL ', x.kl, ' and top-1 agreement ', x.top1,
      ' at every position; deleting layer 0\'s MLP outright gives ', x.curve('removed'), ' (', seriesName('removed'),
      '). Its error passes through every layer above it, so one layer already costs much.'],
  },
  {
    title: 'The last token, or every position',
    state: { ...BASE, proj: 'frobenius', B: 64, layers: 'first:1', positions: 'last' },
    panels: ['tokens', 'metrics'],
    text: (x) => ['The published experiment compared the last token only: here KL ', x.kl, ' and top-1 ', x.top1,
      '. At one position top-1 is all or nothing (0 % or 100 %), over 20 prompts it moves in steps of 5 %, and the ' +
      'chips show how much KL changes from one token to the next: averaging over every position measures much more.'],
  },
  {
    title: 'Fit what the layer sees',
    state: { ...BASE, proj: 'loss-aware-sequential', B: 16, layers: 'first:1' },
    panels: ['sweep'],
    text: (x) => ['Instead of the nearest circulant matrix, fit the one whose outputs best match the layer\'s on ' +
      'real inputs: least squares on 32 held-out passages, one small solve per frequency. At B = ', x.B, ' that gives ' +
      'KL ', x.curve('plan'), ' (', seriesName('plan'), ') against ', x.curve('projected'), ' (',
    seriesName('projected'), ').'],
  },
  {
    title: 'Distillation recovers what projection lost',
    state: { ...BASE, B: 64 },
    panels: ['sweep'],
    text: (x) => ['Train the circulant numbers themselves against the teacher (the published remedy): 300 steps on ' +
      'held-out passages bring every layer at B = ', x.B, ' from KL ', x.curve('projected'), ' (',
    seriesName('projected'), ') to ', x.curve('distilled'), ' (', seriesName('distilled'), '), where deleting the ' +
      'MLPs gives ', x.curve('removed'), '.'],
  },
  {
    title: 'Circulant against low-rank, same size',
    state: { ...BASE, structure: 'low-rank', proj: 'frobenius', B: 4 },
    panels: ['sweep'],
    text: (x) => ['The natural rival stores as many numbers as a product U·V of two thin matrices. Taken from the SVD, ' +
      'at the size of B = ', x.B, ' it reaches KL ', x.curve('low-rank'), ' (', seriesName('low-rank'), ') where ' +
      'projected circulant blocks reach ', x.curve('projected'), ': before training, low-rank is ',
    pick(below(x.curve('low-rank'), x.curve('projected')), 'better.', 'not better here.'), ' Distilled circulant ' +
      'blocks reach ', x.curve('distilled'), '; choose "distilled" with low-rank to train its rival.'],
  },
  {
    title: 'The trade-off',
    state: { ...BASE, B: 16 },
    panels: ['sweep'],
    text: (x) => ['Distilled, every layer at B = ', x.B, ': KL ', x.curve('distilled'), ', keeping ', x.kept,
      ' of the MLP numbers, decoding at ', x.speedup, ' the teacher\'s speed; projected ', x.curve('projected'),
      ', no MLPs ', x.curve('removed'), '. Drag the slider: smaller blocks keep more of the teacher, larger ones ' +
      'store fewer numbers, and the line above the legend says what each B keeps and how fast it decodes.'],
  },
];

/** The step's sentences with its numbers (null where a number is not computed yet). */
export function tourText(step, numbers) {
  return TOUR[step - 1].text(facts(numbers));
}

export const tourMoved = (step, state) => movedNote(TOUR[step - 1], state);
