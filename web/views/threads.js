// The speed panel's thread line: the select that chooses fewer threads, and how many the engine
// runs on and why (web/threads.js words it).
import { threadChoices, threadsSentence, threadsSummary } from '../threads.js';

// How the page was opened, which the worker cannot see.
const pageFacts = () => ({ isolated: self.crossOriginIsolated === true, protocol: location.protocol,
  embedded: window.top !== window });

/** `report`: the worker's `threads` answer; `chosen`: the state's count (0 = all). */
export function renderThreads(root, report, chosen) {
  const select = root.querySelector('#threads');
  select.replaceChildren(...threadChoices(report.available).map((c) => new Option(c.label, String(c.value))));
  select.value = String(chosen < report.available ? chosen : 0);
  select.disabled = report.available === 1;
  const note = root.querySelector('#threads-note');
  note.textContent = threadsSentence(report, pageFacts());
  root.querySelector('#threads-summary').textContent = threadsSummary(report);
  note.dataset.threads = String(report.threads);
  note.dataset.build = report.build;
}
