// The default model's files, fetched side by side with their bytes reported as they arrive: the
// lecture prompts, the held-out passages, the model, its tokenizer and the ready-made distilled
// students (optional: without them the distilled curve shows only students distilled here). The
// students are fetched when asked for: the first view needs them only when it shows a distilled
// student, and otherwise their 3.1 MB wait until its first numbers are on screen.
import { download } from './assets.js';

const STUDENTS = 'models/distilled.students';
const MISSING = 'build the page again (npm run build), or load your own model';
// The progress line is redrawn at most this often: once a chunk (64 KB) was 300 redraws a model.
const REPORT_EVERY_MS = 100;

const lines = (text) => text.split('\n').map((l) => l.trim()).filter(Boolean);
const nameOf = (path) => path.slice(path.lastIndexOf('/') + 1);
// "5.2 of 18.1 MB"; a server that sends no Content-Length leaves the total unknown: then what arrived.
function partText({ done, total }) {
  const [unit, scale] = Math.max(done, total) >= 2 ** 20 ? ['MB', 2 ** 20] : ['KB', 1024];
  const figure = (bytes) => (unit === 'MB' ? (bytes / scale).toFixed(1) : String(Math.ceil(bytes / scale)));
  return total ? `${figure(done)} of ${figure(total)} ${unit}` : `${figure(done)} ${unit}`;
}

/**
 * Resolves to {lecturePrompts, heldOut, model, tokenizer (ArrayBuffers), students()}: students()
 * starts the students' download the first time it is called and resolves to an ArrayBuffer, or
 * null when they cannot be fetched. `studentsNow`: the first view shows a distilled student.
 */
export async function fetchDefaultFiles(onProgress, { studentsNow = true } = {}) {
  const files = new Map();  // path → {done, total}, in the order the downloads started
  let shown = 0;
  let arrived = false;  // the first view's files are here: later downloads are not the page's progress
  const report = (force) => {
    const now = performance.now();
    if (arrived || (!force && now - shown < REPORT_EVERY_MS)) return;
    shown = now;
    const all = [...files.values()];
    const done = all.reduce((sum, f) => sum + f.done, 0);
    const total = all.every((f) => f.total) ? all.reduce((sum, f) => sum + f.total, 0) : 0;
    const each = [...files].map(([path, f]) => `${nameOf(path)} ${partText(f)}`).join(', ');
    onProgress({ done, total, label: `downloading ${each}` });
  };
  const binary = (path) => {
    files.set(path, { done: 0, total: 0 });
    return download(path, MISSING, (done, total) => {
      files.set(path, { done, total });
      report(done === total);
    });
  };
  const text = (path) => download(path, MISSING).then((bytes) => new TextDecoder().decode(bytes));
  let students = null;
  const fetchStudents = () => (students ??= binary(STUDENTS).catch(() => {
    files.delete(STUDENTS);
    return null;
  }));
  const downloads = [text('models/prompts/lecture-20.txt'), text('models/prompts/calibration.txt'),
    binary('models/default.bin'), binary('models/tokenizer.bin')];
  if (studentsNow) fetchStudents();
  const [lecture, heldOut, model, tokenizer] = await Promise.all(downloads);
  arrived = true;
  return { lecturePrompts: lines(lecture), heldOut: lines(heldOut), model, tokenizer, students: fetchStudents };
}
