// The default model's files, fetched side by side with their bytes reported as they arrive: the
// lecture prompts, the held-out passages, the model, its tokenizer and the ready-made distilled
// students (optional: without them the distilled curve shows only students distilled here).
import { download } from './assets.js';

const MB = (bytes) => (bytes / 2 ** 20).toFixed(1);
const lines = (text) => text.split('\n').map((l) => l.trim()).filter(Boolean);

/** Resolves to {lecturePrompts, heldOut, model, tokenizer, students (a promise of a Blob or null)}. */
export async function fetchDefaultFiles(onProgress) {
  const missing = 'build the page again (npm run build), or load your own model';
  const bytes = {};
  const report = () => {
    const got = Object.values(bytes).reduce((a, b) => a + b.done, 0);
    const total = Object.values(bytes).reduce((a, b) => a + b.total, 0);
    // A server that sends no Content-Length leaves the total unknown: then only what has arrived.
    onProgress({ done: got, total, label: `downloading the model: ${total ? `${MB(got)} of ${MB(total)}` : MB(got)} MB` });
  };
  const blob = (path) => download(path, missing, (d, t) => { bytes[path] = { done: d, total: t }; report(); });
  const text = (path) => download(path, missing).then((b) => b.text());
  const students = blob('models/distilled.students').catch(() => null);
  const [lecture, heldOut, model, tokenizer] = await Promise.all([
    text('models/prompts/lecture-20.txt'), text('models/prompts/calibration.txt'),
    blob('models/default.bin'), blob('models/tokenizer.bin'),
  ]);
  return { lecturePrompts: lines(lecture), heldOut: lines(heldOut), model, tokenizer, students };
}
