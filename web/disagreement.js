// The worker's search for the positions of the prompts where teacher and student pick different
// likeliest tokens: the one whose top fives overlap most, and the one whose logits' cosine is
// highest. Each is checked by analysing the prompt cut after that position (its own tokenization),
// and returned with both models' top five there. No DOM; web/engine-host.js calls it.

/** `analyzeEach(job, plan, prompts, label, stepsAfter)` and `analyze(text)` are the host's. */
export async function findDisagreement(job, plan, prompts, { analyzeEach, analyze }) {
  const found = [];
  (await analyzeEach(job, plan, prompts, 'searching every position', 1)).forEach((a, i) => {
    a.positions.forEach((m, position) => {
      if (position > 0 && m.top1 === 0) found.push({ prompt: i, position, metrics: m, pieces: a.pieces, bos: a.bos });
    });
  });
  await job.step({ done: prompts.length + 1, total: prompts.length + 2, label: 'checking what was found' });
  const confirm = (order) => {
    for (const f of order.slice(0, 12)) {
      // Without the BOS the encoder adds again; a model that adds none keeps its first piece.
      const context = f.pieces.slice(f.bos ? 1 : 0, f.position + 1).join('');
      const cut = analyze(context);
      if (cut.last.top1 === 0)
        return { prompt: f.prompt + 1, context, metrics: cut.last, teacherTop: cut.teacherTop.slice(0, 5),
          studentTop: cut.studentTop.slice(0, 5) };
    }
    return null;
  };
  const byTop5 = [...found].sort((a, b) => b.metrics.top5 - a.metrics.top5 || a.metrics.kl - b.metrics.kl);
  const byCosine = [...found].sort((a, b) => b.metrics.cosine - a.metrics.cosine);
  return { top5: confirm(byTop5), cosine: confirm(byCosine), searched: found.length };
}
