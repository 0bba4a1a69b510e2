// Side-by-side generation, the first token where teacher and student differ highlighted.

// pieces[i] is what tokens[i + 1] printed, so the text splits exactly at token boundaries.
function fill(paragraph, pieces, divergent) {
  const mark = document.createElement('mark');
  mark.textContent = pieces[divergent - 1] ?? '';
  const tail = document.createElement('span');
  tail.className = 'after';
  tail.textContent = pieces.slice(divergent).join('');
  const same = document.createTextNode(pieces.slice(0, Math.max(0, divergent - 1)).join(''));
  paragraph.replaceChildren(same, ...(mark.textContent ? [mark] : []), tail);
}

/** Returns a one-line summary of where the two continuations part. */
export function renderGeneration(teacherEl, studentEl, result) {
  const t = result.teacher, s = result.student;
  let token = t.promptTokens;
  while (token < t.tokens.length && token < s.tokens.length && t.tokens[token] === s.tokens[token]) ++token;
  const identical = token >= t.tokens.length && token >= s.tokens.length;
  fill(teacherEl, t.pieces, identical ? t.pieces.length + 1 : token);
  fill(studentEl, s.pieces, identical ? s.pieces.length + 1 : token);
  const made = (g) => g.tokens.length - g.promptTokens;
  const counts = `teacher ${made(t)} tokens, student ${made(s)} (a model stops early at end of text)`;
  if (identical) return `identical continuations; ${counts}`;
  return `first divergent token: generated token ${token - t.promptTokens + 1}; ${counts}`;
}
