// The engine's worker, as a file beside the page (the single-file build swaps in
// worker-factory.single.js, which carries it inline). The built page's first script has started
// it already (vite.config.js, earlyWorker); elsewhere (the dev server, the tests) it starts as
// this module is evaluated, the first of the page's (web/main.js imports it first).
const start = () => new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
let early = globalThis.__engineWorker ?? start();
delete globalThis.__engineWorker;

export const createWorker = () => {
  const worker = early && !early.failedEarly ? early : start();
  early = null;
  return worker;
};
