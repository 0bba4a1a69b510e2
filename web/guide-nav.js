// Moving through the guide: the tour's steps (tour=N) and the 20 lecture questions (q=N) with Next and
// Back, the arrow keys (and a presenter's clicker: Page Up/Down) and the browser's Back; the list of
// questions; which entry a state shows, and the state an entry sets.
import { TOUR, tourMoved, tourText } from './tour.js';
import { QUESTIONS, questionMoved, questionText } from './questions.js';

const $ = (selector) => document.querySelector(selector);

/** The tour step or question a state shows: {kind, n, entry} or null. */
export function guideOf(state) {
  if (state.tour) return { kind: 'tour', n: state.tour, entry: TOUR[state.tour - 1], count: TOUR.length };
  if (state.q) return { kind: 'q', n: state.q, entry: QUESTIONS[state.q - 1], count: QUESTIONS.length };
  return null;
}

/** A guide entry's own settings, except those the hash itself names (a link keeps what it says). */
export function withGuideState(state, named = new Set()) {
  const g = guideOf(state);
  if (!g) return state;
  const fill = Object.fromEntries(Object.entries(g.entry.state).filter(([k]) => !named.has(k)));
  return { ...state, ...fill };
}

/** What the guide panel shows for `state`, its numbers from `numbers` (web/guide.js facts). */
export function guideView(state, numbers, lecturePrompts) {
  const g = guideOf(state);
  if (!g) return { title: '' };
  const tour = g.kind === 'tour';
  const question = lecturePrompts[g.n - 1] ?? '';
  return {
    kind: g.kind,
    title: tour ? `${g.n}. ${g.entry.title}` : `Question ${g.n}: ${question}`,
    counter: tour ? `step ${g.n} of ${g.count}` : `question ${g.n} of ${g.count}`,
    first: g.n === 1,
    last: g.n === g.count,
    moved: tour ? tourMoved(g.n, state) : questionMoved(g.n, state),
    parts: tour ? tourText(g.n, numbers) : questionText(g.n, numbers),
  };
}

/**
 * Wires the guide's buttons, the keys and the questions list. `go(kind, n)` opens an entry (n = 0
 * closes the guide); `current()` is the state on screen.
 */
export function setupGuideNavigation({ go, current }) {
  const step = (delta) => {
    const g = guideOf(current());
    if (g) go(g.kind, Math.min(g.count, Math.max(1, g.n + delta)));
  };
  $('#start-tour').addEventListener('click', () => go('tour', current().tour || 1));
  $('#guide-next').addEventListener('click', () => step(1));
  $('#guide-prev').addEventListener('click', () => step(-1));
  $('#guide-exit').addEventListener('click', () => go(guideOf(current())?.kind ?? 'tour', 0));
  // Arrow keys move through the guide, unless the key is meant for a control.
  document.addEventListener('keydown', (e) => {
    if (!guideOf(current()) || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.target.closest?.('input, textarea, select, dialog')) return;
    const delta = { ArrowRight: 1, PageDown: 1, ArrowLeft: -1, PageUp: -1 }[e.key];
    if (!delta) return;
    e.preventDefault();
    step(delta);
  });
  const list = $('#questions');
  $('#open-questions').addEventListener('click', () => {
    list.hidden = !list.hidden;
    $('#open-questions').setAttribute('aria-expanded', String(!list.hidden));
  });
}

/** Fills the questions list (one button per lecture prompt). */
export function fillQuestions(prompts, go) {
  $('#question-list').replaceChildren(...prompts.map((text, i) => {
    const li = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'question';
    button.dataset.question = String(i + 1);
    button.textContent = text;
    button.addEventListener('click', () => {
      $('#questions').hidden = true;
      $('#open-questions').setAttribute('aria-expanded', 'false');
      go('q', i + 1);
    });
    li.append(button);
    return li;
  }));
}
