// The 20 lecture questions (URL key q=N), each answered by a state of the page and one or two
// sentences whose numbers are read from the screen, by the same rules as the tour (web/guide.js).
// Six of them need an experiment of their own (web/experiments.js), shown in the experiment panel.
import { facts, movedNote, pick, seriesName } from './guide.js';

const BASE = { layers: 'all', matrices: ['gate', 'up', 'down'], structure: 'circulant', proj: 'distill', dsteps: 300,
  lr: 0.003, calib: 'heldout-32', positions: 'all', mode: 'prompt', B: 64, vlayer: 0, vmatrix: 'gate', vrow: 0,
  vcol: 0, tour: 0 };
const LAST = { ...BASE, positions: 'last' };

const below = (a, b) => (a && b ? a.value < b.value : null);

/** `question` is the lecture prompt's text (models/prompts/lecture-20.txt, line N), shown as the title. */
export const QUESTIONS = [
  { // 1
    state: { ...BASE }, panels: ['throughput'],
    text: (x) => ['A B×B circulant block is one convolution: an FFT of the input, one multiply per frequency, an ' +
      'inverse FFT, about B·log₂B operations instead of B². With every MLP at B = ', x.B, ' the student keeps ',
    x.keptHere, ' of the MLP numbers and decodes at ', x.decodeRatio, ' the teacher\'s speed, prefills at ',
    x.prefillRatio, '.'],
  },
  { // 2
    state: { ...BASE, proj: 'frobenius' }, panels: ['sweep'],
    text: (x) => ['Advantage: at B = ', x.B, ' each matrix keeps ', x.kept, ' of its numbers and the student decodes at ',
      x.speedup, ' the teacher\'s speed. Disadvantage: projected without training it is KL ', x.curve('projected'),
      ' from the teacher, near the ', x.curve('removed'), ' of deleting the MLPs (', seriesName('removed'),
      '); training recovers much of it (', seriesName('distilled'), ', ', x.curve('distilled'), ').'],
  },
  { // 3
    state: { ...LAST, B: 16 }, panels: ['candidates', 'metrics'],
    text: (x) => ['At the last token of this prompt the student\'s next-token odds are KL ', x.kl, ' from the teacher\'s, ' +
      'their raw scores have cosine ', x.cosine, ', top-1 agreement is ', x.top1, ' and they share ', x.top5,
    ' of their five likeliest tokens. The two top-10 lists show where the odds moved: any error the patch made ' +
      'upstream ends up here.'],
  },
  { // 4
    state: { ...LAST, B: 16 }, panels: ['experiment'], experiment: 'disagreement',
    text: (x) => ['The engine searched every position of the 20 lecture prompts for one where the two likeliest tokens ' +
      'differ but the top fives overlap most: there top-5 overlap is ', x.experiment('top5'), ' and KL ',
    x.experiment('top5-kl'), '. The student ranks the same candidates high, in another order: its distribution is ' +
      'close to the teacher\'s in shape, only the first place moved.'],
  },
  { // 5
    state: { ...BASE }, panels: ['sweep'],
    text: (x) => ['A B×B block stores B numbers instead of B²: at B = ', x.B, ' the student keeps ', x.kept,
      ' of the MLP numbers. Fewer numbers can describe less: the distilled student is KL ', x.curve('distilled'),
      ' from the teacher here. Move the slider and watch the ', seriesName('distilled'), ' curve against what is kept.'],
  },
  { // 6
    state: { ...LAST, B: 16 }, panels: ['candidates', 'metrics'],
    text: (x) => ['KL(teacher‖student) adds up, over every possible next token, the teacher\'s probability times how ' +
      'much less likely (in log terms) the student finds it: here ', x.kl, ' nats at the last token. It is 0 only ' +
      'when the two distributions are the same, and it weighs most the tokens the teacher finds likely (the long ' +
      'blue bars).'],
  },
  { // 7
    state: { ...LAST, B: 16 }, panels: ['experiment'], experiment: 'disagreement',
    text: (x) => ['Cosine compares all the raw scores at once; top-1 only the largest. At the position the engine ' +
      'found, the cosine of the logits is ', x.experiment('cosine'), ' although the likeliest tokens differ: a few ' +
      'close scores swapping places move top-1 and hardly move the direction of the whole vector.'],
  },
  { // 8
    state: { ...BASE }, panels: ['throughput'],
    text: (x) => ['Prefill reads the whole prompt in one batch, so each weight read serves many tokens: the teacher ' +
      'reaches ', x.prefillTeacher, ' tokens/s. Decode writes one token at a time and reads every weight for each: ',
    x.decodeTeacher, ' tokens/s. At B = ', x.B, ' the student gains ', x.decodeRatio, ' in decode and ', x.prefillRatio,
    ' in prefill.'],
  },
  { // 9
    state: { ...BASE, B: 16 }, panels: ['experiment'], experiment: 'cache',
    text: (x) => ['The weights do not change during inference, so their spectra FFT(c) can be computed once and kept: ' +
      'the product is exactly the same, minus one FFT per block per call. At B = ', x.B, ' the student decodes ',
    x.experiment('cached'), ' tokens/s with the spectra kept and ', x.experiment('uncached'),
    ' when it recomputes them every call (', x.experiment('ratio'), ' as fast).'],
  },
  { // 10
    state: { ...BASE, proj: 'frobenius' }, panels: ['experiment'], experiment: 'layers',
    text: (x) => ['With only layer 0\'s MLP at B = ', x.B, ' the student decodes at ', x.experiment('one'),
      ' the teacher\'s speed; with every layer\'s, at ', x.experiment('all'), '. The MLPs take ',
    x.experiment('mlp-time'), ' of the teacher\'s decode time and one layer holds only a part of that, so its gain ' +
      'is small and easily lost in the noise of a measurement.'],
  },
  { // 11
    state: { ...BASE }, panels: ['sweep'],
    text: (x) => ['B sets both at once: at B = ', x.B, ' each matrix keeps ', x.kept, ' of its numbers and the ' +
      'student decodes at ', x.speedup, ' the teacher\'s speed, at the price of KL ', x.curve('distilled'),
      ' distilled (', x.curve('projected'), ' projected). Smaller blocks keep more of the teacher; larger ones ' +
      'save more numbers and time.'],
  },
  { // 12
    state: { ...LAST, mode: 'all20', B: 16 }, panels: ['metrics'],
    text: (x) => ['Over the 20 lecture prompts, at the last token, the student picks the teacher\'s likeliest token ' +
      'in ', x.top1, ' of them, and their top fives overlap by ', x.top5, ' on average. ',
    pick(below(x.top1, x.top5), 'Top-5 overlap sees that the student still ranks the teacher\'s likely candidates ' +
      'high when the first place changes.', 'Here top-5 overlap is no higher than top-1: the student misses more ' +
      'than the first place.')],
  },
  { // 13
    state: { ...BASE, B: 16 }, panels: ['experiment'], experiment: 'precision',
    text: (x) => ['An FFT adds up many products, and float16 keeps only about three decimal digits. Rounding the ' +
      'input, the spectra and the output to float16 makes the block products\' error ', x.experiment('error16'),
      ' of their size, against ', x.experiment('error32'), ' in float32. This small model\'s next-token odds move ' +
      'only by KL ', x.experiment('shift'), '; a deep model adds such errors up over many layers and longer ' +
      'transforms, which is why the FFT runs in float32 even when the weights are stored in float16.'],
  },
  { // 14
    state: { ...BASE, proj: 'frobenius', B: 8 }, panels: ['heatmaps'],
    text: (x) => ['A circulant matrix is one column c rolled down one step for each next column: entry (r, s) is ' +
      'c[(r − s) mod B], so every wrapped diagonal holds one number (the middle map, B = ', x.B, '). Multiplying by ' +
      'it is a circular convolution with c, which the FFT turns into one multiply per frequency: ' +
      'C·x = IFFT(FFT(c) · FFT(x)).'],
  },
  { // 15
    state: { ...BASE, proj: 'loss-aware-sequential', B: 16, layers: 'first:1' }, panels: ['sweep'],
    text: (x) => ['The naive average takes the circulant matrix nearest to W; a loss-aware fit takes the one whose ' +
      'outputs are nearest to W\'s on real inputs of that layer (least squares, one small solve per frequency). Layer ' +
      '0 at B = ', x.B, ': KL ', x.curve('plan'), ' fitted (', seriesName('plan'), '), ', x.curve('projected'),
    ' averaged (', seriesName('projected'), ').'],
  },
  { // 16
    state: { ...LAST, B: 16 }, panels: ['experiment'], experiment: 'length',
    text: (x) => ['Cut the 20 lecture prompts after their first few tokens and compare at the last one: after ',
      x.experiment('short-length'), ' tokens the KL of the prompts spreads by ', x.experiment('short-spread'),
      ' (standard deviation), after ', x.experiment('long-length'), ' by ', x.experiment('long-spread'), '. ',
      pick(below(x.experiment('long-spread'), x.experiment('short-spread')), 'A short prompt gives the models ' +
        'little to go on, so one position decides everything and the metric jumps.', 'Here the spread does not ' +
        'shrink with length: each prompt\'s last token is a measurement of one position.')],
  },
  { // 17
    state: { ...BASE }, panels: ['throughput'],
    text: (x) => ['The MLP matrices hold ', x.mlpNumbers, ' of the teacher\'s numbers and take ', x.mlpTime,
      ' of its decode time, and each is one plain matrix product with no state, so it can be swapped for a ' +
      'structured one without touching attention. At B = ', x.B, ' the student keeps ', x.keptHere, ' of them.'],
  },
  { // 18
    state: { ...BASE, proj: 'loss-aware', B: 16, layers: 'first:1' }, panels: ['experiment'],
    experiment: 'calibration',
    text: (x) => ['Layer 0 at B = ', x.B, ', fitted on the 20 lecture prompts themselves, reaches KL ',
      x.experiment('lecture-on-lecture'), ' on them; fitted on 32 held-out passages, ', x.experiment('heldout-on-lecture'),
      '. On 20 passages neither fit saw: ', x.experiment('lecture-on-other'), ' and ', x.experiment('heldout-on-other'),
      '. ', pick(below(x.experiment('lecture-on-lecture'), x.experiment('heldout-on-lecture')), 'Judged on the text ' +
        'it was fitted on, a fit looks better than it is:', 'Here fitting on the test prompts did not even help on them:'),
      ' calibrate on plenty of text like what will be asked, never on the test prompts, and judge on text neither saw.'],
  },
  { // 19
    state: { ...BASE, B: 256 }, panels: ['experiment'], experiment: 'blocks',
    text: (x) => ['From B = 64 to B = 256 the distilled student\'s KL goes from ', x.experiment('kl-64'), ' to ',
      x.experiment('kl-256'), ' while the share of MLP numbers it keeps falls from ', x.experiment('kept-64'), ' to ',
    x.experiment('kept-256'), '. ', pick(below(x.experiment('kl-64'), x.experiment('kl-256')), 'Each 256×256 block ' +
      'has 256 numbers to stand for 65,536: too few for what the MLPs encode, even after training.', 'Here the KL ' +
      'did not rise: on this prompt the larger blocks lose nothing more.')],
  },
  { // 20
    state: { ...BASE, B: 16 }, panels: ['sweep'],
    text: (x) => ['At B = ', x.B, ' the distilled student is KL ', x.curve('distilled'), ' from the teacher (projected ',
      x.curve('projected'), ', MLPs removed ', x.curve('removed'), ') while keeping ', x.kept, ' of the MLP numbers ' +
      'and decoding at ', x.speedup, ' the teacher\'s speed: larger B buys size and speed with quality, and only ' +
      'training makes the trade worth it.'],
  },
];

/** The question's sentences with its numbers (null where a number is not computed yet). */
export function questionText(n, numbers) {
  return QUESTIONS[n - 1].text(facts(numbers));
}

export const questionMoved = (n, state) => movedNote(QUESTIONS[n - 1], state);
