// Next-token bars: the teacher's and the student's 10 most likely tokens, each with both probabilities.

// Spaces and line breaks made visible, since " the" and "the" are different tokens.
const visible = (text) => text.replace(/ /g, '·').replace(/\n/g, '⏎').replace(/\t/g, '⇥');

function row(candidate, scale) {
  const li = document.createElement('li');
  const label = document.createElement('span');
  label.className = 'token';
  label.textContent = visible(candidate.text);
  const bars = document.createElement('span');
  bars.className = 'bars';
  for (const who of ['teacher', 'student']) {
    const bar = document.createElement('span');
    bar.className = `bar ${who}`;
    bar.style.width = `${((candidate[who] / scale) * 100).toFixed(1)}%`;
    bars.append(bar);
  }
  const value = document.createElement('span');
  value.className = 'p';
  value.textContent = `${(candidate.teacher * 100).toFixed(1)} / ${(candidate.student * 100).toFixed(1)}`;
  // <s> (BOS): the model expects this text to end here and a new one to begin.
  li.title = `${candidate.text === '<s>' ? 'end of text: ' : ''}teacher ${(candidate.teacher * 100).toFixed(2)} %, student ${(candidate.student * 100).toFixed(2)} %`;
  li.append(label, bars, value);
  return li;
}

// Bars are scaled to the most likely token of either model, so small probabilities stay readable.
export function renderCandidates(teacherList, studentList, analysis) {
  const all = [...analysis.teacherTop, ...analysis.studentTop];
  const scale = Math.max(1e-9, ...all.map((c) => Math.max(c.teacher, c.student)));
  teacherList.replaceChildren(...analysis.teacherTop.map((c) => row(c, scale)));
  studentList.replaceChildren(...analysis.studentTop.map((c) => row(c, scale)));
}
