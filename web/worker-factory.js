// The engine's worker, as a file beside the page (the single-file build swaps in
// worker-factory.single.js, which carries it inline).
export const createWorker = () => new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
