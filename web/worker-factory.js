// The engine's worker, as a file beside the page (the single-file build swaps in
// worker-factory.single.js, which carries it inline). The first worker starts as this module is
// evaluated, the first of the page's (web/main.js imports it first), so its script and the
// engine's wasm are on their way while the rest of the page's script is evaluated. (Started
// earlier still, from a script in the HTML, it compiled the engine 0.6 s sooner but took the
// CPU that the page's own script needed, on a 2-core machine: docs/loading.md.)
let early = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });

export const createWorker = () => {
  const worker = early ?? new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  early = null;
  return worker;
};
