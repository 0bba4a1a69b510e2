// The speed table at the current B: prefill and decode tokens/s of teacher and student (median of
// the runs, their range beneath), the student's speed as a multiple of the teacher's, the share of
// time spent in the MLP, and what bounds decode. A figure whose runs spread more than ±25 % around
// their median is marked noisy.
import { percent, percentText, rate, times } from '../format.js';

const NOISY = 0.25;
const noisy = (s) => (s.high - s.low) / 2 > NOISY * s.median;

function figure(cell, s, format) {
  const main = document.createElement('span');
  main.className = 'figure';
  main.textContent = format(s.median);
  const spread = document.createElement('small');
  spread.className = 'range';
  spread.textContent = `${format(s.low)}–${format(s.high)}`;
  cell.replaceChildren(main, document.createElement('br'), spread);
  cell.classList.toggle('noisy', noisy(s));
  cell.title = noisy(s) ? 'noisy: the runs differ by more than ±25 %' : 'median of the runs; below it their range';
}

/** `row` is one block's row of the worker's speed verb (or null while it is measured). */
export function renderSpeed(root, row, bound) {
  const q = (id) => root.querySelector(`[data-testid="${id}"]`);
  const cells = ['prefill-teacher', 'prefill-student', 'prefill-speedup', 'decode-teacher', 'decode-student',
    'decode-speedup', 'mlp-share-teacher', 'mlp-share-student'];
  if (!row) {
    for (const id of cells) {
      q(id).textContent = '…';
      q(id).classList.remove('noisy');
    }
    q('decode-bound').textContent = '';
    q('speed-noisy').hidden = true;
    return;
  }
  const { teacher, student, speedup } = row;
  figure(q('prefill-teacher'), teacher.prefill, rate);
  figure(q('prefill-student'), student.prefill, rate);
  figure(q('decode-teacher'), teacher.decode, rate);
  figure(q('decode-student'), student.decode, rate);
  figure(q('prefill-speedup'), speedup.prefill, times);
  figure(q('decode-speedup'), speedup.decode, times);
  q('mlp-share-teacher').textContent = `${percent(teacher.prefillMlpShare.median)} / ${percent(teacher.decodeMlpShare.median)}`;
  q('mlp-share-student').textContent = `${percent(student.prefillMlpShare.median)} / ${percent(student.decodeMlpShare.median)}`;
  const anyNoisy = [teacher.prefill, student.prefill, teacher.decode, student.decode, speedup.prefill, speedup.decode]
    .some(noisy);
  q('speed-noisy').hidden = !anyNoisy;
  q('speed-noisy').textContent = anyNoisy ? 'noisy: runs differ by more than ±25 %; measure again' : '';
  q('decode-bound').textContent = bound ? boundNote(bound, teacher.decode.median) : '';
}

// Decode reads every teacher weight once a token; a plain read of as many bytes is the yardstick.
function boundNote(bound, decode) {
  const mb = (bound.weightBytes / 1e6).toFixed(1);
  const speed = (bound.weightBytes * decode) / 1e9;
  const read = bound.streamBytesPerSecond / 1e9;
  const share = speed / read;
  if (share <= 1)
    return `Decode reads the teacher's ${mb} MB of weights once a token: ${speed.toFixed(1)} GB/s, ` +
      `${Math.round(share * 100)} % of the speed at which this browser reads as many bytes (${read.toFixed(1)} GB/s). ` +
      'Reading the weights is what limits decode, which is why storing fewer numbers makes it faster.';
  return `Decode reads the teacher's ${mb} MB of weights once a token: ${speed.toFixed(1)} GB/s, faster than a plain ` +
    `read of as many bytes timed just after it (${read.toFixed(1)} GB/s). Timings in a browser move by a quarter or ` +
    'more from one moment to the next: read both as rough.';
}

// A number a sentence may quote (web/guide.js reads it by data-fact).
function fact(name, text) {
  const el = document.createElement('span');
  el.dataset.fact = name;
  el.textContent = text;
  return el;
}

/** Under the speed table: the MLPs' share of the teacher's numbers and time, and what the student keeps. */
export function renderSizeNote(root, p, row) {
  root.querySelector('[data-testid="speed-size"]')?.remove();
  if (!p) return;
  const size = document.createElement('p');
  size.className = 'note';
  size.dataset.testid = 'speed-size';
  size.append('The MLP matrices hold ', fact('mlp-numbers', percentText(p.teacherMlp / p.teacherTotal)),
    ' of the teacher\'s numbers', ...(row ? [' and take ', fact('mlp-time', percentText(row.teacher.decodeMlpShare.median)),
      ' of its decode time'] : []), '; the student keeps ', fact('kept', percentText(p.studentMlp / p.teacherMlp)), ' of them.');
  root.querySelector('#decode-bound').before(size);
}

/** The KL legend's first line: what the student at B keeps and how fast it decodes. */
export function legendHead(block, p, row) {
  return [`at B = ${block}`, ...(p ? [': keeps ', fact('kept', percentText(p.studentMlp / p.teacherMlp)), ' of the MLP numbers'] : []),
    ...(row ? [', decodes at ', fact('speedup', times(row.speedup.decode.median)), ' the teacher\'s speed'] : [])];
}
