// The default model's files, fetched side by side with their bytes reported as they arrive: the
// lecture prompts, the held-out passages, the model, its tokenizer and the ready-made distilled
// students (optional: without them the distilled curve shows only students distilled here). The
// students, one file a block size, are fetched when asked for: the first view needs only the one
// it shows, if any, and the rest (3.1 MB in all) wait until its first numbers are on screen.
import { download } from './assets.js';
import { READY_MADE_BLOCKS } from './saved-students.js';

export const MODEL = 'models/default.bin';  // its download starts first thing: web/first-fetch.js
const studentsFile = (block) => `models/distilled/b${block}.students`;
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
 * Resolves to {lecturePrompts, heldOut, model, tokenizer (ArrayBuffers), students(block)}:
 * students(block) starts that file's download the first time it is called and resolves to an
 * ArrayBuffer, or null when there is none or it cannot be fetched. `studentsFirst`: the block size
 * of the distilled student the first view shows, fetched beside the model (null: none).
 * `onModelSize(bytes)`: the model file's length, as soon as its headers say it (the engine makes
 * room for three times that: the float16 file and the float32 weights widened from it).
 */
export async function fetchDefaultFiles(onProgress, { studentsFirst = null, onModelSize = () => {} } = {}) {
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
      if (path === MODEL && !done && total) onModelSize(total);
      files.set(path, { done, total });
      report(done === total);
    });
  };
  const text = (path) => download(path, MISSING).then((bytes) => new TextDecoder().decode(bytes));
  const students = new Map();  // block → its file's download
  const fetchStudents = (block) => {
    if (!READY_MADE_BLOCKS.includes(block)) return Promise.resolve(null);
    const path = studentsFile(block);
    if (!students.has(block)) students.set(block, binary(path).catch(() => {
      files.delete(path);
      return null;
    }));
    return students.get(block);
  };
  const downloads = [text('models/prompts/lecture-20.txt'), text('models/prompts/calibration.txt'),
    binary(MODEL), binary('models/tokenizer.bin')];
  if (studentsFirst) fetchStudents(studentsFirst);
  const [lecture, heldOut, model, tokenizer] = await Promise.all(downloads);
  arrived = true;
  return { lecturePrompts: lines(lecture), heldOut: lines(heldOut), model, tokenizer, students: fetchStudents };
}
