// The speed runs' figures as the page shows them. No DOM.

// Runs of one benchmark → for teacher and student, each figure's median and range, and the
// student's speed-up measured run by run (teacher and student of one run ran side by side).
// `median` is the engine's own (module.median), the one definition the CLI uses too.
export function summariseSpeed(measured, median) {
  const spread = (values) => ({ median: median(values), low: Math.min(...values), high: Math.max(...values) });
  const out = { teacher: {}, student: {}, speedup: {} };
  for (const key of ['prefill', 'decode', 'prefillMlpShare', 'decodeMlpShare'])
    for (const who of ['teacher', 'student']) out[who][key] = spread(measured.map((m) => m[who][key]));
  for (const key of ['prefill', 'decode'])
    out.speedup[key] = spread(measured.map((m) => m.student[key] / m.teacher[key]));
  return out;
}
