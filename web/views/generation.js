// Side-by-side generation, the first place where teacher and student differ highlighted.

// The engine returns whole texts, not pieces per token, so the mark covers the first differing
// word (at most 12 characters) as an approximation of the first divergent token.
function split(text, at) {
  let end = at;
  while (end < text.length && /\s/.test(text[end])) ++end;
  while (end < text.length && end - at < 12 && !/\s/.test(text[end])) ++end;
  return [text.slice(0, at), text.slice(at, end), text.slice(end)];
}

function fill(paragraph, text, at) {
  const [same, first, rest] = split(text, at);
  const mark = document.createElement('mark');
  mark.textContent = first;
  const tail = document.createElement('span');
  tail.className = 'after';
  tail.textContent = rest;
  paragraph.replaceChildren(document.createTextNode(same), ...(first ? [mark] : []), tail);
}

/** Returns a one-line summary of where the two continuations part. */
export function renderGeneration(teacherEl, studentEl, result) {
  const t = result.teacher, s = result.student;
  let token = t.promptTokens;
  while (token < t.tokens.length && token < s.tokens.length && t.tokens[token] === s.tokens[token]) ++token;
  let at = 0;
  while (at < t.text.length && at < s.text.length && t.text[at] === s.text[at]) ++at;
  const identical = token >= t.tokens.length && token >= s.tokens.length;
  fill(teacherEl, t.text, identical ? t.text.length : at);
  fill(studentEl, s.text, identical ? s.text.length : at);
  const made = (g) => g.tokens.length - g.promptTokens;
  const counts = `teacher ${made(t)} tokens, student ${made(s)} (a model stops early at end of text)`;
  if (identical) return `identical continuations; ${counts}`;
  return `first divergent token: generated token ${token - t.promptTokens + 1}; ${counts}`;
}
